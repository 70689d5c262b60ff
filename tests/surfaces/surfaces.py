"""Running aima-gate through each CI surface for real: the action harness, gitlab-ci-local, pre-commit.

Session-cached (see conftest.py), because installing aima-gate into each surface's own environment is the slow
part: the per-surface tests and the same-verdict test share the runs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import EXAMPLES, REPO_ROOT, TODAY
from tests.surfaces.action_harness import ActionRun, Harness
from tests.surfaces.tools import node_tool, python_tool, system_tool

GIT_ID = ["-c", "user.email=test@example.com", "-c", "user.name=test", "-c", "init.defaultBranch=main",
          "-c", "commit.gpgsign=false"]


def readme_snippet(name: str) -> str:
    """The YAML block that follows ``<!-- snippet:NAME -->`` in the README (what users copy)."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(rf"<!-- snippet:{re.escape(name)} -->\s*```yaml\n(.*?)```", text, re.S)
    assert m, f"README has no snippet {name!r}"
    return m.group(1)


def git_repo(root: Path) -> Path:
    git = system_tool("git")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "fixture"]):
        subprocess.run([git, *GIT_ID, *args], cwd=root, check=True, capture_output=True)
    return root


SNAPSHOTS: dict[str, Path] = {}
"""Per-session copies of the examples (conftest.py), so every surface sees the same files."""


def example_dir(example: str) -> Path:
    return SNAPSHOTS.get(example, EXAMPLES / example)


def copy_example(example: str, dest: Path) -> Path:
    shutil.copytree(example_dir(example), dest)
    return dest


