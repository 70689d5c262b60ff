"""MLflow file stores committed in the repository (mlruns/), read offline, on real stores from the corpus
(MLflow 2.3 with stages, MLflow 3.2 with aliases) and on a store written here with governance tags."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli, write

REPOS = Path(__file__).resolve().parents[1] / "realworld" / "repos"
OWNER = "model.owner-and-risk-tier"


def findings(repo: Path, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    proc = run_cli("check", str(repo), "--format", "json", "--findings", "all", "--policy", OWNER, *args)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)["findings"], proc.stderr


def test_mlflow3_store_with_aliases_is_a_model_that_lacks_an_owner() -> None:
    code, found, _ = findings(REPOS / "california-mlflow3-registry" / "repo")
    assert code == 1
    [f] = [x for x in found if x["subject"]["file"].startswith("mlruns/models/")]  # the registry's one version
    assert {x["status"] for x in found} == {"fail"}  # the unregistered logged models (the inventory) fail too
    assert f["subject"] == {"kind": "model", "name": "California_Housing_Best_Model@1",
                            "file": "mlruns/models/California_Housing_Best_Model/version-1/meta.yaml"}
    assert f["status"] == "fail" and "$.owner is missing" in json.dumps(f["evidence"])


def test_mlflow2_stores_with_stages_two_stores_and_an_archived_version() -> None:
    code, found, _ = findings(REPOS / "mlflow2-registry-stages" / "repo")
    names = sorted((f["subject"]["name"], f["subject"]["file"].split("/models/")[0]) for f in found)
    assert code == 1 and {f["status"] for f in found} == {"fail"}  # no "defined twice" error across stores
    assert ("sk-learn-random-forest-reg-model@1", "mlruns") in names
    assert ("sk-learn-random-forest-reg-model@1", "src/mlruns") in names
    assert not any(n.startswith("test_r_m@") for n, _ in names)  # Archived: not evaluated by default


def _store(root: Path, tags: dict[str, str]) -> Path:
    base = "ml/mlruns/models/churn"
    write(root, f"{base}/meta.yaml", "name: churn\naliases:\n  champion: '2'\ndescription: ''\n")
    write(root, f"{base}/version-2/meta.yaml", "name: churn\nversion: 2\ncurrent_stage: Production\n"
                                               "run_id: abc123\nsource: mlflow-artifacts:/1/abc123/artifacts/m\n")
    for key, value in tags.items():
        write(root, f"{base}/version-2/tags/{key}", value)
    write(root, "ml/mlruns/1/abc123/meta.yaml", "run_id: abc123\n")
    write(root, "ml/mlruns/1/abc123/params/training_data.claims", "s3://bucket/claims/2026")
    return root


def test_tags_give_owner_and_risk_tier(tmp_path: Path) -> None:
    repo = _store(tmp_path / "repo", {"owner": "retention-ml@example.com", "risk_tier": "medium"})
    code, found, _ = findings(repo)
    assert code == 0 and [(f["subject"]["name"], f["status"]) for f in found] == [("churn@2", "pass")]
    report = json.loads(run_cli("check", str(repo), "--format", "json", "--findings", "all", "--policy",
                                "model.training-data-lineage").stdout)
    assert report["findings"][0]["subject"]["name"] == "churn@2"


def test_file_uri_reads_that_store_only_and_never_outside(tmp_path: Path) -> None:
    repo = _store(tmp_path / "repo", {"owner": "a@example.com", "risk_tier": "low"})
    shutil.copytree(repo / "ml", repo / "other")
    code, found, _ = findings(repo, "--mlflow-uri", "file:ml/mlruns")
    assert code == 0 and [f["subject"]["file"] for f in found] == ["ml/mlruns/models/churn/version-2/meta.yaml"]
    proc = run_cli("check", str(repo), "--mlflow-uri", f"file:{tmp_path}", "--policy", OWNER)
    assert proc.returncode == 2 and "must be a folder inside the repository" in proc.stdout


def test_discovery_can_be_turned_off(tmp_path: Path) -> None:
    repo = _store(tmp_path / "repo", {})
    write(repo, ".aima-gate.yml", "mlflow:\n  file_store: false\n")
    code, _found, _ = findings(repo)
    assert code == 2  # no model at all: one error saying where it looked


@pytest.mark.parametrize("meta", ["- not a mapping\n", "name: churn\ncurrent_stage: None\n"])
def test_a_broken_version_file_is_an_error_naming_it(tmp_path: Path, meta: str) -> None:
    repo = _store(tmp_path / "repo", {})
    write(repo, "ml/mlruns/models/churn/version-2/meta.yaml", meta)
    proc = run_cli("check", str(repo), "--policy", OWNER)
    assert proc.returncode == 2 and "ml/mlruns/models/churn/version-2/meta.yaml" in proc.stdout
