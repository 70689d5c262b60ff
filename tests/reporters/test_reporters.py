"""Report formats: golden files on a small fixture repo we own, schema validation, and agreement of every format
with the JSON report (counts and verdict) on both examples.

Regenerate the goldens after an intended change with ``UPDATE_GOLDEN=1 pytest tests/reporters/test_reporters.py``
and review the diff.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA, EXAMPLES, TODAY, run_cli

FIXTURE = DATA / "reports" / "fixture-repo"
GOLDEN = DATA / "reports" / "golden"
SCHEMAS = DATA / "schemas"
FORMATS = {"sarif": "sarif.json", "junit": "junit.xml", "gitlab": "codequality.json", "markdown": "md",
           "github": "github.txt", "html": "html", "text": "txt"}


def run_all_formats(repo: Path, out: Path, *extra: str, cwd: Path | None = None) -> tuple[int, dict[str, str]]:
    """One CLI run writing every format; returns the exit code and each file's text (json included)."""
    out.mkdir(parents=True, exist_ok=True)
    reports = [f"--report={fmt}={out / f'report.{ext}'}" for fmt, ext in {**FORMATS, "json": "json"}.items()]
    proc = run_cli("check", str(repo), "--today", TODAY.isoformat(), "--format", "text", *reports, *extra, cwd=cwd)
    assert proc.returncode in (0, 1, 2), proc.stderr
    texts = {fmt: (out / f"report.{ext}").read_text(encoding="utf-8")
             for fmt, ext in {**FORMATS, "json": "json"}.items()}
    return proc.returncode, texts


def sarif_validator() -> Any:
    from jsonschema import Draft4Validator

    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return Draft4Validator(schema)


class _BothJunitSchemas:
    """Jenkins' xUnit plugin ``junit-10.xsd`` as shipped, and the copy GitLab-style emitters are checked with."""

    def __init__(self) -> None:
        import xmlschema

        self.schemas = [xmlschema.XMLSchema(str(SCHEMAS / name)) for name in ("junit-10.xsd",
                                                                              "junit-10-plus-file.xsd")]

    def validate(self, text: str) -> None:
        for schema in self.schemas:
            schema.validate(text)


def junit_schema() -> Any:
    return _BothJunitSchemas()


def assert_valid_sarif(text: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(text)
    errors = sorted(sarif_validator().iter_errors(doc), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
    return doc


@pytest.fixture(scope="module")
def fixture_reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, str]]:
    # Run from inside the fixture with PATH "." so report paths are repo-relative, as in CI.
    return run_all_formats(Path("."), tmp_path_factory.mktemp("fixture"), cwd=FIXTURE)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_golden(fmt: str, fixture_reports: tuple[int, dict[str, str]]) -> None:
    code, texts = fixture_reports
    assert code == 1
    text = texts[fmt]
    if fmt == "markdown":
        # The maturity scorecard is rendered by aima_gate.aima.maturity (issue 7) and has its own tests: keep only
        # the fact that it is there, so this golden guards the Markdown reporter itself.
        text, n = re.subn(r"(<!-- aima-gate:maturity -->\n).*?(<!-- /aima-gate:maturity -->)",
                          r"\1(maturity scorecard)\n\2", text, flags=re.S)
        assert n == (1 if "maturity" in json.loads(texts["json"]) else 0)
    if fmt == "html":
        # Likewise the HTML report's maturity section (its radar and scorecard come from aima_gate.aima).
        text, n = re.subn(r'(<section aria-labelledby="h-maturity">\n).*?(</section>)',
                          r"\1(maturity scorecard)\n\2", text, flags=re.S)
        assert n == (1 if "maturity" in json.loads(texts["json"]) else 0)
    golden = GOLDEN / f"fixture.{FORMATS[fmt]}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), f"{fmt} differs from {golden} (UPDATE_GOLDEN=1)"


def test_fixture_sarif_and_junit_are_schema_valid(fixture_reports: tuple[int, dict[str, str]]) -> None:
    _, texts = fixture_reports
    assert_valid_sarif(texts["sarif"])
    junit_schema().validate(texts["junit"])


