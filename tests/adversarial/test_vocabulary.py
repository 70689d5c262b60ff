"""Class 4: spelling must never make a policy disappear.

Each case writes a hostile registry whose enumerated field (stage, risk tier, aliases, personal_data) is spelled
so that an exact comparison would read "not production" / "not high risk" / "no personal data". The gate must
either normalise the spelling (and the policy then applies and fails) or refuse the value as an error at its
line. A hostile pass never happens.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from aima_gate.collectors import CollectContext
from aima_gate.collectors.mlflow_registry import normalize_version
from aima_gate.collectors.vocabulary import STAGES, normalize_entry, risk_tiers
from aima_gate.core.clock import Clock
from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import Finding, Status
from aima_gate.core.report import Report
from aima_gate.pipeline.runner import RunOptions, run_check
from aima_gate.safeio.repo import Repo
from tests.conftest import TODAY, run_cli


def _registry(tmp_path: Path, field_lines: str, config: str = "") -> Path:
    """One model entry; ``field_lines`` are extra YAML lines (indented 4 spaces) of the hostile fields."""
    (tmp_path / "registry").mkdir(parents=True, exist_ok=True)
    (tmp_path / "registry" / "models.yml").write_text(
        "models:\n  - name: scorer\n    version: \"1.0.0\"\n    owner: ml@example.org\n"
        "    intended_use: Rank applications for human review\n" + field_lines, encoding="utf-8")
    if config:
        (tmp_path / ".aima-gate.yml").write_text(config, encoding="utf-8")
    return tmp_path


def _run(root: Path, policy: str) -> tuple[Report, list[Finding]]:
    report = run_check(RunOptions(root=root, clock=Clock.at(TODAY), only_policies=frozenset({policy})))
    return report, [f for f in report.findings if f.policy_id == policy]


def _assert_applies_and_fails(root: Path, policy: str) -> None:
    report, mine = _run(root, policy)
    assert int(report.exit_code) != 0
    assert any(f.status is Status.FAIL for f in mine), [(f.status, f.evidence) for f in report.findings]
    assert not any(f.status is Status.NOT_APPLICABLE for f in mine)


def _assert_refused_at_line(root: Path, policy: str, field: str, line: int) -> None:
    report, _ = _run(root, policy)
    assert int(report.exit_code) == 2
    errors = [e for f in report.findings if f.status is Status.ERROR for e in f.evidence]
    hits = [e for e in errors if e.file == "registry/models.yml" and e.pointer.endswith("/" + field)]
    assert hits and hits[0].line == line, errors
    assert "not one of the known values" in hits[0].message


@pytest.mark.parametrize("spelling", ["Production", "PRODUCTION", "prod", "PRD", "\"production \"",
                                      "\" Production\\t\"", "Live"])
def test_production_spellings_select_production_policies(tmp_path: Path, spelling: str) -> None:
    root = _registry(tmp_path, f"    risk_tier: low\n    stage: {spelling}\n")
    _assert_applies_and_fails(root, "model.threat-model")


@pytest.mark.parametrize("spelling", ["prodution", "Prod-uction", "production-eu", "\"\""])
def test_unknown_stage_is_an_error_at_its_line(tmp_path: Path, spelling: str) -> None:
    root = _registry(tmp_path, f"    risk_tier: low\n    stage: {spelling}\n")
    _assert_refused_at_line(root, "model.threat-model", "stage", 7)


def test_low_risk_production_model_still_needs_signed_artifacts(tmp_path: Path) -> None:
    """The reported bypass: `stage: Production` with `risk_tier: low` and the signatures removed."""
    root = _registry(tmp_path, "    risk_tier: low\n    stage: Production\n    artifacts: [model.bin]\n")
    (root / "registry" / "model.bin").write_bytes(b"\x00weights")
    _assert_applies_and_fails(root, "model.artifacts-signed")


@pytest.mark.parametrize("spelling", ["High", "HIGH", "\" high \"", "Critical"])
def test_risk_tier_spellings_select_high_risk_policies(tmp_path: Path, spelling: str) -> None:
    root = _registry(tmp_path, f"    risk_tier: {spelling}\n    stage: staging\n")
    _assert_applies_and_fails(root, "model.impact-assessment")


@pytest.mark.parametrize("spelling", ["hihg", "very high", "tier-1"])
def test_unknown_risk_tier_is_an_error_at_its_line(tmp_path: Path, spelling: str) -> None:
    root = _registry(tmp_path, f"    stage: staging\n    risk_tier: {spelling}\n")
    _assert_refused_at_line(root, "model.impact-assessment", "risk_tier", 7)


def test_configured_tiers_are_the_vocabulary(tmp_path: Path) -> None:
    config = "parameters:\n  risk_tiers: [minimal, limited, high, unacceptable]\n"
    root = _registry(tmp_path, "    stage: staging\n    risk_tier: medium\n", config)
    _assert_refused_at_line(root, "model.owner-and-risk-tier", "risk_tier", 7)


@pytest.mark.parametrize("spelling", ["\"Yes\"", "\"TRUE\"", "\" true\"", "\"on\""])
def test_personal_data_words_select_dpia(tmp_path: Path, spelling: str) -> None:
    root = _registry(tmp_path, f"    risk_tier: low\n    personal_data: {spelling}\n")
    _assert_applies_and_fails(root, "model.dpia")


@pytest.mark.parametrize("spelling", ["\"sometimes\"", "1", "\"y e s\""])
def test_personal_data_outside_true_false_is_an_error(tmp_path: Path, spelling: str) -> None:
    root = _registry(tmp_path, f"    risk_tier: low\n    personal_data: {spelling}\n")
    report, _ = _run(root, "model.dpia")
    assert int(report.exit_code) == 2
    assert any(e.pointer.endswith("personal_data") and e.line == 7
               for f in report.findings if f.status is Status.ERROR for e in f.evidence)


@pytest.mark.parametrize("alias", ["Champion", "\" production\"", "PRODUCTION"])
def test_alias_spellings_select_production_evidence_policy(tmp_path: Path, alias: str) -> None:
    root = _registry(tmp_path, f"    risk_tier: low\n    aliases: [{alias}]\n")
    _assert_applies_and_fails(root, "model.production-has-evidence")


def test_unknown_stage_exits_2_through_the_cli(tmp_path: Path) -> None:
    root = _registry(tmp_path, "    risk_tier: low\n    stage: Prodution\n")
    proc = run_cli("check", str(root), "--policy", "model.threat-model", "--format", "json")
    assert proc.returncode == 2, proc.stderr
    messages = [e["message"] for f in json.loads(proc.stdout)["findings"] for e in f["evidence"]]
    assert any("'Prodution' is not one of the known values" in m for m in messages), messages


def _mlflow_version(stage: str, tags: dict[str, str]) -> Any:
    return SimpleNamespace(name="scorer", version="3", tags=tags, aliases=["Champion"], current_stage=stage,
                           description=None, run_id=None, status="READY", source="x", creation_timestamp=None)


def test_mlflow_stage_and_aliases_are_normalised(tmp_path: Path) -> None:
    ctx = CollectContext(Repo(tmp_path), {}, {}, Clock.at(TODAY))
    errors: list[Any] = []
    art = normalize_version(ctx, _mlflow_version("Production", {"risk_tier": "High"}), None, None, errors)
    assert (art.data["stage"], art.data["risk_tier"], art.data["aliases"]) == ("production", "high", ["champion"])
    assert not errors


def test_mlflow_unknown_tier_tag_is_an_error_naming_the_version(tmp_path: Path) -> None:
    ctx = CollectContext(Repo(tmp_path), {}, {}, Clock.at(TODAY))
    errors: list[Any] = []
    normalize_version(ctx, _mlflow_version("Staging", {"risk_tier": "severe"}), None, None, errors)
    assert [(e.file, e.pointer) for e in errors] == [("models:/scorer/3", "/risk_tier")]
    with pytest.raises(ArtifactError):
        normalize_version(ctx, _mlflow_version("Staging", {"risk_tier": "severe"}), None, None)


def test_vocabulary_rule_not_example() -> None:
    """Every canonical value and alias maps to itself / its target; nothing else does."""
    for value in STAGES.values:
        assert STAGES.canonical(f"  {value.upper()} ") == value
    for alias, target in STAGES.aliases.items():
        assert STAGES.canonical(alias.title()) == target
    assert risk_tiers({}).canonical("Moderate") == "medium"
    assert risk_tiers({"parameters": {"risk_tiers": ["a", "b"]}}).canonical("moderate") is None
    _, errors = normalize_entry({"stage": ["production"]}, {}, file="f", line_of=lambda _p: 3)
    assert errors and errors[0].line == 3
