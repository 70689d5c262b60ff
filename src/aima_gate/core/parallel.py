"""Work on every core: forked workers (core/forked_workers.py), results in input order.

Parsing dominates large runs (thousands of registry entries and cards) and is independent per file, so it is
spread over processes. Evaluation stays in one process: forked workers would share the artifacts, but
CPython's reference counting copies every page they touch, which costs what the second core saves (measured on
5,000 models). Forking shares the loaded modules and the collection context without pickling them; only results
travel back. Where fork is not available, or the batch is small, it runs in-process: same results either way.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

MIN_PARALLEL_ITEMS = 300
"""Below this, forking workers costs more than it saves."""

def workers() -> int:
    configured = os.environ.get("AIMA_GATE_JOBS")
    if configured and configured.isdigit():
        return max(1, int(configured))
    return min(os.cpu_count() or 1, 8)


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for a bulk step that builds many long-lived objects and no garbage
    cycles (parsing, evaluation): otherwise its full passes re-walk the growing heap over and over (a quarter
    of the evaluation time on 5,000 models). Reference counting still frees what is dropped. On exit the
    collector is re-enabled; in a one-shot process (:data:`FREEZE_AFTER_LARGE_STEPS`, set by the CLI) what a large
    step leaves is frozen (``gc.freeze``: the run keeps its artifacts and findings to the end), so later passes
    need not re-walk it either. Library callers never get a frozen heap."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if FREEZE_AFTER_LARGE_STEPS and gc.get_count()[0] > FREEZE_AFTER_OBJECTS:
                gc.freeze()
            gc.enable()


FREEZE_AFTER_OBJECTS = 50_000
"""Objects a step must leave behind (net of those freed) before :func:`no_gc` freezes the heap."""
FREEZE_AFTER_LARGE_STEPS = False
"""Only a process that exits after one run (the CLI) may freeze: frozen objects are never collected as cycles."""


def map_in_order(task: Callable[[Any], list[Any]], items: Sequence[Any],
                 warm_key: Callable[[Any], Any] | None = None, *,
                 min_items: int | None = None) -> list[list[Any]]:
    """``[task(i) for i in items]``, computed on all cores when worthwhile (at least ``min_items`` items, by
    default :data:`MIN_PARALLEL_ITEMS`: a caller whose items are few but each costly says so). ``task`` must not
    raise.

    With ``warm_key``, when the work is spread, the first item of each key (e.g. each artifact kind) is computed
    in this process before the workers are forked: what a task sets up once per process (lazy imports, compiled
    schema validators and patterns, template tables) is then inherited, not set up again in every worker."""
    with no_gc():
        return list(_map_in_order(task, items, warm_key, min_items))


def imap_in_order(task: Callable[[Any], list[Any]], items: Sequence[Any],
                  warm_key: Callable[[Any], Any] | None = None) -> Iterator[list[Any]]:
    """:func:`map_in_order`, each result yielded (in input order) as soon as it is ready: a caller that uses each
    result and lets it go never holds them all at once (a cold cached run writes each parse's blobs to the pack
    as they come). The cyclic collector is paused until the iterator is exhausted or closed."""
    with no_gc():
        yield from _map_in_order(task, items, warm_key)


def can_fork() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def _spread(items: Sequence[Any], min_items: int | None = None) -> bool:
    return workers() >= 2 and len(items) >= (MIN_PARALLEL_ITEMS if min_items is None else min_items) and can_fork()


def _map_in_order(task: Callable[[Any], list[Any]], items: Sequence[Any],
                  warm_key: Callable[[Any], Any] | None = None, min_items: int | None = None) -> Iterator[list[Any]]:
    if not _spread(items, min_items):
        return (task(i) for i in items)
    if warm_key is not None:
        firsts: dict[Any, int] = {}
        for k, item in enumerate(items):
            firsts.setdefault(warm_key(item), k)
        warm = {k: task(items[k]) for k in sorted(firsts.values())}
        others = [item for k, item in enumerate(items) if k not in warm]
        rest = (_spread_out(task, others, [warm_key(item) for item in others]) if _spread(others)
                else (task(item) for item in others))
        return (warm.pop(k) if k in warm else next(rest) for k in range(len(items)))
    return _spread_out(task, items, None)


def _spread_out(task: Callable[[Any], list[Any]], items: Sequence[Any],
                keys: Sequence[Any] | None) -> Iterator[list[Any]]:
    jobs = workers()
    # This process is one of the ``jobs``: it takes every jobs-th item itself (its results are never pickled)
    # while jobs - 1 workers take the rest; interleaving keeps the shares alike in cost. With ``keys`` (the kind of
    # each item) it takes every jobs-th item *of each key*: a batch that alternates kinds (a bias report, then an
    # explainability report, per model) would otherwise give this process every item of one kind.
    if keys is None:
        here = [k % jobs == 0 for k in range(len(items))]
    else:
        seen: dict[Any, int] = {}
        here = []
        for key in keys:
            n = seen.get(key, 0)
            seen[key] = n + 1
            here.append(n % jobs == 0)
    theirs = [item for item, mine in zip(items, here, strict=True) if not mine]
    chunk = max(16, min(CHUNK, len(theirs) // ((jobs - 1) * 8)))
    chunks = [theirs[k:k + chunk] for k in range(0, len(theirs), chunk)]
    from aima_gate.core.forked_workers import ForkedWorkers

    try:
        crew = ForkedWorkers(task, chunks, min(jobs - 1, len(chunks)))
    except OSError:  # no process to start (a container's limits): computed here
        yield from (task(item) for item in items)
        return
    with crew:
        mine_items = iter([item for item, mine in zip(items, here, strict=True) if mine])
        ahead: collections.deque[list[Any]] = collections.deque()  # this process's results not yet due
        done: collections.deque[list[Any]] = collections.deque()  # a worker's chunk, not yet due
        for mine in here:
            if mine:
                yield ahead.popleft() if ahead else task(next(mine_items))
                continue
            # A worker's result is due: while its chunk is not here, this process computes its own next items, up
            # to AHEAD_CHUNKS chunks' worth (the results it holds stay bounded when the workers are the slower).
            while not done:
                full = len(ahead) >= AHEAD_CHUNKS * chunk
                got = crew.take(wait=full)
                if got is None:
                    item = next(mine_items, _DONE)
                    if item is _DONE:
                        got = crew.take(wait=True)
                    else:
                        ahead.append(task(item))
                if got is not None:
                    done.extend(got)
            yield done.popleft()


_DONE = object()
CHUNK = 256
"""Most items a worker sends back at a time."""
AHEAD_CHUNKS = 4