def hook_repo(dest: Path) -> Path:
    """This checkout as a committed git repository (tracked and new files, as in a clean clone of the branch)."""
    git = system_tool("git")
    listed = subprocess.run([git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO_ROOT,
                            check=True, capture_output=True, text=True).stdout.split("\0")
    for rel in filter(None, listed):
        src = REPO_ROOT / rel
        if src.is_file() and not src.is_symlink():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return git_repo(dest)


# --- GitHub Action ------------------------------------------------------------------------------------------


def run_action(example: str, work: Path, runner_temp: Path, **inputs: str) -> tuple[ActionRun, Path]:
    """The action on a workspace holding the example under ml/ (a monorepo)."""
    return _run_action(example, work, runner_temp, False, inputs)


def run_action_at_root(example: str, work: Path, runner_temp: Path, **inputs: str) -> tuple[ActionRun, Path]:
    """The action on a committed git checkout of the example itself (as actions/checkout leaves it)."""
    return _run_action(example, work, runner_temp, True, inputs)


def _run_action(example: str, work: Path, runner_temp: Path, at_root: bool,
                inputs: dict[str, str]) -> tuple[ActionRun, Path]:
    workspace = work / "workspace"
    copy_example(example, workspace if at_root else workspace / "ml")
    if at_root:
        git_repo(workspace)
    harness = Harness(REPO_ROOT, workspace, runner_temp)
    values = {"path": "." if at_root else "ml", "fail-on": "medium", "package": str(REPO_ROOT),
              "extra-args": f"--today {TODAY.isoformat()}", **inputs}
    return harness.run(values), workspace


# --- GitLab CI ----------------------------------------------------------------------------------------------


@dataclass
class GitlabRun:
    passed: bool
    log: str
    reports: Path
    project: Path
    state: Path
    """gitlab-ci-local's state folder (exported artifacts under artifacts/<job>/)."""


def gitlab_project(example: str, dest: Path, package: Path = REPO_ROOT) -> Path:
    """A project that includes the template exactly like the README snippet, but from a local copy."""
    copy_example(example, dest)
    shutil.copy2(REPO_ROOT / ".gitlab-ci-template.yml", dest / "aima-gate.gitlab-ci.yml")
    snippet = readme_snippet("gitlab-ci")
    ci = re.sub(r"- remote: \S+", "- local: aima-gate.gitlab-ci.yml", snippet)
    # Install this checkout instead of the PyPI release, and pin the evaluation date.
    ci = ci.replace("      fail-on: medium\n", f"      fail-on: medium\n      package: {package}\n"
                                                 f"      extra-args: --today {TODAY.isoformat()}\n")
    (dest / ".gitlab-ci.yml").write_text(ci, encoding="utf-8")
    return git_repo(dest)


def run_gitlab(example: str, work: Path, pip_cache: Path, package: Path = REPO_ROOT) -> GitlabRun:
    system_tool("rsync")
    project = gitlab_project(example, work / "project", package)
    # gitlab-ci-local runs jobs that name an image in Docker; there is no Docker here, so a local overlay
    # (.gitlab-ci-local.yml, read only by gitlab-ci-local) removes the image and the job runs in the shell
    # executor. The overlay's `image: null` fails gitlab-ci-local's own schema check, hence the flag; the real
    # file is validated separately (test_gitlab_template.py) and by `gitlab-ci-local --list` below.
    # The state folder lives beside the project: inside it, its copy of the project would be scanned too.
    cmd = [*node_tool("gitlab-ci-local"), "--state-dir", "../gcl-state"]
    listed = subprocess.run([*cmd, "--list"], cwd=project, capture_output=True, text=True, timeout=300)
    assert listed.returncode == 0 and "aima-gate" in listed.stdout, listed.stdout + listed.stderr
    (project / ".gitlab-ci-local.yml").write_text("aima-gate:\n  image: null\n", encoding="utf-8")
    env = {**os.environ, "PIP_CACHE_DIR": str(pip_cache)}
    proc = subprocess.run([*cmd, "--shell-executor-no-image", "--json-schema-validation=false", "aima-gate"],
                          cwd=project, capture_output=True, text=True, timeout=900, env=env)
    log = proc.stdout + proc.stderr
    return GitlabRun(proc.returncode == 0 and "PASS  aima-gate" in log, log, project / "aima-gate-reports", project,
                     work / "gcl-state")


# --- pre-commit ---------------------------------------------------------------------------------------------


@dataclass
class PrecommitRun:
    returncode: int
    log: str
    report: dict[str, Any] | None


def _precommit_env(home: Path) -> dict[str, str]:
    return {**os.environ, "PRE_COMMIT_HOME": str(home), "AIMA_GATE_TODAY": TODAY.isoformat(),
            "PRE_COMMIT_COLOR": "never"}


def run_try_repo(example: str, work: Path, hooks: Path, home: Path) -> PrecommitRun:
    """``pre-commit try-repo HOOKS aima-gate --all-files`` in a git repository holding the example."""
    project = git_repo(copy_example(example, work / "project"))
    proc = subprocess.run([python_tool("pre-commit"), "try-repo", str(hooks), "aima-gate", "--all-files",
                           "--verbose"], cwd=project, capture_output=True, text=True, timeout=900,
                          env=_precommit_env(home))
    return PrecommitRun(proc.returncode, proc.stdout + proc.stderr, None)


def run_precommit_config(example: str, work: Path, hooks: Path, home: Path) -> PrecommitRun:
    """``pre-commit run --all-files`` with the README's config (repo and rev pointing at the local hook repo)."""
    git = system_tool("git")
    rev = subprocess.run([git, "rev-parse", "HEAD"], cwd=hooks, capture_output=True, text=True,
                         check=True).stdout.strip()
    project = copy_example(example, work / "project")
    config = readme_snippet("pre-commit").replace("https://github.com/aima-gate/aima-gate", str(hooks))
    config = config.replace("rev: v0.1.0", f"rev: {rev}")
    args = "        args: [--fail-on, medium, --report, json=.aima-gate-report.json]\n"
    config = config.replace("      - id: aima-gate\n", "      - id: aima-gate\n" + args, 1)
    (project / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    (project / ".gitignore").write_text(".aima-gate-report.json\n", encoding="utf-8")
    git_repo(project)
    proc = subprocess.run([python_tool("pre-commit"), "run", "--all-files", "--verbose"], cwd=project,
                          capture_output=True, text=True, timeout=900, env=_precommit_env(home))
    report_file = project / ".aima-gate-report.json"
    report = json.loads(report_file.read_text(encoding="utf-8")) if report_file.exists() else None
    return PrecommitRun(proc.returncode, proc.stdout + proc.stderr, report)
