"""Same verdict everywhere: the CLI, the pre-commit hook, the GitLab job and the GitHub Action produce the same
JSON report on the same example (same fail-on, same evaluation date)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import TODAY, run_cli
from tests.surfaces.surfaces import example_dir

pytestmark = pytest.mark.slow


def test_every_surface_gives_the_same_report(action_run: Callable[[str], Any], gitlab_run: Callable[[str], Any],
                                             precommit_runs: Callable[[str, str], Any]) -> None:
    example = "llm-assistant"
    proc = run_cli("check", ".", "--format", "json", "--fail-on", "medium", "--today", TODAY.isoformat(),
                   cwd=example_dir(example))
    cli = json.loads(proc.stdout)

    run, workspace = action_run(example)
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
