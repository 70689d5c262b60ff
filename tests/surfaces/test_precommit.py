"""The pre-commit hooks, run by the real pre-commit against temp git repositories holding the examples."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.surfaces.surfaces import copy_example, git_repo
from tests.surfaces.tools import python_tool

pytestmark = pytest.mark.slow


def test_manifest_is_valid() -> None:
    proc = subprocess.run([python_tool("pre-commit"), "validate-manifest", str(REPO_ROOT / ".pre-commit-hooks.yaml")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    hooks = {h["id"]: h for h in yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    gate = hooks["aima-gate"]
    assert gate["pass_filenames"] is False and gate["always_run"] is True and gate["require_serial"] is True
    assert hooks["aima-gate-validate"]["pass_filenames"] is False


def test_try_repo_passes_on_compliant_example(precommit_runs: Callable[[str, str], Any]) -> None:
    run = precommit_runs("try-repo", "credit-scoring")
    assert run.returncode == 0, run.log[-4000:]
    assert "Passed" in run.log and "Verdict: PASS" in run.log


def test_try_repo_fails_on_failing_example(precommit_runs: Callable[[str, str], Any]) -> None:
    run = precommit_runs("try-repo", "llm-assistant")
    assert run.returncode == 1, run.log[-4000:]  # pre-commit's own code for "a hook failed"
    assert "Failed" in run.log and "Verdict: FAIL" in run.log and "Verdict: ERROR" not in run.log
    assert "exit code: 1" in run.log


def test_validate_hook(tmp_path: Path, hooks_repo: Path, surface_cache: dict[str, Any]) -> None:
    project = copy_example("credit-scoring", tmp_path / "project")
    env_home = {"PRE_COMMIT_HOME": str(surface_cache["root"] / "pre-commit-home")}
    import os

    env = {**os.environ, **env_home}
    git_repo(project)
    cmd = [python_tool("pre-commit"), "try-repo", str(hooks_repo), "aima-gate-validate", "--all-files"]
    proc = subprocess.run(cmd, cwd=project, capture_output=True, text=True, timeout=900, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (project / ".aima-gate.yml").write_text("version: 1\nfail_on: severe\n", encoding="utf-8")
    proc = subprocess.run(cmd, cwd=project, capture_output=True, text=True, timeout=900, env=env)
    assert proc.returncode == 1 and ".aima-gate.yml" in proc.stdout, proc.stdout + proc.stderr


def test_config_from_readme_writes_the_json_report(precommit_runs: Callable[[str, str], Any]) -> None:
    run = precommit_runs("config", "llm-assistant")
    assert run.returncode == 1, run.log[-4000:]
    assert run.report is not None and run.report["verdict"] != "pass"
