"""The inventory in a run (pipeline/inventory.py): a missing fact says where it goes, nothing to govern is one
error, a registry entry's `location:` ties it to a discovered model, and default exclusions apply."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import check_json, write

MLMODEL = "artifact_path: model\nflavors: {sklearn: {}}\nrun_id: r1\n"


def _failing(report: dict[str, object], policy: str) -> dict[str, dict[str, object]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return {f["subject"]["name"]: f for f in findings if f["policy_id"] == policy and f["status"] == "fail"}


def test_an_mlflow_store_model_without_owner_is_told_to_set_the_tag(tmp_path: Path) -> None:
    write(tmp_path, "mlruns/models/credit/version-1/meta.yaml", "name: credit\nversion: 1\nrun_id: r1\n")
    write(tmp_path, "mlruns/models/credit/meta.yaml", "name: credit\n")
    write(tmp_path, "mlruns/0/r1/meta.yaml", "run_id: r1\n")
    write(tmp_path, "mlruns/0/r1/artifacts/model/MLmodel", MLMODEL)
    _code, report = check_json(tmp_path)
    owner = _failing(report, "model.owner-and-risk-tier")
    assert list(owner) == ["credit@1"]  # the run's model is the registered version, not a second subject
    assert "set the tag `owner`" in str(owner["credit@1"]["remediation"])
    purpose = _failing(report, "model.purpose-declared")["credit@1"]
    assert "set the tag `intended_use`" in str(purpose["remediation"])


def test_a_registry_location_claims_the_model_and_a_missing_one_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "serving/scorer/MLmodel", MLMODEL)
    write(tmp_path, "registry/models.yml",
          'models:\n  - name: credit\n    version: "1"\n    owner: a@b.example\n    risk_tier: low\n'
          "    location: ../serving/scorer\n")
    _code, report = check_json(tmp_path)
    assert "inventory" not in report and list(_failing(report, "model.purpose-declared")) == ["credit@1"]
    write(tmp_path, "registry/models.yml",
          'models:\n  - name: credit\n    version: "1"\n    location: ../serving/nowhere\n')
    code, report = check_json(tmp_path)
    findings = report["findings"]
    assert isinstance(findings, list)
    errors = [f for f in findings if f["policy_id"] == "aima-gate.input-error"]
    assert code == 2 and any("location: serving/nowhere does not exist" in f["evidence"][0]["message"]
                             and f["evidence"][0]["line"] == 4 for f in errors), errors


def test_models_in_excluded_folders_are_not_discovered(tmp_path: Path) -> None:
    write(tmp_path, "model.pkl", "x")
    write(tmp_path, "node_modules/pkg/model.onnx", "x")
    write(tmp_path, "env/pyvenv.cfg", "home = /usr\n")
    write(tmp_path, "env/lib/python3.12/site-packages/pkg/weights.pt", "x")
    write(tmp_path, "build/model.pkl", "x")
    _code, report = check_json(tmp_path)
    inventory = report["inventory"]
    assert isinstance(inventory, list)
    assert [m["subject"] for m in inventory] == ["model.pkl@unversioned"]
