"""The MLflow tag ``protected_attributes`` through the real client: a real ``mlflow server`` (its own instance, so
the shared server's registry stays as test_registry.py expects it) and a sqlite registry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.collectors.mlflow.conftest import mlflow_server
from tests.collectors.mlflow.helpers import client, logged_run
from tests.conftest import DATA, TODAY, run_cli, write

DELIRIUM = (DATA / "fairness-bias" / "bygroup_auc_selection_rate_fairness_report.json").read_text(encoding="utf-8")
DI = "bias_report.disparate-impact"


def _seed(uri: str, version_tags: dict[str, str]) -> None:
    c = client(uri)
    c.create_registered_model("delirium", tags={"owner": "clinical-ml@example.org", "risk_tier": "high"})
    c.create_model_version("delirium", "s3://models/delirium/3", run_id=logged_run(c, "delirium"),
                           tags={"bias_report": "reports/fairness-report.json", **version_tags})


def _gate(tmp_path: Path, uri: str) -> tuple[int, list[dict[str, Any]]]:
    write(tmp_path / "repo", "reports/fairness-report.json", DELIRIUM)
    proc = run_cli("check", str(tmp_path / "repo"), "--format", "json", "--findings", "all", "--today",
                   TODAY.isoformat(), "--policy", DI, "--mlflow-uri", uri, timeout=180)
    assert proc.stdout, proc.stderr
    return proc.returncode, [f for f in json.loads(proc.stdout)["findings"] if f["policy_id"] == DI
                             or f["status"] == "error"]


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with mlflow_server(tmp_path_factory.mktemp("mlflow-protected")) as url:
        _seed(url, {"protected_attributes": "sex"})
        yield url


@pytest.mark.slow
def test_a_server_version_tag_declares_the_protected_attributes(own_server: str, tmp_path: Path) -> None:
    code, found = _gate(tmp_path, own_server)
    assert code == 0 and [f["status"] for f in found] == ["pass"], found


@pytest.mark.slow
@pytest.mark.parametrize(("tags", "expected"), [({"protected_attributes": '["sex"]'}, 0), ({}, 1)],
                         ids=["json-list", "untagged"])
def test_a_sqlite_registry_tag_declares_them_too(tmp_path: Path, sqlite_uri: str, tags: dict[str, str],
                                                 expected: int) -> None:
    _seed(sqlite_uri, tags)
    code, found = _gate(tmp_path, sqlite_uri)
    assert code == expected and [f["status"] for f in found] == ["pass" if expected == 0 else "fail"], found


@pytest.mark.slow
def test_an_unreachable_server_is_an_error_for_the_report(tmp_path: Path) -> None:
    from tests.collectors.mlflow.conftest import free_port

    code, found = _gate(tmp_path, f"http://127.0.0.1:{free_port()}")
    assert code == 2
    assert any("reports/fairness-report.json" in json.dumps(f["evidence"]) and
               "cannot tell which attributes are protected" in json.dumps(f["evidence"]) for f in found), found
