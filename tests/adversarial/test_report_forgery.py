"""Class 2: reports cannot be forged by files the repository commits, and report writes never follow its symlinks.

CLI cases run the real console script; action cases run the composite action's steps in the simulated runner
(tests/surfaces/action_harness.py), installing this checkout; GitLab cases run the real gitlab-ci-local.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES, TODAY, run_cli, write
from tests.surfaces.conftest import hooks_repo, surface_cache  # noqa: F401 (session fixtures shared with surfaces)

FORGED_JSON = json.dumps({"verdict": "pass", "exit_code": 0, "summary": {
    "pass": 99, "fail": 0, "error": 0, "waived": 0, "not_applicable": 0, "blocking": 0, "total": 99}})
FORGED_MD = "## ✅ aima-gate: PASS (forged by the repository)\n"
FORGED_SARIF = json.dumps({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "forged"}}, "results": []}]})


def _example(root: Path) -> Path:
    shutil.copytree(EXAMPLES / "credit-scoring", root)
    return root


# --------------------------------------------------------------------------------------------------- the CLI

@pytest.mark.parametrize("layout", ["folder link", "file link", "nested folder link", "dangling file link"])
def test_report_write_never_follows_a_committed_symlink(tmp_path: Path, layout: str) -> None:
    root = _example(tmp_path / "repo")
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "r.json").write_text("precious")
    if layout == "folder link":
        os.symlink(victim, root / "out")
        target = "out/r.json"
    elif layout == "file link":
        (root / "out").mkdir()
        os.symlink(victim / "r.json", root / "out" / "r.json")
        target = "out/r.json"
    elif layout == "nested folder link":
        (root / "out").mkdir()
        os.symlink(victim, root / "out" / "deep")
        target = "out/deep/sub/r.json"
    else:
        (root / "out").mkdir()
        os.symlink(victim / "created-by-gate.json", root / "out" / "r.json")
        target = "out/r.json"
    proc = run_cli("check", ".", "--report", f"json={target}", "--today", TODAY.isoformat(), cwd=root)
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr
    assert "symlink" in proc.stderr and "report" in proc.stderr, proc.stderr
    assert (victim / "r.json").read_text() == "precious"
    assert sorted(p.name for p in victim.iterdir()) == ["r.json"]


def test_report_path_link_inside_the_repository_argument_is_refused(tmp_path: Path) -> None:
    """Run from elsewhere, with the report inside the repository path: links there are refused too."""
    root = _example(tmp_path / "repo")
    victim = tmp_path / "victim"
    victim.mkdir()
    os.symlink(victim, root / "gate-out")
    proc = run_cli("check", str(root), "--report", f"sarif={root / 'gate-out' / 'r.sarif'}",
                   "--today", TODAY.isoformat(), cwd=tmp_path)
    assert proc.returncode == 2 and "symlink" in proc.stderr, proc.stderr
    assert list(victim.iterdir()) == []


def test_stale_committed_report_is_replaced_by_this_run(tmp_path: Path) -> None:
    root = _example(tmp_path / "repo")
    write(root, "out/r.json", FORGED_JSON)
    (root / "out" / "r.json").chmod(0o444)  # even a read-only stale file is replaced, never kept
    proc = run_cli("check", ".", "--report", "json=out/r.json", "--today", TODAY.isoformat(), cwd=root)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((root / "out" / "r.json").read_text(encoding="utf-8"))
    assert report["summary"]["pass"] != 99 and "findings" in report


# ------------------------------------------------------------------------------------------- the GitHub Action

def _action(work: Path, runner_temp: Path, package: Path, hostile: dict[str, Any], **inputs: str) -> Any:
    from tests.surfaces.action_harness import Harness
    from tests.surfaces.surfaces import copy_example

    workspace = work / "workspace"
    copy_example("credit-scoring", workspace / "ml")
    for rel, content in hostile.items():
        if isinstance(content, Path):
            (workspace / rel).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(content, workspace / rel)
        else:
            write(workspace, rel, content)
    values = {"path": "ml", "fail-on": "medium", "package": str(package), "formats": "sarif,markdown",
              "extra-args": f"--today {TODAY.isoformat()}", **inputs}
    return Harness(Path(__file__).resolve().parents[2], workspace, runner_temp).run(values), workspace


STALE = {"aima-gate-reports/aima-gate.json": FORGED_JSON, "aima-gate-reports/aima-gate.md": FORGED_MD,
         "aima-gate-reports/aima-gate.sarif": FORGED_SARIF}


@pytest.fixture
def runner_temp(surface_cache: dict[str, Any]) -> Path:  # noqa: F811
    temp: Path = surface_cache["root"] / "runner-temp"
    temp.mkdir(exist_ok=True)
    return temp


@pytest.mark.slow
@pytest.mark.parametrize("breakage", ["ml/.aima-gate.yml", "ml/policies-broken"])
def test_action_never_publishes_committed_reports(tmp_path: Path, runner_temp: Path, hooks_repo: Path,  # noqa: F811
                                                  breakage: str) -> None:
    """The gate stops before writing reports (a broken config): the committed pass must not become the result."""
    hostile: dict[str, Any] = dict(STALE)
    if breakage == "ml/.aima-gate.yml":
        hostile["ml/.aima-gate.yml"] = "fail_on: [not, a, severity\n"
    else:
        hostile["ml/.aima-gate.yml"] = "policies:\n  paths: [no-such-folder]\n"
    run, workspace = _action(tmp_path, runner_temp, hooks_repo, hostile)
    assert run.failed and run.exit_code == 2, run.log[-3000:]
    assert run.outputs["verdict"] == "error" and run.outputs["blocking"] == "0"
    assert run.outputs["sarif-file"] == "" and run.outputs["json-file"] == ""
    assert "forged" not in run.summary
    report_dir = Path(run.outputs["report-dir"])
    assert report_dir.is_dir() and not report_dir.is_relative_to(workspace)


@pytest.mark.slow
def test_action_reports_are_fresh_and_outside_the_checkout(tmp_path: Path, runner_temp: Path,
                                                           hooks_repo: Path) -> None:  # noqa: F811
    victim = tmp_path / "victim"
    victim.mkdir()
    hostile: dict[str, Any] = {"aima-gate-reports": victim}  # the old default folder, linked out of the workspace
    run, workspace = _action(tmp_path, runner_temp, hooks_repo, hostile, **{"output-dir": "aima-gate-reports"})
    assert not run.failed and run.outputs["verdict"] == "pass", run.log[-3000:]
    assert list(victim.iterdir()) == []
    for key in ("json-file", "sarif-file", "markdown-file"):
        written = Path(run.outputs[key])
        assert written.is_file() and written.parent == Path(run.outputs["report-dir"])
        assert not written.is_relative_to(workspace)
    assert "output-dir input is ignored" in run.log
    report = json.loads(Path(run.outputs["json-file"]).read_text(encoding="utf-8"))
    assert report["verdict"] == "pass" and json.loads(run.outputs["counts"]) == report["summary"]


# ------------------------------------------------------------------------------------------- the GitLab template

@pytest.mark.slow
def test_gitlab_job_never_writes_through_a_committed_link_nor_keeps_stale_reports(
        tmp_path: Path, surface_cache: dict[str, Any], hooks_repo: Path) -> None:  # noqa: F811
    from tests.surfaces.surfaces import run_gitlab

    victim = tmp_path / "victim"
    victim.mkdir()
    work = tmp_path / "gl"
    work.mkdir()
    # run_gitlab builds the project from the example; the hostile files are added to the example snapshot copy.
    example = tmp_path / "example"
    shutil.copytree(EXAMPLES / "credit-scoring", example)
    write(example, ".aima-gate.yml", "fail_on: [broken\n")
    os.symlink(victim, example / "aima-gate-reports")
    from tests.surfaces import surfaces

    surfaces.SNAPSHOTS["hostile-gitlab"] = example
    try:
        run = run_gitlab("hostile-gitlab", work, surface_cache["root"] / "pip-cache", hooks_repo)
    finally:
        del surfaces.SNAPSHOTS["hostile-gitlab"]
    assert not run.passed and "aima-gate exit code: 2" in run.log, run.log[-4000:]
    assert list(victim.iterdir()) == []
    reports = run.project / "aima-gate-reports"
    assert reports.is_dir() and not reports.is_symlink()
    assert not (reports / "aima-gate.json").exists()  # the gate wrote nothing; nothing stale is published
