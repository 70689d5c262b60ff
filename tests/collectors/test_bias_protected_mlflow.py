"""Protected attributes declared by an MLflow tag (issue 15), read from a committed ``mlruns/`` file store here;
tests/collectors/mlflow/test_protected_tag.py does the same through a real server and a sqlite registry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aima_gate.core.clock import Clock
from aima_gate.pipeline.runner import collect, load_config
from aima_gate.safeio.repo import Repo
from tests.conftest import DATA, TODAY, check_json, write

DELIRIUM = (DATA / "fairness-bias" / "bygroup_auc_selection_rate_fairness_report.json").read_text(encoding="utf-8")
"""sex passes the four-fifths rule; age_band and frailty_tercile (clinical risk factors) do not."""
STORE = "ml/mlruns/models/delirium"
DI = "bias_report.disparate-impact"


def _store(root: Path, version_tags: dict[str, str], model_tags: dict[str, str] | None = None,
           report: str = "reports/fairness-report.json") -> Path:
    write(root, report, DELIRIUM)
    write(root, f"{STORE}/meta.yaml", "name: delirium\ndescription: ''\n")
    write(root, f"{STORE}/version-3/meta.yaml", "name: delirium\nversion: 3\ncurrent_stage: Production\n"
                                                "run_id: r1\nsource: mlflow-artifacts:/1/r1/artifacts/m\n")
    for key, value in version_tags.items():
        write(root, f"{STORE}/version-3/tags/{key}", value)
    for key, value in (model_tags or {}).items():
        write(root, f"{STORE}/tags/{key}", value)
    return root


def _di(root: Path) -> tuple[int, list[dict[str, Any]]]:
    code, report = check_json(root, "--policy", DI)
    return code, [f for f in report["findings"] if f["policy_id"] == DI or f["status"] == "error"]


def _evidence(finding: dict[str, Any]) -> str:
    return json.dumps(finding["evidence"])


@pytest.mark.parametrize("value", ["sex", " sex ,", '["sex"]', "SEX"])
def test_a_version_tag_declares_the_protected_attributes_of_the_report_it_references(tmp_path: Path,
                                                                                      value: str) -> None:
    repo = _store(tmp_path, {"protected_attributes": value, "bias_report": "reports/fairness-report.json"})
    code, found = _di(repo)
    assert code == 0 and [f["status"] for f in found] == ["pass"], found


def test_without_the_tag_every_attribute_is_gated(tmp_path: Path) -> None:
    repo = _store(tmp_path, {"bias_report": "reports/fairness-report.json"})
    code, found = _di(repo)
    assert code == 1 and [f["status"] for f in found] == ["fail"]


def test_a_registered_model_tag_applies_to_a_report_naming_the_model(tmp_path: Path) -> None:
    repo = _store(tmp_path, {}, {"protected_attributes": "sex"})
    doc = json.loads(DELIRIUM) | {"model": {"name": "delirium", "version": "3"}}
    write(repo, "reports/fairness-report.json", json.dumps(doc))
    code, found = _di(repo)
    assert code == 0 and [f["status"] for f in found] == ["pass"], found
    # the version tag wins over the registered-model tag (as for owner and risk_tier)
    write(repo, f"{STORE}/version-3/tags/protected_attributes", "sex, frailty_tercile")
    code, found = _di(repo)
    assert code == 1 and [f["status"] for f in found] == ["fail"]


def test_the_tag_replaces_the_configs_repository_default(tmp_path: Path) -> None:
    repo = _store(tmp_path, {"protected_attributes": "sex", "bias_report": "reports/fairness-report.json"})
    write(repo, ".aima-gate.yml", "version: 1\nartifacts:\n  bias_report:\n    protected_attributes: [sex, age_band]\n")
    code, found = _di(repo)
    assert code == 0 and [f["status"] for f in found] == ["pass"], found


@pytest.mark.parametrize("other", ["registry", "config"])
def test_a_conflicting_declaration_is_an_error_naming_both(tmp_path: Path, other: str) -> None:
    repo = _store(tmp_path, {"protected_attributes": "sex", "bias_report": "reports/fairness-report.json"})
    if other == "registry":
        write(repo, "registry/models.yml", "models:\n  - {name: delirium, version: '3', owner: t, risk_tier: high,"
              " protected_attributes: [sex, age_band], bias_report: ../reports/fairness-report.json}\n")
        named = "registry/models.yml (delirium@3)"
    else:
        write(repo, ".aima-gate.yml", "version: 1\nartifacts:\n  bias_report:\n    protected_attributes:\n"
              "      delirium: [sex, age_band]\n")
        doc = json.loads(DELIRIUM) | {"model": {"name": "delirium"}}
        write(repo, "reports/fairness-report.json", json.dumps(doc))
        named = "config artifacts.bias_report.protected_attributes.delirium"
    code, found = _di(repo)
    errors = [f for f in found if f["status"] == "error"]
    assert code == 2 and errors, found
    text = _evidence(errors[0])
    assert "declared differently" in text and named in text
    assert f"MLflow tag protected_attributes of {STORE}/version-3/meta.yaml" in text


def test_agreeing_declarations_name_every_source(tmp_path: Path) -> None:
    repo = _store(tmp_path, {"protected_attributes": "sex", "bias_report": "reports/fairness-report.json"})
    write(repo, "registry/models.yml", "models:\n  - {name: delirium, version: '3', owner: t, risk_tier: high,"
          " protected_attributes: [Sex], bias_report: ../reports/fairness-report.json}\n")
    code, found = _di(repo)
    assert code == 0, found
    artifacts, errors = collect(Repo(repo), load_config(repo, None), ["bias_report"], Clock.at(TODAY), {})
    assert errors == []
    (art,) = artifacts
    assert art.data["protected_declared_by"] == ("registry/models.yml (delirium@3); MLflow tag protected_attributes "
                                                 f"of {STORE}/version-3/meta.yaml")
    assert [a["name"] for a in art.data["unprotected_attributes"]] == ["age_band", "frailty_tercile"]


def test_a_malformed_tag_is_an_error_not_a_silent_fallback(tmp_path: Path) -> None:
    repo = _store(tmp_path, {"protected_attributes": '["sex", 3]', "bias_report": "reports/fairness-report.json"})
    code, found = _di(repo)
    errors = [f for f in found if f["status"] == "error"]
    assert code == 2 and any("protected_attributes" in _evidence(e) for e in errors), found