def _sarif_counts(doc: dict[str, Any]) -> dict[str, int]:
    run = doc["runs"][0]
    counts = {"unsuppressed": 0, "suppressed": 0, "notifications": 0}
    for r in run["results"]:
        counts["suppressed" if r.get("suppressions") else "unsuppressed"] += len(r["properties"]["findings"])
    for n in run["invocations"][0]["toolExecutionNotifications"]:
        counts["notifications"] += len(n.get("properties", {}).get("findings", []))
    return counts


def check_agreement(code: int, texts: dict[str, str], root: Path) -> None:
    report = json.loads(texts["json"])
    summary, verdict = report["summary"], report["verdict"]
    assert code == report["exit_code"]
    fingerprints = {f["fingerprint"] for f in report["findings"]}

    sarif = assert_valid_sarif(texts["sarif"])
    run = sarif["runs"][0]
    assert run["properties"]["verdict"] == verdict and run["properties"]["summary"] == summary
    counts = _sarif_counts(sarif)
    assert counts["unsuppressed"] + counts["suppressed"] + counts["notifications"] == \
        summary["fail"] + summary["error"] + summary["waived"]
    seen = set()
    for r in run["results"]:
        loc = r["locations"][0]["physicalLocation"]
        key = (r["ruleId"], loc["artifactLocation"]["uri"], loc["region"]["startLine"])
        assert key not in seen, f"two results for {key}"
        seen.add(key)
        assert loc["region"]["startLine"] >= 1
        assert (root / loc["artifactLocation"]["uri"]).is_file(), loc
        assert run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        # One identity everywhere: unique findings keep the JSON report's fingerprint.
        assert r["partialFingerprints"]["aimaGateFinding/v1"] in fingerprints | set(r["properties"]["findings"])
    rule_ids = {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    assert {f["policy_id"] for f in report["findings"]} <= rule_ids

    junit_schema().validate(texts["junit"])
    suite = ET.fromstring(texts["junit"]).find("testsuite")
    assert suite is not None
    assert int(suite.get("tests", -1)) == summary["total"]
    assert int(suite.get("failures", -1)) == summary["fail"]
    assert int(suite.get("errors", -1)) == summary["error"]
    assert int(suite.get("skipped", -1)) == summary["waived"] + summary["not_applicable"]
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["aima-gate.verdict"] == verdict
    names = [c.get("name") for c in suite.iter("testcase")]
    assert len(names) == len(set(names)) == summary["total"]
    assert all((c.findtext("system-out") or "").startswith("file: ") for c in suite.iter("testcase"))

    quality = json.loads(texts["gitlab"])
    narrowings = report.get("scope", {}).get("narrowings", [])
    assert len(quality) == summary["fail"] + summary["error"] + len(narrowings)
    assert len([q for q in quality if q["check_name"] == "aima-gate.scope"]) == len(narrowings)
    assert len({q["fingerprint"] for q in quality}) == len(quality)
    for q in quality:
        assert q["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert q["location"]["lines"]["begin"] >= 1 and q["description"] and q["check_name"]
    assert not texts["gitlab"].startswith("\ufeff")

    md = texts["markdown"]
    assert len(md.encode()) < 1024 * 1024
    assert f"aima-gate: {verdict.upper()}" in md.splitlines()[0]
    assert f"| fail | {summary['fail']} |" in md and f"| error | {summary['error']} |" in md

    page = texts["html"]
    assert f"<title>aima-gate report: {verdict.upper()}</title>" in page
    assert f"exit code {code}: {summary['blocking']} blocking findings" in page
    for status in ("fail", "error", "waived", "pass"):
        assert f'<th scope="row">{status}</th><td class="num">{summary[status]}</td>' in page
    shown = json.loads(page.split('id="aima-data">', 1)[1].split("</script>", 1)[0])["findings"]
    assert len(shown) == summary["fail"] + summary["error"] + summary["waived"]

    gh = texts["github"].splitlines()
    assert gh[-1].startswith(f"aima-gate: {verdict.upper()} (exit {code})")
    errors = [line for line in gh if line.startswith("::error")]
    warnings = [line for line in gh if line.startswith("::warning")]
    assert len(errors) <= 10 and len(warnings) <= 10
    reported = summary["fail"] + summary["error"]
    if reported > len(errors) + len(warnings):
        assert any(line.startswith("::notice") and f"{reported - len(errors) - len(warnings)} more" in line
                   for line in gh)
    else:
        assert len(errors) + len(warnings) == reported


@pytest.mark.parametrize("example", ["credit-scoring", "llm-assistant"])
def test_every_format_agrees_with_json(example: str, tmp_path: Path) -> None:
    code, texts = run_all_formats(Path("."), tmp_path, cwd=EXAMPLES / example)
    check_agreement(code, texts, EXAMPLES / example)


def test_fixture_agrees_with_json(fixture_reports: tuple[int, dict[str, str]]) -> None:
    code, texts = fixture_reports
    check_agreement(code, texts, FIXTURE)
    sarif = json.loads(texts["sarif"])
    suppressed = [r for r in sarif["runs"][0]["results"] if r.get("suppressions")]
    assert len(suppressed) == 1 and "DATA-77" in suppressed[0]["suppressions"][0]["justification"]
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    owner = rules["fixture.owner"]
    assert owner["properties"]["security-severity"] == "8.0"
    assert owner["properties"]["aima"] == {"domain": "governance", "practice": "policy-and-compliance",
                                           "stream": "B", "level": 1}
    assert owner["properties"]["mappings"] == {"eu_ai_act": ["Art. 17"], "nist_ai_rmf": ["GOVERN 2.1"]}
    assert "aima-governance" in owner["properties"]["tags"] and len(owner["properties"]["tags"]) <= 10
    assert "registry entry" in owner["help"]["text"]
    # Every evaluated policy is a rule, even those without results.
    assert {"fixture.owner", "fixture.card-version", "fixture.lineage", "fixture.risk-tier"} <= set(rules)


def test_paths_are_prefixed_with_the_scanned_folder(tmp_path: Path) -> None:
    """Run from the repository root on a sub-folder: report paths resolve from the checkout, as CI needs."""
    shutil.copytree(FIXTURE, tmp_path / "services" / "ml")
    code, texts = run_all_formats(Path("services/ml"), tmp_path / "out", cwd=tmp_path)
    check_agreement(code, texts, tmp_path)
    quality = json.loads(texts["gitlab"])
    assert all(q["location"]["path"].startswith("services/ml/") for q in quality)


def _fingerprints(text: str) -> dict[str, dict[str, str]]:
    doc = json.loads(text)
    return {r["properties"]["findings"][0]: r["partialFingerprints"] for r in doc["runs"][0]["results"]}


def test_fingerprints_survive_unrelated_line_moves(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    _, before = run_all_formats(Path("."), tmp_path / "a", cwd=repo)
    registry = repo / "registry" / "models.yml"
    registry.write_text("# moved\n# down\n# by three lines\n" + registry.read_text(encoding="utf-8"), encoding="utf-8")
    card = repo / "cards" / "churn-model.md"
    card.write_text(card.read_text(encoding="utf-8").replace("---\n", "---\n# comment\n", 1), encoding="utf-8")
    _, after = run_all_formats(Path("."), tmp_path / "b", cwd=repo)
    lines_before = [r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    for r in json.loads(before["sarif"])["runs"][0]["results"]]
    lines_after = [r["locations"][0]["physicalLocation"]["region"]["startLine"]
                   for r in json.loads(after["sarif"])["runs"][0]["results"]]
    assert lines_before != lines_after
    assert _fingerprints(before["sarif"]) == _fingerprints(after["sarif"])
    assert [q["fingerprint"] for q in json.loads(before["gitlab"])] == \
        [q["fingerprint"] for q in json.loads(after["gitlab"])]
