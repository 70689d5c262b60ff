"""Output made on the second core: a forked child writes the bytes of one output while this process makes another.

After evaluation a run is one thread: the reports are rendered one after the other (at 5,000 models the JSON
findings take about half a second, the text report about a third and the Markdown summary a quarter) while the
second core idles. :func:`aside` forks a child that runs ``produce()`` on the run's data (shared copy-on-write, never
pickled) and writes what it yields to an unlinked temporary file; this process goes on with its own output, then
reads the child's bytes back in order (:meth:`Aside.pieces`).

The bytes are exactly those ``produce()`` would give in this process: the child runs the same code on the same
data, and the reporters are pure. Whenever the child's bytes are not known to be whole (it could not be forked or
could not write, it raised, it was killed or exited otherwise than by finishing), this process runs
``produce()`` itself: a failure of the mechanism can cost time, never change an output. Nothing the child does
reaches the terminal: it writes only its temporary file, and leaves with ``os._exit`` (no ``atexit``, no flush of
buffers it inherited). A child never forks another (:data:`_IN_CHILD`).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO

_IN_CHILD = False
"""Set in a forked child: its own output is made in place (two cores are in use already)."""

_LIVE: set[int] = set()
"""Children making output now: one per spare core at most (a second one would only share its core)."""

_FINISHED = 87
"""The exit status of a child that wrote every piece and flushed them. Any other status (0 too: an ``os._exit(0)``
deep in some library would not mean the output is whole), or a signal, means it did not."""

READ_CHUNK = 1 << 20


def can_aside() -> bool:
    """Whether a second core is there to use (``AIMA_GATE_JOBS=1`` turns it off, as for parsing) and fork is."""
    from aima_gate.core.parallel import can_fork, workers

    return not _IN_CHILD and workers() - 1 > len(_LIVE) and hasattr(os, "fork") and can_fork()


class _Child:
    """A forked child making one or more outputs; waited for once, by whichever output is read first."""

    def __init__(self, pid: int) -> None:
        self.pid: int | None = pid
        self.finished = False

    def wait(self) -> bool:
        """Wait for the child (once): whether it wrote every piece of every output."""
        pid, self.pid = self.pid, None
        if pid is not None:
            _LIVE.discard(pid)
            try:
                _, status = os.waitpid(pid, 0)  # PEP 475: retried when a signal interrupts it
            except ChildProcessError:  # reaped elsewhere: its outcome is unknown
                return False
            self.finished = os.WIFEXITED(status) and os.WEXITSTATUS(status) == _FINISHED
        return self.finished

    def stop(self) -> None:
        pid, self.pid = self.pid, None
        if pid is not None:
            _LIVE.discard(pid)
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


class Aside:
    """The bytes of one output, made by a child process when there is one (see the module doc)."""

    def __init__(self, produce: Callable[[], Iterable[bytes]], child: _Child | None = None,
                 file: IO[bytes] | None = None) -> None:
        self._produce = produce
        self._child = child
        self._file = file

    def whole(self) -> bool:
        """Whether the child made the bytes and finished (waiting for it): :meth:`pieces` then reads them back.
        False: :meth:`pieces` would run ``produce()`` here, which a caller can do better its own way."""
        return self._file is not None and self._child is not None and self._child.wait()

    def pieces(self) -> Iterator[bytes]:
        """The output: the child's bytes when it finished, else ``produce()`` run here."""
        file, self._file = self._file, None
        try:
            if file is not None and self._child is not None and self._child.wait():
                file.seek(0)
                while chunk := file.read(READ_CHUNK):
                    yield chunk
                return
        finally:
            if file is not None:
                file.close()
        yield from self._produce()

    def cancel(self) -> None:
        """Stop the child and drop what it wrote (the output is no longer wanted: the run stopped on an error).
        The child's other outputs, if any, are then made here when they are read."""
        if self._child is not None:
            self._child.stop()
        if self._file is not None:
            self._file.close()
            self._file = None


def aside(produce: Callable[[], Iterable[bytes]], *, worth: bool = True) -> Aside:
    """Start making ``produce()``'s bytes in a child (when ``worth`` it and :func:`can_aside`); else they are made
    when :meth:`Aside.pieces` is read. ``produce`` must only read the run's data and yield bytes."""
    return aside_all([produce], worth=worth)[0]


def aside_all(produces: Sequence[Callable[[], Iterable[bytes]]], *, worth: bool = True) -> list[Aside]:
    """:func:`aside` for several outputs, made one after the other by one child (each into its own file)."""
    if not (produces and worth and can_aside()):
        return [Aside(produce) for produce in produces]
    import tempfile

    files: list[IO[bytes]] = []
    try:
        for _ in produces:
            files.append(tempfile.TemporaryFile())  # noqa: SIM115 - handed to an Aside, which closes it; unlinked
        sys.stdout.flush()  # what this process buffered is written once, by this process
        sys.stderr.flush()
        pid = os.fork()
    except OSError:
        for file in files:
            file.close()
        return [Aside(produce) for produce in produces]
    if pid == 0:  # pragma: no cover - the child's coverage is not collected; its bytes are compared by the tests
        _child(produces, files)
    _LIVE.add(pid)
    child = _Child(pid)
    return [Aside(produce, child, file) for produce, file in zip(produces, files, strict=True)]


def _child(produces: Sequence[Callable[[], Iterable[bytes]]], files: Sequence[IO[bytes]]) -> None:
    global _IN_CHILD
    _IN_CHILD = True
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # an interrupted run stops its child too
        for produce, file in zip(produces, files, strict=True):
            for piece in produce():
                file.write(piece)
            file.flush()
        status = _FINISHED
    except BaseException:  # any failure means "not whole": the parent makes the outputs itself
        status = 1
    finally:
        os._exit(status)


__all__ = ["Aside", "aside", "aside_all", "can_aside"]
