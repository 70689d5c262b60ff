"""Forked workers, each given its share of a batch at the fork, sending results back through its own pipe.

Used by :mod:`aima_gate.core.parallel` in place of :mod:`multiprocessing`'s pool, for three reasons:

- **A worker that dies is noticed.** The pool replaces a worker that is killed (the kernel's out-of-memory killer) or
  crashes (a parser's C code) but never runs its chunk again, so waiting for that chunk hung the gate forever. Here
  each worker's pipe reaches its end, and its pidfd becomes readable, when it ends: a chunk that was not sent whole
  is :class:`WorkerLost` (exit 2, naming the files), at once. No wait has a timeout (the pool's timed locks take an
  absolute deadline, which a shifted clock in CI put 400 days away), except the 50 ms re-check where Linux has no
  pidfd.
- **No thread competes with the parsing.** The pool's result thread needs the interpreter lock to read each chunk,
  so a worker's write waited while this process parsed; here this process reads a chunk when it is due.
- **Nothing is sent to a worker.** Its share is in its memory from the fork; only results travel, pickled by our
  own child and read back only by its parent.

A worker runs the task on its chunks in order, writes each chunk's results as one frame (core/frames.py: its size,
then a tag byte and the pickle bytes)
and leaves with ``os._exit`` (no ``atexit``, no flush of the buffers it inherited). A task that raises sends its
traceback instead (a bug: re-raised here as RuntimeError).
"""

from __future__ import annotations

import contextlib
import mmap
import os
import pickle
import select
import signal
import struct
from collections.abc import Callable, Sequence
from typing import Any

from aima_gate.core.errors import AimaGateError
from aima_gate.core.frames import HEADER, framed, send

_RESULTS, _FAILED = 0, 1
"""A frame's first byte: the pickled results of a chunk follow, or a task's traceback (UTF-8)."""
RESULTS_PIPE_BYTES = 1 << 20
"""The pipe's size asked for (Linux's ``F_SETPIPE_SZ``; its ``pipe-max-size`` is 1 MiB by default): a worker writes a
few chunks' results (about 180 KB for 256 files) before it waits for this process to read them."""
_STARTED = struct.Struct("<Q")
"""How many items a worker has started, in a page it shares with this process."""
_RECHECK_MS = 50
"""Without a pidfd: how often a wait looks whether the worker has ended (another child may hold its pipe open)."""


class WorkerLost(AimaGateError):
    """A worker ended before it sent a chunk whole: killed, crashed or out of memory. Its chunk is not computed again
    elsewhere (whatever killed it may kill this process too): the run stops and says which files it held
    (:func:`worker_lost`; the constructor is the base class's, so it crosses processes as every error does)."""

    kind = "worker"
    status = 0
    """The worker's wait status."""
    items: Sequence[Any] = ()
    """The items of the chunk it did not send."""
    started: Any = None
    """The last item it started (the one it was on, or had just finished), if any."""


def worker_lost(status: int, items: Sequence[Any], started: Any = None) -> WorkerLost:
    """The error for a worker that ended (wait ``status``) before sending back ``items`` (the chunk that was due),
    when the last item it started was ``started`` (None: it started none)."""
    how = (f"killed by signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
           else f"exit status {os.WEXITSTATUS(status)}" if os.WIFEXITED(status) else f"wait status {status}")
    first = ", ".join(repr(item) for item in items[:3])
    lost = WorkerLost(
        f"a parse worker ended ({how})"
        + (f" while on {started!r} (the last file it started)" if started is not None else "")
        + f"; {len(items)} file(s) it was given were not sent back: {first}{', ...' if len(items) > 3 else ''}",
        hint="signal 9 is most often the system's out-of-memory killer: give the job more memory, or run with "
             "AIMA_GATE_JOBS=1; otherwise report it, with the files named here")
    lost.status, lost.items, lost.started = status, items, started
    return lost


class _Worker:
    def __init__(self, pid: int, fd: int, chunks: Sequence[Sequence[Any]], progress: mmap.mmap) -> None:
        self.pid = pid
        self.fd = fd
        self.chunks = chunks
        self.progress = progress  # shared with the worker: how many items it has started (_STARTED)
        self.sent = 0  # chunks taken so far
        self.buffer = bytearray()
        self.ended = False  # the pipe's end was read, or the worker's end seen
        self.pidfd = -1
        self.poller: select.poll | None = None  # made by the first wait
        with contextlib.suppress(AttributeError, OSError):  # not Linux 5.3+: the wait re-checks with waitid
            self.pidfd = os.pidfd_open(pid)

    def frame(self) -> tuple[int, memoryview] | None:
        """The frame in the buffer (its tag and the bytes after it), taken out of it; None if it is not whole yet.
        The buffer never holds more than one frame (:meth:`read_available`)."""
        if self._wanted():
            return None
        data, self.buffer = self.buffer, bytearray()
        return data[HEADER.size], memoryview(data)[HEADER.size + 1:]

    def read_available(self) -> None:
        """Read what the pipe holds now, without waiting, up to the end of the next frame: bytes read are held
        here, so the rest waits in the pipe (and the worker waits when the pipe is full)."""
        while not self.ended:
            wanted = self._wanted()
            if not wanted:
                return
            try:
                piece = os.read(self.fd, wanted)
            except BlockingIOError:
                return
            if not piece:
                self.ended = True
            self.buffer += piece

    def _wanted(self) -> int:
        """How many more bytes make the buffer's first frame whole (its header first)."""
        held = len(self.buffer)
        if held < HEADER.size:
            return HEADER.size - held
        size: int = HEADER.unpack_from(self.buffer)[0]
        return max(0, HEADER.size + size - held)

    def wait(self) -> None:
        """Until the pipe has more to read, or the worker has ended (then :attr:`ended`, after reading what it left:
        another child of this process may hold the pipe open past the worker's end)."""
        if self.poller is None:
            self.poller = select.poll()
            self.poller.register(self.fd, select.POLLIN)
            if self.pidfd >= 0:
                self.poller.register(self.pidfd, select.POLLIN)
        while True:
            ready = {fd for fd, _ in self.poller.poll(None if self.pidfd >= 0 else _RECHECK_MS)}
            if self.fd in ready:
                return
            if (self.pidfd >= 0 and self.pidfd in ready) or (self.pidfd < 0 and _has_ended(self.pid)):
                self.read_available()
                self.ended = True
                return

    def lost(self) -> BaseException:
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT:
            return KeyboardInterrupt()  # Ctrl-C reached the worker (its whole process group) first: an interrupt
        started = _STARTED.unpack_from(self.progress)[0]
        flat = [item for chunk in self.chunks for item in chunk]
        return worker_lost(status, self.chunks[self.sent], flat[started - 1] if 0 < started <= len(flat) else None)


