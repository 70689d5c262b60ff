"""MLflow registry as a source of model subjects, against a real ``mlflow server`` and a real sqlite store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aima_gate.core.clock import Clock
from aima_gate.core.model import Artifact
from tests.collectors.mlflow.conftest import free_port
from tests.collectors.mlflow.helpers import (
    by_subject,
    client,
    compliant_repo,
    seed_credit_scorer,
    seed_from_dumps,
    seed_unreviewed,
)
from tests.conftest import TODAY, run_cli

POLICIES = ("model.registry-in-sync", "model.production-has-evidence", "model.owner-and-risk-tier",
            "model.evidence-versions-agree", "model.training-data-lineage", "model.has-complete-card")


def gate(repo: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any], str]:
    selected = [a for p in POLICIES for a in ("--policy", p)]
    proc = run_cli("check", str(repo), "--format", "json", "--findings", "all", "--today", TODAY.isoformat(),
                   *selected, *args,
                   env=env, timeout=180)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout), proc.stderr


@pytest.fixture(scope="module")
def server_registry(mlflow_url: str) -> str:
    c = client(mlflow_url)
    seed_credit_scorer(c)
    seed_unreviewed(c)
    seed_from_dumps(c)
    return mlflow_url


@pytest.mark.slow
def test_server_versions_become_model_subjects(server_registry: str, tmp_path: Path) -> None:
    code, report, _ = gate(compliant_repo(tmp_path), "--mlflow-uri", server_registry)
    assert code == 1
    sync = by_subject(report, "model.registry-in-sync")
    # the same name+version in the file and in MLflow: both sides pass the join
    assert sync["credit-scorer@2.3.0"] == ("pass", "registry/models.yml")
    assert sync["fraud-detector@1"] == ("fail", "models:/fraud-detector/1")
    prod = by_subject(report, "model.production-has-evidence")
    assert prod["fraud-detector@1"][0] == "fail"  # production alias, no evidence
    # real dump: version 2 is in the Production stage, version 6 Archived (not collected by default)
    assert prod["sklearn_wine@2"][0] == "fail"
    assert "sklearn_wine@6" not in prod
    assert prod["sklearn_wine@1"][0] == "not_applicable"  # Staging


@pytest.mark.slow
def test_server_fields_are_normalized_like_registry_files(server_registry: str, tmp_path: Path) -> None:
    _, report, _ = gate(compliant_repo(tmp_path), "--mlflow-uri", server_registry)
    mlflow_findings = [f for f in report["findings"] if f["subject"]["file"] == "models:/credit-scorer/1"]
    statuses = {f["policy_id"]: f["status"] for f in mlflow_findings}
    # owner/risk tier from registered-model tags, lineage from the run's dataset input and params,
    # evidence from version tags pointing at repository files, champion alias -> production evidence required
    assert statuses == {p: "pass" for p in POLICIES}, mlflow_findings


@pytest.mark.slow
def test_server_tag_pointing_at_missing_file_is_an_error(server_registry: str, tmp_path: Path) -> None:
    repo = compliant_repo(tmp_path)
    (repo / "reports" / "credit-scorer-2.3.0-shap.json").unlink()
    code, report, _ = gate(repo, "--mlflow-uri", server_registry)
    assert code == 2
    errors = [f for f in report["findings"] if f["status"] == "error"]
    assert any(f["subject"]["file"] == "models:/credit-scorer/1" or
               "models:/credit-scorer/1" in f["evidence"][0]["file"] for f in errors), errors


@pytest.mark.slow
def test_sqlite_registry_direct(tmp_path: Path, sqlite_uri: str) -> None:
    seed_credit_scorer(client(sqlite_uri))
    code, report, _ = gate(compliant_repo(tmp_path), "--mlflow-uri", sqlite_uri)
    assert code == 0, [f for f in report["findings"] if f["status"] != "pass"]
    assert by_subject(report, "model.registry-in-sync")["credit-scorer@2.3.0"][0] == "pass"
    files = {f["subject"]["file"] for f in report["findings"]}
    assert {"models:/credit-scorer/1", "registry/models.yml"} <= files


@pytest.mark.slow
def test_config_enables_registry_and_env_only_when_allowed(tmp_path: Path, sqlite_uri: str) -> None:
    seed_unreviewed(client(sqlite_uri))
    repo = compliant_repo(tmp_path)
    env = {"MLFLOW_TRACKING_URI": sqlite_uri}
    code, report, _ = gate(repo, env=env)  # env var alone: ignored
    assert code == 0 and "fraud-detector@1" not in by_subject(report, "model.registry-in-sync")
    (repo / ".aima-gate.yml").write_text("mlflow: {enabled: true, use_env: true}\n")
    code, report, _ = gate(repo, env=env)
    assert code == 1 and by_subject(report, "model.registry-in-sync")["fraud-detector@1"][0] == "fail"
    (repo / ".aima-gate.yml").write_text(f"mlflow: {{enabled: true, tracking_uri: '{sqlite_uri}'}}\n")
    code, report, _ = gate(repo)
    assert code == 1 and by_subject(report, "model.registry-in-sync")["fraud-detector@1"][0] == "fail"


def _error_text(report: dict[str, Any]) -> str:
    return " | ".join(e["message"] for f in report["findings"] if f["status"] == "error" for e in f["evidence"])


def test_unreachable_server_exits_2(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, report, stderr = gate(compliant_repo(tmp_path), "--mlflow-uri", url)
    assert code == 2 and "Traceback" not in stderr
    assert f"cannot reach the MLflow server at {url}" in _error_text(report)


@pytest.mark.parametrize("uri", ["foo://registry", "databricks-but-not-really", "sqlite:///no/such/mlflow.db"])
def test_wrong_uri_exits_2(tmp_path: Path, uri: str) -> None:
    code, report, stderr = gate(compliant_repo(tmp_path), "--mlflow-uri", uri)
    assert code == 2 and "Traceback" not in stderr
    text = _error_text(report)
    assert "MLflow" in text, text


def test_empty_registry_exits_2(tmp_path: Path, sqlite_uri: str) -> None:
    code, report, stderr = gate(compliant_repo(tmp_path), "--mlflow-uri", sqlite_uri)  # tables, no models
    assert code == 2 and "Traceback" not in stderr
    assert "has no registered models" in _error_text(report)


def test_registry_is_read_in_pages(tmp_path: Path, sqlite_uri: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from aima_gate.collectors import CollectContext
    from aima_gate.collectors import mlflow_registry as reg
    from aima_gate.safeio.repo import Repo

    c = client(sqlite_uri)
    run_id = c.create_run(c.create_experiment("p")).info.run_id
    for i in range(5):
        c.create_registered_model(f"m{i}", tags={"owner": "o", "risk_tier": "low"})
        for _ in range(2):
            c.create_model_version(f"m{i}", f"s3://m/{i}", run_id=run_id)
    calls: list[str] = []
    original = reg._paged

    def counting(search: Any, **kwargs: Any) -> Any:
        calls.append(search.__name__)
        return original(search, **kwargs)

    monkeypatch.setattr(reg, "PAGE_SIZE", 3)
    monkeypatch.setattr(reg, "_paged", counting)
    ctx = CollectContext(Repo(tmp_path), {}, {}, Clock.at(dt.date(2026, 11, 24)), {"mlflow_uri": sqlite_uri})
    subjects = [a for a in reg.collect(ctx) if isinstance(a, Artifact)]
    assert sorted(a.name for a in subjects) == sorted(f"m{i}@{v}" for i in range(5) for v in (1, 2))
    # one paged search per object type, never a request per model or tag
    assert calls == ["search_registered_models", "search_model_versions", "search_experiments", "search_runs"]
