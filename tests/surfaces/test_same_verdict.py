"""Same verdict everywhere: the CLI, the pre-commit hook, the GitLab job and the GitHub Action produce the same
JSON report on the same example (same fail-on, same evaluation date), each on a committed git checkout of the
example as CI has one (a report without a scan time is dated by its file's last commit)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TODAY, run_cli
from tests.surfaces.surfaces import copy_example, git_repo, run_action_at_root

pytestmark = pytest.mark.slow


def test_every_surface_gives_the_same_report(tmp_path: Path, surface_cache: dict[str, Any], hooks_repo: Path,
                                             gitlab_run: Callable[[str], Any],
                                             precommit_runs: Callable[[str, str], Any]) -> None:
    example = "llm-assistant"
    checkout = git_repo(copy_example(example, tmp_path / "cli"))
    proc = run_cli("check", ".", "--format", "json", "--fail-on", "medium", "--today", TODAY.isoformat(),
                   cwd=checkout)
    cli = json.loads(proc.stdout)

    temp = surface_cache["root"] / "runner-temp"
    temp.mkdir(exist_ok=True)
    run, workspace = run_action_at_root(example, tmp_path / "action", temp, package=str(hooks_repo))
    action = json.loads((workspace / run.outputs["json-file"]).read_text(encoding="utf-8"))
    gitlab = json.loads((gitlab_run(example).reports / "aima-gate.json").read_text(encoding="utf-8"))
    precommit = precommit_runs("config", example).report

    reports = {"cli": cli, "action": action, "gitlab": gitlab, "pre-commit": precommit}
    for name, report in reports.items():
        assert report is not None, name
        assert report["verdict"] == cli["verdict"] and report["exit_code"] == proc.returncode, name
        assert report["summary"] == cli["summary"], name
        assert report == cli, f"{name} report differs from the CLI's"
    assert run.exit_code == proc.returncode
    assert cli["verdict"] == "fail" and proc.returncode == 1
