"""Shared test helpers. Tests never read ../shared: data they need is copied under tests/data with provenance."""

from __future__ import annotations

import atexit
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from aima_gate.core.clock import TODAY_ENV

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA = REPO_ROOT / "tests" / "data"
EXAMPLES = REPO_ROOT / "examples"
TODAY = dt.date(2026, 11, 24)
"""Fixed evaluation date so freshness checks and golden files are reproducible."""
# Every run of the gate that a test starts (in-process or as a subprocess, directly or through pre-commit,
# gitlab-ci-local or the action harness) is pinned to TODAY, and so is the evidence it stamps: no test may
# depend on the day the suite runs. Tests of the unpinned default remove the variable themselves.
os.environ[TODAY_ENV] = TODAY.isoformat()
# Git commits the tests make are dated TODAY too: the gate dates a report without a scan time by its file's last
# commit, so a wall-clock commit date would make a pinned run see evidence from the future.
os.environ["GIT_AUTHOR_DATE"] = os.environ["GIT_COMMITTER_DATE"] = f"{TODAY.isoformat()}T00:00:00+00:00"
# The artifact cache (on by default in the CLI) lives in a folder of this test session, never in the user's own
# cache: every CLI run of the suite goes through it, so the suite also checks that cached runs report the same.
# It is removed when the session ends (each xdist worker makes and removes its own): /tmp must not fill up with
# one folder per run.
_SESSION_CACHE = tempfile.mkdtemp(prefix="aima-gate-test-cache-")
os.environ["AIMA_GATE_CACHE_DIR"] = _SESSION_CACHE
atexit.register(shutil.rmtree, _SESSION_CACHE, ignore_errors=True)


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 120, unset: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """Run the real console script (as a user would), in a subprocess (``unset``: variables to remove)."""
    full_env = {k: v for k, v in {**os.environ, **(env or {})}.items() if k not in unset}
    exe = Path(sys.executable).with_name("aima-gate")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "aima_gate"]
    return subprocess.run([*cmd, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)


def check_json(path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    # every finding (passes too, with evidence): tests look at passes; the summarised default has its own tests
    proc = run_cli("check", str(path), "--format", "json", "--today", TODAY.isoformat(), "--findings", "all", *extra)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def write(root: Path, rel: str, text: str) -> Path:
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


@pytest.fixture
def today() -> dt.date:
    return TODAY


def bench_repo(root: Path, models: int) -> Path:
    """The benchmark's synthetic repository of ``models`` models (benchmarks/bench_check.py:generate_repo) at
    ``root``: the benchmarks folder is not a package, so its module is loaded from its file."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_check", REPO_ROOT / "benchmarks" / "bench_check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    repo: Path = module.generate_repo(root, models)
    return repo
