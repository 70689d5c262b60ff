"""The JSON report: valid against schemas/report.schema.json, issue-2 field names, byte-identical across runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.cli.test_exit_codes import ONLY_CORE, REGISTRY, mini_repo
from tests.conftest import EXAMPLES, REPO_ROOT, TODAY, check_json, run_cli, write

SCHEMA = json.loads((REPO_ROOT / "schemas" / "report.schema.json").read_text(encoding="utf-8"))


def validate(report: dict[str, Any]) -> None:
    cls = jsonschema.validators.validator_for(SCHEMA)
    cls.check_schema(SCHEMA)
    errors = sorted(cls(SCHEMA).iter_errors(report), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


@pytest.mark.parametrize(("example", "code", "verdict"), [("credit-scoring", 0, "pass"), ("llm-assistant", 1, "fail")])
def test_examples_validate_against_the_schema(example: str, code: int, verdict: str) -> None:
    rc, report = check_json(EXAMPLES / example)
    assert rc == code
    validate(report)
    assert report["verdict"] == verdict and report["exit_code"] == code
    assert report["summary"]["total"] == len(report["findings"])


def test_field_names_are_exactly_the_contract() -> None:
    _, report = check_json(EXAMPLES / "llm-assistant")
    for key in ("tool", "policy_pack_digest", "verdict", "summary", "findings"):
        assert key in report
    assert report["tool"]["name"] == "aima-gate" and report["tool"]["version"]
    assert report["policy_pack_digest"].startswith("sha256:")
    assert set(report["summary"]) >= {"pass", "fail", "error", "waived", "not_applicable"}
    failing = [f for f in report["findings"] if f["status"] == "fail" and f["policy_id"].startswith("model.")]
    assert failing
    for f in report["findings"]:
        assert {"policy_id", "status", "severity", "subject", "aima", "evidence", "remediation"} <= set(f)
        assert set(f["subject"]) == {"kind", "name", "file"}
        if f["aima"] is not None:
            assert set(f["aima"]) == {"domain", "practice", "stream", "level"}
        for e in f["evidence"]:
            assert set(e) == {"file", "line", "pointer", "actual", "expected", "message"}
    owner = next(f for f in failing if f["policy_id"] == "model.owner-and-risk-tier"
                 and f["subject"]["name"].startswith("intent-router"))
    ev = owner["evidence"][0]
    assert ev["file"] == "registry/models.yml" and ev["line"] > 1
    assert ev["pointer"] == "/owner" and ev["actual"] is None
    assert owner["aima"] == {"domain": "governance", "practice": "policy-and-compliance", "stream": "B", "level": 1}


@pytest.mark.parametrize("example", ["credit-scoring", "llm-assistant"])
def test_report_is_byte_identical_across_runs(example: str) -> None:
    args = ("check", str(EXAMPLES / example), "--format", "json", "--today", TODAY.isoformat())
    first, second = run_cli(*args), run_cli(*args)
    assert first.stdout and first.stdout == second.stdout


def test_report_does_not_depend_on_the_working_directory(tmp_path: Path) -> None:
    args = ("check", str(EXAMPLES / "credit-scoring"), "--format", "json", "--today", TODAY.isoformat())
    assert run_cli(*args).stdout == run_cli(*args, cwd=tmp_path).stdout


def test_waivers_and_errors_validate_too(tmp_path: Path) -> None:
    repo = mini_repo(tmp_path, registry=REGISTRY.replace("    owner: growth-ml\n", "").replace(
        "    training_data:\n      - {name: billing-events, source: \"warehouse://billing.events_2023_2025\"}\n", ""))
    write(repo, ".aima-gate.yml", """\
waivers:
  - policy: model.owner-and-risk-tier
    subject: churn@*
    reason: Owner being assigned after the re-org (TICKET-9)
    owner: ml-platform
    expires: "2026-12-31"
  - policy: model.training-data-lineage
    subject: churn@1.0.0
    reason: Lineage backfill tracked in TICKET-10
    owner: data-eng
    expires: "2026-10-01"
  - policy: model.bias-report-referenced
    subject: nothing-matches
    reason: Left over from a model that was deleted
    owner: ml-platform
    expires: "2026-12-31"
