"""Forked workers: a worker that ends without sending its chunk whole stops the run with WorkerLost (exit 2) at once,
never a wait forever; a task that raises in a worker is re-raised here; leaving early stops and reaps every worker;
the pipe holds a few chunks. Each test runs under a timeout of its own (SIGALRM): a hang fails, it does not stall
the suite."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import signal
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aima_gate.core import forked_workers
from aima_gate.core.forked_workers import RESULTS_PIPE_BYTES, ForkedWorkers, WorkerLost
from aima_gate.core.parallel import MIN_PARALLEL_ITEMS, can_fork, imap_in_order, map_in_order

pytestmark = pytest.mark.skipif(not can_fork(), reason="needs fork (Linux)")
_PARENT = os.getpid()


@contextlib.contextmanager
def _deadline(seconds: int = 20) -> Iterator[None]:
    """Fail (not hang) when the body takes longer than ``seconds``: the alarm counts real seconds, which a shifted
    clock (CI's faketime run) does not move."""
    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _square(item: int) -> list[Any]:
    return [item * item, os.getpid()]


def _dies_on_13(item: int) -> list[Any]:
    if item == 13 and os.getpid() != _PARENT:
        os.kill(os.getpid(), signal.SIGKILL)
    return _square(item)


def _raises_on_13(item: int) -> list[Any]:
    if item == 13:
        raise KeyError("thirteen")
    return _square(item)


def _chunks(n: int, size: int) -> list[list[int]]:
    return [list(range(k, min(k + size, n))) for k in range(0, n, size)]


def _all_children() -> set[int]:
    """This process's children still there (zombies too)."""
    return {int(pid) for pid in Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()}


_BEFORE: set[int] = set()


@pytest.fixture(autouse=True)
def _children_before() -> None:
    _BEFORE.clear()
    _BEFORE.update(_all_children())


def _children() -> set[int]:
    """Children started since the test began."""
    return _all_children() - _BEFORE


def test_chunks_come_back_in_order_from_each_worker() -> None:
    chunks = _chunks(100, 7)
    with _deadline(), ForkedWorkers(_square, chunks, 3) as crew:
        got = [crew.take(wait=True) or [] for _ in chunks]
    assert [[r[0] for r in chunk] for chunk in got] == [[i * i for i in chunk] for chunk in chunks]
    assert {r[1] for chunk in got for r in chunk} - {_PARENT} and all(r[1] != _PARENT for c in got for r in c)
    assert not _children()


@pytest.mark.parametrize("pidfd", [True, False])
def test_a_killed_worker_is_reported_at_once_with_its_files(monkeypatch: pytest.MonkeyPatch, pidfd: bool) -> None:
    """SIGKILL mid-chunk (what the out-of-memory killer does): WorkerLost names the signal, the item the worker was
    on (the one that killed it here) and the chunk's items. Without a pidfd (before Linux 5.3) the wait re-checks
    with waitid; the result is the same."""
    if not pidfd:
        def no_pidfd(pid: int) -> int:
            raise OSError(errno.ENOSYS, "no pidfd_open")

        monkeypatch.setattr(os, "pidfd_open", no_pidfd)
    chunks = _chunks(40, 5)  # 13 is in chunk 2, worker 0's second chunk
    with _deadline(), ForkedWorkers(_dies_on_13, chunks, 2) as crew:
        assert crew.take(wait=True) is not None
        assert crew.take(wait=True) is not None
        with pytest.raises(WorkerLost) as lost:
            crew.take(wait=True)
    assert "killed by signal 9" in lost.value.diagnosis
    assert "[10, 11, 12, 13, 14]" in repr(lost.value.items) and "10, 11, 12" in lost.value.diagnosis
    assert lost.value.started == 13 and "while on 13 (the last file it started)" in lost.value.diagnosis
    assert "AIMA_GATE_JOBS=1" in (lost.value.hint or "")
    assert not _children()


def _interrupted_on_13(item: int) -> list[Any]:
    if item == 13 and os.getpid() != _PARENT:
        os.kill(os.getpid(), signal.SIGINT)  # the default action (as in a worker): it ends, by SIGINT
    return _square(item)


def test_a_worker_ended_by_ctrl_c_is_an_interrupt_here() -> None:
    """Ctrl-C reaches the whole process group; when this process sees its worker's end first, it is still an
    interrupt (the CLI's exit 2 "interrupted"), not a lost worker."""
    # As an interactive run starts: Python's own SIGINT handler (a suite started as a background job of a script
    # inherits SIGINT ignored, which the workers would then keep, as the next test shows).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with _deadline(), ForkedWorkers(_interrupted_on_13, _chunks(40, 5), 2) as crew:
            crew.take(wait=True)
            crew.take(wait=True)
            with pytest.raises(KeyboardInterrupt):  # (the signal went to the worker alone)
                crew.take(wait=True)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert not _children()


def _keyboard_interrupt_on_13(item: int) -> list[Any]:
    if item == 13 and os.getpid() != _PARENT:
        raise KeyboardInterrupt  # as if Ctrl-C came before the worker set SIGINT's default action
    return _square(item)


def test_a_ctrl_c_raised_in_a_worker_ends_it_as_sigint_would() -> None:
    with _deadline(), ForkedWorkers(_keyboard_interrupt_on_13, _chunks(40, 5), 2) as crew:
        crew.take(wait=True)
        crew.take(wait=True)
        with pytest.raises(KeyboardInterrupt):
            crew.take(wait=True)
    assert not _children()


def test_worker_lost_crosses_processes_as_every_error_does() -> None:
    import pickle

    lost = forked_workers.worker_lost(9, [("model_card", "cards/a.md")], ("model_card", "cards/a.md"))
    again = pickle.loads(pickle.dumps(lost))
    assert type(again) is WorkerLost and str(again) == str(lost) and again.hint == lost.hint
    assert (again.status, list(again.items), again.started) == (9, [("model_card", "cards/a.md")],
                                                                 ("model_card", "cards/a.md"))


def test_a_run_that_ignores_ctrl_c_has_workers_that_ignore_it_too() -> None:
    """Started with SIGINT ignored (a background job of a script, nohup): the workers keep ignoring it."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        chunks = _chunks(40, 5)
        with _deadline(), ForkedWorkers(_interrupted_on_13, chunks, 2) as crew:
            assert [[r[0] for r in crew.take(wait=True) or ()] for _ in chunks] == [[i * i for i in c] for c in chunks]
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_killed_worker_stops_map_in_order_instead_of_hanging(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMA_GATE_JOBS", "2")
    items = list(range(MIN_PARALLEL_ITEMS + 40))
    with _deadline(), pytest.raises(WorkerLost):
        map_in_order(_dies_on_13, items)
    assert not _children()


def test_a_lost_worker_is_noticed_while_another_child_holds_its_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """A child forked after the worker (by anything else in this process) inherits the pipe's read end only, never
    its write end; and even a process holding the write end (simulated: a copy kept here) cannot hide the worker's
    end, which the pidfd (or waitid) shows."""
    real_fork = forked_workers._fork
    kept: list[int] = []

    def keep_write_end(*args: Any) -> Any:
        real_pipe = os.pipe

        def pipe() -> tuple[int, int]:
            read_end, write_end = real_pipe()
            kept.append(os.dup(write_end))
            return read_end, write_end

        monkeypatch.setattr(os, "pipe", pipe)
        try:
            return real_fork(*args)
        finally:
            monkeypatch.setattr(os, "pipe", real_pipe)

    monkeypatch.setattr(forked_workers, "_fork", keep_write_end)
    try:
        with _deadline(), ForkedWorkers(_dies_on_13, _chunks(40, 5), 1) as crew:
            assert crew.take(wait=True) is not None
            assert crew.take(wait=True) is not None
            with pytest.raises(WorkerLost):
                crew.take(wait=True)
    finally:
        for fd in kept:
            os.close(fd)


def test_a_task_that_raises_in_a_worker_is_raised_here_with_its_traceback() -> None:
    with _deadline(), ForkedWorkers(_raises_on_13, _chunks(40, 5), 2) as crew:
        crew.take(wait=True)
        crew.take(wait=True)
        with pytest.raises(RuntimeError, match=r"(?s)a parse worker failed.*KeyError: 'thirteen'"):
            crew.take(wait=True)
    assert not _children()


def test_leaving_early_stops_and_reaps_every_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMA_GATE_JOBS", "3")
    with _deadline():
        results = imap_in_order(_square, list(range(5000)))
        assert isinstance(results, types.GeneratorType)
        for _ in range(400):
            next(results)
        assert _children()
        results.close()
    assert not _children()


def test_a_failed_second_fork_stops_the_first_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    real_fork = os.fork
    forks: list[int] = []

    def fork_once() -> int:
        if forks:
            raise OSError(errno.EAGAIN, "Resource temporarily unavailable")
        forks.append(1)
        return real_fork()

    monkeypatch.setattr(os, "fork", fork_once)
    with _deadline(), pytest.raises(OSError):
        ForkedWorkers(_square, _chunks(40, 5), 2)
    assert not _children()


def test_only_the_due_chunk_is_read_from_the_pipe() -> None:
    """The results this process holds stay bounded: a chunk is read when it is due, the later ones wait in the
    pipe (and the worker waits when it is full), even when the worker has written them all."""
    chunks = _chunks(40, 5)
    with _deadline(), ForkedWorkers(_square, chunks, 1) as crew:
        worker = crew._workers[0]
        os.waitid(os.P_PID, worker.pid, os.WEXITED | os.WNOWAIT)  # it has written every chunk and ended
        assert [r[0] for r in crew.take(wait=True) or ()] == [i * i for i in chunks[0]]
        assert worker.buffer == b""
        assert [len(crew.take(wait=True) or ()) for _ in chunks[1:]] == [5] * 7


def test_the_pipe_holds_a_few_chunks() -> None:
    chunks = _chunks(40, 5)
    with _deadline(), ForkedWorkers(_square, chunks, 1) as crew:
        size = fcntl.fcntl(crew._workers[0].fd, fcntl.F_GETPIPE_SZ)
        assert [len(crew.take(wait=True) or ()) for _ in chunks] == [5] * 8
    if int(Path("/proc/sys/fs/pipe-max-size").read_text()) >= RESULTS_PIPE_BYTES:  # Linux's default
        assert size == RESULTS_PIPE_BYTES