def _has_ended(pid: int) -> bool:
    # WNOWAIT leaves it to be reaped (and its status read) by :meth:`_Worker.lost`.
    info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    return info is not None


class ForkedWorkers:
    """``count`` forked workers; chunk ``c`` of ``chunks`` is computed by worker ``c % count``. Read the chunks back in
    order with :meth:`take`. A context manager: leaving it stops (SIGKILL) and reaps every worker still there."""

    def __init__(self, task: Callable[[Any], Any], chunks: Sequence[Sequence[Any]], count: int) -> None:
        self._workers: list[_Worker] = []
        self._next = 0
        self._count = count
        try:
            for k in range(count):
                self._workers.append(_fork(task, chunks[k::count], self._workers))
        except BaseException:
            self.close()
            raise

    def take(self, wait: bool) -> list[Any] | None:
        """The results of the next chunk (in order); None if ``wait`` is false and they are not all here yet."""
        worker = self._workers[self._next % self._count]
        while True:
            got = worker.frame()
            if got is not None:
                break
            worker.read_available()
            got = worker.frame()
            if got is not None:
                break
            if worker.ended:
                raise worker.lost()
            if not wait:
                return None
            worker.wait()
        tag, data = got
        if tag != _RESULTS:
            raise RuntimeError(f"a parse worker failed:\n{bytes(data).decode('utf-8', 'replace')}")
        worker.sent += 1
        self._next += 1
        results: list[Any] = pickle.loads(data)  # noqa: S301 - pickled by our own forked worker, from our objects
        return results

    def close(self) -> None:
        for worker in self._workers:
            if worker.pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):  # reaped by someone else already
                    os.waitpid(worker.pid, 0)
                worker.pid = 0
            for fd in (worker.fd, worker.pidfd):
                if fd >= 0:
                    os.close(fd)
            worker.fd = worker.pidfd = -1
            worker.progress.close()

    def __enter__(self) -> ForkedWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _fork(task: Callable[[Any], Any], chunks: Sequence[Sequence[Any]], earlier: Sequence[_Worker]) -> _Worker:
    progress = mmap.mmap(-1, _STARTED.size)  # anonymous and shared: the worker's writes are seen here
    read_end, write_end = os.pipe()
    try:
        import fcntl

        fcntl.fcntl(read_end, fcntl.F_SETPIPE_SZ, RESULTS_PIPE_BYTES)
    except (ImportError, AttributeError, OSError):  # not Linux, or above pipe-max-size: the default size
        pass
    try:
        pid = os.fork()
    except BaseException:
        os.close(read_end)
        os.close(write_end)
        progress.close()
        raise
    if pid == 0:  # the worker
        status = 1
        try:
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # (not where it is ignored)
                signal.signal(signal.SIGINT, signal.SIG_DFL)  # an interrupted run stops its workers, quietly
            os.close(read_end)
            for worker in earlier:
                for fd in (worker.fd, worker.pidfd):
                    if fd >= 0:
                        os.close(fd)
            started, count = _STARTED.pack_into, 0

            def tracked(item: Any) -> Any:  # counts the item as started, so that a lost worker's can be named
                nonlocal count
                count += 1
                started(progress, 0, count)
                return task(item)

            for chunk in chunks:
                _write(write_end, _RESULTS, pickle.dumps([tracked(item) for item in chunk], pickle.HIGHEST_PROTOCOL))
            status = 0
        except KeyboardInterrupt:  # Ctrl-C before SIGINT's default action was set: end as that action would
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
        except BaseException:
            import traceback

            with contextlib.suppress(BaseException):  # the parent sees the pipe end without a whole chunk
                _write(write_end, _FAILED, traceback.format_exc().encode("utf-8", "replace"))
        finally:
            os._exit(status)
    os.close(write_end)
    os.set_blocking(read_end, False)
    return _Worker(pid, read_end, chunks, progress)


def _write(fd: int, tag: int, data: bytes) -> None:
    send(fd, framed(bytes((tag,)) + data))
