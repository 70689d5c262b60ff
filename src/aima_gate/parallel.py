"""Parse many files on every core: a fork-based pool over (kind, file) pairs, results in input order.

Parsing dominates large runs (thousands of registry entries and cards) and is independent per file, so it is
spread over processes; evaluation stays in one process (joins need every artifact). Forking shares the loaded
modules and the collection context without pickling them; only results travel back. Where fork is not
available, or the batch is small, it runs in-process: same results either way.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

MIN_PARALLEL_ITEMS = 300
"""Below this, a pool costs more than it saves."""

_TASK: Callable[[Any], list[Any]] | None = None


def _run(item: Any) -> list[Any]:
    assert _TASK is not None
    return _TASK(item)


def workers() -> int:
    configured = os.environ.get("AIMA_GATE_JOBS")
    if configured and configured.isdigit():
        return max(1, int(configured))
    return min(os.cpu_count() or 1, 8)


def map_in_order(task: Callable[[Any], list[Any]], items: Sequence[Any]) -> list[list[Any]]:
    """``[task(i) for i in items]``, computed on all cores when worthwhile. ``task`` must not raise."""
    jobs = workers()
    forkable = sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
    if jobs < 2 or len(items) < MIN_PARALLEL_ITEMS or not forkable:
        return [task(i) for i in items]
    global _TASK
    _TASK = task
    try:
        ctx = multiprocessing.get_context("fork")
        chunk = max(16, len(items) // (jobs * 8))
        with ctx.Pool(jobs) as pool:
            return list(pool.imap(_run, items, chunksize=chunk))
    finally:
        _TASK = None
