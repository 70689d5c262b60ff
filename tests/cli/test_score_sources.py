"""``score`` reads every source ``check`` reads (issue 14): the same option definitions (cli/options.py), so
``score --mlflow-uri file:...`` on a committed MLflow file store evaluates the same subjects as ``check``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from aima_gate.cli.check import check
from aima_gate.cli.main import main
from aima_gate.cli.score import score
from aima_gate.core.report import Report
from tests.conftest import TODAY, run_cli, write


def _repo(root: Path) -> Path:
    """A committed MLflow file store under ml/mlruns that only --mlflow-uri names (discovery is off), governed by
    its tags; one policy, so that nothing but the store decides whether the run can be evaluated."""
    write(root, ".aima-gate.yml", "mlflow:\n  file_store: false\npolicies:\n  only: [model.owner-and-risk-tier]\n")
    write(root, "ml/mlruns/models/churn/meta.yaml", "name: churn\n")
    for n in (1, 2):
        write(root, f"ml/mlruns/models/churn/version-{n}/meta.yaml",
              f"name: churn\nversion: {n}\ncurrent_stage: {'Production' if n == 2 else 'Staging'}\n")
        write(root, f"ml/mlruns/models/churn/version-{n}/tags/owner", "retention-ml@example.com")
        write(root, f"ml/mlruns/models/churn/version-{n}/tags/risk_tier", "low")
    return root


def _subjects(report: Report) -> set[tuple[str, str, str]]:
    return {(f.subject.kind, f.subject.name, f.subject.file) for f in report.findings}


def _run(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, Report]:
    """Run a command in-process and keep the report its evaluation produced."""
    from aima_gate.pipeline import runner

    seen: list[Report] = []
    real = runner.run_check

    def recording(options: Any) -> Report:
        seen.append(real(options))
        return seen[-1]

    monkeypatch.setattr(runner, "run_check", recording)
    result = CliRunner().invoke(main, list(args))
    assert len(seen) == 1, result.output
    return result.exit_code, seen[0]


def test_score_with_a_file_uri_evaluates_the_same_subjects_as_check(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    repo = str(_repo(tmp_path))
    uri = ("--mlflow-uri", "file:ml/mlruns")
    _, checked = _run(monkeypatch, "check", repo, *uri, "--today", TODAY.isoformat())
    code, scored = _run(monkeypatch, "score", repo, *uri, "--today", TODAY.isoformat())
    models = {s for s in _subjects(checked) if s[0] == "model"}
    assert models == {("model", "churn@1", "ml/mlruns/models/churn/version-1/meta.yaml"),
                      ("model", "churn@2", "ml/mlruns/models/churn/version-2/meta.yaml")}
    assert _subjects(scored) == _subjects(checked)
    assert code == 0


def test_score_without_the_uri_does_not_see_the_store(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    plain = run_cli("score", str(repo), "--format", "json")
    assert plain.returncode == 2 and "could not be evaluated" in plain.stderr
    named = run_cli("score", str(repo), "--format", "json", "--mlflow-uri", "file:ml/mlruns")
    assert named.returncode == 0, named.stderr
    assert json.loads(named.stdout)["cells"] != json.loads(plain.stdout)["cells"]
    env = run_cli("score", str(repo), "--format", "json", env={"AIMA_GATE_MLFLOW_URI": "file:ml/mlruns"})
    assert env.returncode == 0 and env.stdout == named.stdout


def test_a_file_uri_outside_the_repository_is_refused_by_score_too(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    proc = run_cli("score", str(repo), "--mlflow-uri", f"file:{tmp_path}")
    assert proc.returncode == 2 and "could not be evaluated" in proc.stderr  # check names the reason (see its tests)


def _sources(command: click.Command) -> dict[str, dict[str, Any]]:
    return {p.name: p.to_info_dict() for p in command.params
            if p.name in ("mlflow_uri", "run_scanners", "scanner_dirs")}


def test_check_and_score_share_one_definition_of_every_source_option() -> None:
    assert set(_sources(check)) == {"mlflow_uri", "run_scanners", "scanner_dirs"}
    assert _sources(score) == _sources(check)
