"""map_in_order: results in input order, in-process or spread over forked workers; with ``warm_key`` the first item
of each key is computed in this process before any worker is forked (workers inherit what it set up)."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.core.parallel import MIN_PARALLEL_ITEMS, can_fork, map_in_order

_SET_UP: dict[str, int] = {}


def _task(item: tuple[str, int]) -> list[object]:
    kind, n = item
    first_here = kind not in _SET_UP
    _SET_UP.setdefault(kind, os.getpid())  # a per-process, per-kind one-time set-up (like a compiled validator)
    return [kind, n * n, os.getpid(), first_here]


def _items() -> list[tuple[str, int]]:
    kinds = ("model", "model_card", "bias_report")
    return [(kinds[n % 3] if n > 5 else "model", n) for n in range(MIN_PARALLEL_ITEMS + 40)]


@pytest.mark.skipif(not can_fork(), reason="needs fork")
def test_warm_key_sets_up_each_kind_here_once_and_keeps_the_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMA_GATE_JOBS", "2")
    _SET_UP.clear()
    items = _items()
    out = map_in_order(_task, items, lambda item: item[0])
    assert [(r[0], r[1]) for r in out] == [(kind, n * n) for kind, n in items]
    me = os.getpid()
    # The first item of each kind ran here (before the fork) and was the only first-time set-up anywhere: the
    # workers found every kind already set up.
    firsts = {kind: next(k for k, (kd, _n) in enumerate(items) if kd == kind) for kind in {"model", "model_card",
                                                                                             "bias_report"}}
    assert all(out[k][2] == me and out[k][3] for k in firsts.values())
    assert [k for k, r in enumerate(out) if r[3]] == sorted(firsts.values())
    assert any(r[2] != me for r in out)  # the work was spread


def test_same_results_with_and_without_warm_key_and_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    items = _items()
    expected = [[kind, n * n] for kind, n in items]
    for jobs in ("1", "2"):
        monkeypatch.setenv("AIMA_GATE_JOBS", jobs)
        for key in (None, lambda item: item[0]):
            _SET_UP.clear()
            assert [r[:2] for r in map_in_order(_task, items, key)] == expected


@pytest.mark.skipif(not can_fork(), reason="needs fork")
def test_an_alternating_batch_is_split_per_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    """Items alternating between two kinds (a bias report, then an explainability report, per model): this process
    takes every other item of each kind, not every item of one kind; results stay in input order."""
    monkeypatch.setenv("AIMA_GATE_JOBS", "2")
    _SET_UP.clear()
    items = [("bias_report" if n % 2 == 0 else "explainability_report", n) for n in range(MIN_PARALLEL_ITEMS + 41)]
    out = map_in_order(_task, items, lambda item: item[0])
    assert [(r[0], r[1]) for r in out] == [(kind, n * n) for kind, n in items]
    me = os.getpid()
    for kind in ("bias_report", "explainability_report"):
        here = [r[2] == me for r in out if r[0] == kind]
        assert abs(sum(here) - len(here) / 2) <= 1.5, kind  # half of each kind (and its warm item)
        assert any(here) and not all(here)


def test_imap_in_order_yields_each_result_before_computing_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    """A caller that uses each result and lets it go (a cold cached run absorbing each parse) never has them all
    computed and held at once: the first result comes after one computation here, in process or spread."""
    from aima_gate.core.parallel import imap_in_order

    items = _items()
    calls: list[int] = []

    def counted(item: tuple[str, int]) -> list[object]:
        calls.append(os.getpid())
        return _task(item)

    for jobs in ("1", "2"):
        monkeypatch.setenv("AIMA_GATE_JOBS", jobs)
        calls.clear()
        _SET_UP.clear()
        results = imap_in_order(counted, items)
        first = next(results)
        assert first[:2] == ["model", 0]
        assert calls == [os.getpid()]  # the first item is this process's: nothing else computed here yet
        assert [r[:2] for r in [first, *results]] == [[kind, n * n] for kind, n in items]


@pytest.mark.skipif(not can_fork(), reason="needs fork")
def test_a_small_window_of_chunks_keeps_the_results_and_their_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers are given a few small chunks at a time (CHUNK, AHEAD_CHUNKS); whatever the window, the same
    results come back in input order, with and without warm_key."""
    import aima_gate.core.parallel as parallel

    monkeypatch.setenv("AIMA_GATE_JOBS", "3")
    items = _items()
    for chunk, ahead in ((16, 1), (16, 2), (1000, 1)):
        monkeypatch.setattr(parallel, "CHUNK", chunk)
        monkeypatch.setattr(parallel, "AHEAD_CHUNKS", ahead)
        for key in (None, lambda item: item[0]):
            _SET_UP.clear()
            out = map_in_order(_task, items, key)
            assert [r[:2] for r in out] == [[kind, n * n] for kind, n in items]
            assert any(r[2] != os.getpid() for r in out)


def test_no_process_to_fork_computes_everything_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """A container's process limit (fork fails with EAGAIN) is not a bug and no reason to stop: the same results,
    in this process, as where fork is not available at all."""
    import errno

    def no_fork() -> int:
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    monkeypatch.setenv("AIMA_GATE_JOBS", "2")
    _SET_UP.clear()
    items = _items()
    for key in (None, lambda item: item[0]):
        out = map_in_order(_task, items, key)
        assert [r[:2] for r in out] == [[kind, n * n] for kind, n in items]
        assert all(r[2] == os.getpid() for r in out)


@pytest.mark.skipif(not can_fork(), reason="needs fork")
@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["model", "model_card", "bias_report"]), st.integers(-50, 50)),
                min_size=20, max_size=200),  # (a batch of several chunks: a chunk holds at least 16 items)
       st.sampled_from(["1", "2", "3", "4"]), st.sampled_from([1, 2, 5, 16]), st.sampled_from([1, 2, 4]),
       st.booleans())
def test_any_batch_on_any_workers_gives_the_in_process_results(items: list[tuple[str, int]], jobs: str, chunk: int,
                                                             ahead: int, keyed: bool) -> None:
    """Whatever the batch, the number of workers, the chunk size and how far ahead this process may compute: the
    results are ``[task(i) for i in items]``, in order (the spread threshold is lowered so small batches spread)."""
    import aima_gate.core.parallel as parallel
    from aima_gate.core.parallel import imap_in_order

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIMA_GATE_JOBS", jobs)
        patch.setattr(parallel, "MIN_PARALLEL_ITEMS", 2)
        patch.setattr(parallel, "CHUNK", chunk)
        patch.setattr(parallel, "AHEAD_CHUNKS", ahead)
        key = (lambda item: item[0]) if keyed else None
        expected = [[kind, n * n] for kind, n in items]
        assert [r[:2] for r in map_in_order(_task, items, key)] == expected
        assert [r[:2] for r in imap_in_order(_task, items, key)] == expected
