"""The built-in pack covers all 24 AIMA practices; framework views group findings by framework identifiers."""

from __future__ import annotations

import json

import pytest

from aima_gate.aima.catalog import load_catalog
from aima_gate.aima.frameworks import framework_markdown
from aima_gate.core.clock import Clock
from tests.conftest import EXAMPLES, TODAY, check_json, run_cli


def test_controls_json_shows_24_of_24_practices_covered() -> None:
    proc = run_cli("controls", "--format", "json", cwd=EXAMPLES / "credit-scoring")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["practices_covered"], data["practices_total"]) == (24, 24)
    for dom in data["domains"]:
        for prac in dom["practices"]:
            assert prac["covered"] and prac["policies"], prac["slug"]
            for pol in prac["policies"]:  # each policy declares the stream and level it evidences
                assert pol["aima"]["stream"] in ("A", "B") and pol["aima"]["level"] in (1, 2, 3)


@pytest.mark.parametrize(("framework", "key"), [
    ("nist-ai-rmf", "nist_ai_rmf"), ("iso-42001", "iso_42001"), ("owasp-llm", "owasp_llm"), ("eu-ai-act", None),
    ("aima", None)])
def test_framework_view_in_json(framework: str, key: str | None) -> None:
    code, report = check_json(EXAMPLES / "llm-assistant", "--framework", framework)
    assert code == 1
    view = report["framework_view"]
    assert view["framework"] == framework and view["groups"]
    catalog = load_catalog()
    known = set(catalog.reference_ids[key]) if key else set(catalog.cells()) if framework == "aima" else None
    for group in view["groups"]:
        if known is not None:
            assert group["id"] in known
        for f in group["findings"]:
            assert f["status"] in ("fail", "error", "waived") and ":" in f["where"]
    failing = sum(g["summary"]["fail"] for g in view["groups"]) + view["not_mapped"]["summary"]["fail"]
    assert failing >= report["summary"]["fail"]  # every failure appears under at least one identifier


def test_framework_view_text_groups_by_identifier() -> None:
    proc = run_cli("check", str(EXAMPLES / "llm-assistant"), "--today", TODAY.isoformat(), "--framework",
                   "owasp-llm")
    assert proc.returncode == 1
    assert "findings by OWASP Top 10 for LLM Applications 2025" in proc.stdout
    assert "\nLLM01:2025 Prompt Injection:" in proc.stdout
    assert "threat-models/support-assistant.yml" in proc.stdout
    assert proc.stdout.rstrip().splitlines()[-1].startswith("Verdict: FAIL (exit 1)")
    plain = run_cli("check", str(EXAMPLES / "llm-assistant"), "--today", TODAY.isoformat())
    assert "findings by" not in plain.stdout


def test_framework_markdown() -> None:
    _code, report = check_json(EXAMPLES / "llm-assistant", "--framework", "nist-ai-rmf")
    md = framework_markdown(report["framework_view"])
    assert md.startswith("## Findings by NIST AI RMF 1.0 subcategories")
    assert "| MANAGE 4.3 |" in md and "### MANAGE 4.3" in md


SCHEMAS = {"document": "document.schema.json", "threat_model": "threat-model.schema.json",
           "drift_report": "drift-report.schema.json", "data_validation": "data-validation.schema.json",
           "robustness_report": "robustness-report.schema.json", "attestation": "attestation.schema.json"}


@pytest.mark.parametrize("example", ["credit-scoring", "llm-assistant"])
def test_normalized_artifacts_match_their_schemas(example: str) -> None:
    import jsonschema

    from aima_gate.config.repo_config import Config
    from aima_gate.core.resources import load_schema
    from aima_gate.pipeline.runner import collect
    from aima_gate.safeio.repo import Repo

    artifacts, errors = collect(Repo(EXAMPLES / example), Config(file=None), sorted(SCHEMAS), Clock.at(TODAY), {})
    assert not errors
    assert {a.kind for a in artifacts} >= set(SCHEMAS)
    for art in artifacts:
        if art.kind in SCHEMAS:
            schema = load_schema(SCHEMAS[art.kind])
            jsonschema.validate(json.loads(json.dumps(art.data)), schema,
                                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