""")
    write(repo, "registry/broken.json", '{"models": [')
    proc = run_cli("check", str(repo), "--format", "json", "--today", TODAY.isoformat(), *ONLY_CORE)
    assert proc.returncode == 2
    report = json.loads(proc.stdout)
    validate(report)
    by_policy = {f["policy_id"]: f for f in report["findings"] if f["subject"]["name"].startswith("churn")}
    assert by_policy["model.owner-and-risk-tier"]["status"] == "waived"
    assert by_policy["model.owner-and-risk-tier"]["waiver"]["owner"] == "ml-platform"
    lineage = by_policy["model.training-data-lineage"]
    assert lineage["status"] == "fail"
    assert any("expired on 2026-10-01" in e["message"] for e in lineage["evidence"])
    ids = [f["policy_id"] for f in report["findings"]]
    assert "aima-gate.unused-waiver" in ids and "aima-gate.input-error" in ids
    assert report["summary"]["waived"] == 1


def test_policies_disabled_by_the_config_are_shown(tmp_path: Path) -> None:
    import shutil

    import yaml

    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "credit-scoring", repo)
    config = yaml.safe_load((repo / ".aima-gate.yml").read_text(encoding="utf-8"))
    config.setdefault("policies", {})["disable"] = ["model.training-data-lineage"]
    (repo / ".aima-gate.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    proc = run_cli("check", str(repo), "--format", "json", "--today", TODAY.isoformat())
    data = json.loads(proc.stdout)
    assert data["disabled_policies"] == {"file": ".aima-gate.yml", "policies": ["model.training-data-lineage"]}
    validate(data)
    text_out = run_cli("check", str(repo), "--today", TODAY.isoformat()).stdout
    assert "scope narrowed by policies.disable (.aima-gate.yml:" in text_out
    assert "these policies are switched off: model.training-data-lineage" in text_out


def test_passes_are_summarised_by_default_and_listed_with_findings_all(tmp_path: Path) -> None:
    """Default: every non-pass in full, passes counted per policy with their subjects; --findings all (or
    AIMA_GATE_FINDINGS=all) lists every finding. Both validate, and the two agree finding for finding."""
    args = ("check", str(EXAMPLES / "credit-scoring"), "--format", "json", "--today", TODAY.isoformat())
    default = json.loads(run_cli(*args).stdout)
    validate(default)
    assert default["findings_scope"] == "non-pass"
    assert all(f["status"] != "pass" for f in default["findings"])
    summary = default["summary"]
    assert default["passes"]["count"] == summary["pass"] > 0
    assert sum(p["count"] for p in default["passes"]["by_policy"]) == summary["pass"]
    assert len(default["findings"]) == summary["total"] - summary["pass"]
    _, every = check_json(EXAMPLES / "credit-scoring")  # --findings all
    validate(every)
    assert "passes" not in every and "findings_scope" not in every and len(every["findings"]) == summary["total"]
    assert [f for f in every["findings"] if f["status"] != "pass"] == default["findings"]
    passed = sorted((f["policy_id"], f["subject"]["kind"], f["subject"]["name"], f["subject"]["file"])
                    for f in every["findings"] if f["status"] == "pass")
    assert passed == sorted((p["policy_id"], p["kind"], s["name"], s["file"])
                            for p in default["passes"]["by_policy"] for s in p["subjects"])
    by_env = run_cli(*args, env={"AIMA_GATE_FINDINGS": "all"}).stdout
    assert json.loads(by_env) == every
    out = tmp_path / "r.json"
    run_cli(*args, "--report", f"json={out}")  # the streamed file report is the same bytes as stdout
    assert out.read_text(encoding="utf-8") == run_cli(*args).stdout
