"""When a report was committed, for scanners whose JSON records no scan time (pip-audit, osv-scanner).

A report committed to the repository was produced no later than its commit, so the commit time bounds the scan
time from above (a report written last year and committed today looks fresh; a CI job that scans and commits in
one step makes the two equal). It is recorded as ``scan_time_source: git-commit`` so the reader knows which it is.

git runs with a fixed argument list in the repository under test, which must be the root of its git work
tree (``git rev-parse --show-toplevel``, ``git log -1 --format=%cI -- FILE``, ``git rev-parse HEAD:./FILE``),
with inherited ``GIT_*`` variables dropped, no pager, no prompt and no optional locks. None of these commands
runs hooks, diff drivers or filters, so the repository chooses nothing that is executed; whether the file is
unchanged is decided by hashing it here, not by ``git status``. A file that is untracked, or differs from its
last committed version, has no commit time for its current content: the scan then has no scan time, which
fails ``dependency_scan.fresh`` (a policy failure, not an evaluation error).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from aima_gate.engine.dates import parse_date

_ENV = {"GIT_PAGER": "cat", "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


def _git(root: Path, *args: str) -> str | None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(_ENV)
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30,
                              check=False, env=env, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def _blob_id(path: Path) -> str:
    """git's object id of a blob (SHA-1 repositories), to tell whether the file equals its committed version.
    Streamed: scan reports can be hundreds of MiB."""
    digest = hashlib.sha1(b"blob %d\0" % path.stat().st_size, usedforsecurity=False)
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def commit_time(root: Path, file: str, path: Path) -> str | None:
    """ISO 8601 commit time of the last commit that touched ``file``, if the file is unchanged since; else None."""
    top = _git(root, "rev-parse", "--show-toplevel")
    if top is None or Path(top).resolve() != root.resolve():
        # Only the repository under test itself: a folder checked inside another repository (a fixture, a
        # vendored copy) would otherwise be dated by commits that never vouched for this scan.
        return None
    when = _git(root, "log", "-1", "--format=%cI", "--", file)
    if not when or parse_date(when) is None:
        return None  # untracked, never committed, not a git repository, or git unavailable
    committed = _git(root, "rev-parse", "--verify", "--quiet", f"HEAD:./{file}")
    if committed is None or committed != _blob_id(path):
        return None  # changed since its last commit (or committed through a filter): not this content's time
    return when
