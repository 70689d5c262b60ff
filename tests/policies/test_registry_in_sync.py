"""``model.registry-in-sync`` applies only when models come both from registry files and from MLflow (issue 14):
an MLflow-only team gets no failure about a registry file it does not have, a file-only team none about MLflow,
and each not-applicable finding says which side is missing. When both exist, both sides are checked."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aima_gate.core.clock import Clock
from aima_gate.pipeline.runner import RunOptions, run_check
from tests.conftest import TODAY, run_cli, write

POLICY = "model.registry-in-sync"
CASES = Path(__file__).parent / "cases" / POLICY


def _store(root: Path, versions: dict[str, str], base: str = "mlruns") -> None:
    """A committed MLflow file store holding model ``churn`` with these version numbers -> version tags."""
    write(root, f"{base}/models/churn/meta.yaml", "name: churn\n")
    for number, tag in versions.items():
        write(root, f"{base}/models/churn/version-{number}/meta.yaml",
              f"name: churn\nversion: {number}\ncurrent_stage: Production\n")
        write(root, f"{base}/models/churn/version-{number}/tags/version", tag)


def _registry(root: Path, *versions: str) -> None:
    write(root, "registry/models.yml",
          "models:\n" + "".join(f"  - {{name: churn, version: '{v}'}}\n" for v in versions))


def _sync(root: Path, **cli: str) -> dict[tuple[str, str], tuple[str, str]]:
    report = run_check(RunOptions(root=root, clock=Clock.at(TODAY), only_policies=frozenset({POLICY}), cli=cli))
    return {(f.subject.name, f.subject.file): (f.status.value, " | ".join(e.message for e in f.evidence))
            for f in report.findings if f.policy_id == POLICY}


def test_mlflow_only_is_not_applicable_and_says_why(tmp_path: Path) -> None:
    _store(tmp_path, {"2": "2.0.0"})
    [(status, why)] = _sync(tmp_path).values()
    assert status == "not_applicable" and "no registry file lists a model" in why


def test_mlflow_only_through_a_file_uri_is_not_applicable(tmp_path: Path) -> None:
    _store(tmp_path, {"2": "2.0.0"}, base="ml/mlruns")
    [(status, why)] = _sync(tmp_path, mlflow_uri="file:ml/mlruns").values()
    assert status == "not_applicable" and "MLflow only" in why


def test_registry_file_only_is_not_applicable_and_says_why(tmp_path: Path) -> None:
    _registry(tmp_path, "1.0.0")
    [(status, why)] = _sync(tmp_path).values()
    assert status == "not_applicable" and "no MLflow registry was read" in why


def test_both_sources_agree(tmp_path: Path) -> None:
    _registry(tmp_path, "2.0.0")
    _store(tmp_path, {"2": "2.0.0"})
    found = _sync(tmp_path)
    assert {k: v[0] for k, v in found.items()} == {
        ("churn@2.0.0", "registry/models.yml"): "pass",
        ("churn@2.0.0", "mlruns/models/churn/version-2/meta.yaml"): "pass"}


def test_both_sources_checked_both_ways(tmp_path: Path) -> None:
    _registry(tmp_path, "2.0.0", "3.0.0")  # 3.0.0 never registered in MLflow
    _store(tmp_path, {"2": "2.0.0", "4": "4.0.0"})  # 4.0.0 missing from the registry file
    found = {k: v[0] for k, v in _sync(tmp_path).items()}
    assert found == {("churn@2.0.0", "registry/models.yml"): "pass",
                     ("churn@3.0.0", "registry/models.yml"): "fail",
                     ("churn@2.0.0", "mlruns/models/churn/version-2/meta.yaml"): "pass",
                     ("churn@4.0.0", "mlruns/models/churn/version-4/meta.yaml"): "fail"}


@pytest.mark.slow
def test_mlflow_only_sqlite_registry_on_the_command_line(tmp_path: Path) -> None:
    """A real MLflow registry (sqlite, written by the installed MLflow) and no registry file: exit 0, no failure."""
    # Built in a fresh interpreter, in this test's own folder: MLflow caches one SQLAlchemy engine per URI in the
    # process, so rebuilding the shared cases database in-process leaves the cached engine on the deleted file.
    store = tmp_path / "store"
    store.mkdir()
    shutil.copy(CASES / "make_mlflow_db.py", store)
    subprocess.run([sys.executable, str(store / "make_mlflow_db.py")], check=True, timeout=300)
    repo = tmp_path / "repo"
    write(repo, "README.md", "# a repository whose models live in MLflow only\n")
    proc = run_cli("check", str(repo), "--policy", POLICY, "--mlflow-uri", f"sqlite:///{store / 'mlflow.db'}",
                   "--verbose")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no registry file lists a model" in proc.stdout
