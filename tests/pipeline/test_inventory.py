"""The inventory in a run (pipeline/inventory.py): a missing fact says where it goes, nothing to govern is one
error, a registry entry's `location:` ties it to a discovered model, and default exclusions apply."""

from __future__ import annotations

from dataclasses import replace
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


def test_where_to_add_notes_only_failed_model_findings_about_an_entry_field() -> None:
    import itertools

    from aima_gate.core.model import Artifact, Evidence, Finding, Severity, Status, Subject
    from aima_gate.pipeline.inventory import where_to_add

    artifacts = [
        Artifact(kind="model", name="found@1", file="serving/MLmodel", data={
            "source": "discovered", "name": "found", "version": "1",
            "discovered": {"location": "serving", "route": "mlflow-model"}}),
        Artifact(kind="model", name="tracked@2", file="mlruns/models/tracked", data={
            "source": "mlflow", "name": "tracked", "version": "2", "mlflow": {"version_number": "2"}}),
        Artifact(kind="model", name="listed@3", file="registry/models.yml", data={"source": "registry"}),
    ]
    subjects = [Subject(a.kind, a.name, a.file) for a in artifacts] + [
        Subject("model_card", "found@1", "serving/MLmodel"), Subject("model", "ghost@1", "x.yml")]
    findings = [Finding("p", "t", status, Severity.HIGH, subject, None,
                        (Evidence(subject.file, 1, pointer, None, "", ""),) if pointer is not None else (), "Fix.")
                for status, subject, pointer in itertools.product(
                    list(Status), subjects, [None, "", "/owner", "/training_data/0", "/stage", "/unrelated"])]
    out = where_to_add(findings, artifacts)
    assert len(out) == len(findings)
    noted = [(f, o) for f, o in zip(findings, out, strict=True) if o is not f]
    assert noted  # some findings get a note, and each of them is a failed model finding about an entry field
    for f, o in noted:
        assert f.status is Status.FAIL and f.subject.kind == "model" and f.subject.name in ("found@1", "tracked@2")
        assert f.evidence[0].pointer in ("/owner", "/training_data/0", "/stage")
        assert o.remediation.startswith("Fix. Where: this model") and o == replace(f, remediation=o.remediation)
    kept = {id(o) for f, o in zip(findings, out, strict=True) if o is f}
    assert all(id(f) in kept for f in findings if f.status is not Status.FAIL or f.subject.kind != "model")
    # the MLflow model: only a field a tag can carry gets a note
    assert not any(f.subject.name == "tracked@2" and f.evidence[0].pointer == "/stage" for f, _o in noted)
