"""Values sent between the gate and its own forked children as frames (and the fork of such a child,
:func:`fork_child`): each value's ``marshal`` bytes after their
size (8 bytes, little-endian, :data:`HEADER`). Read back one at a time from pieces of any size, so that a reader
can take the first value while the child is still making the next (pipeline/walk_aside.py) or read a file of them
in chunks (pipeline/split_evaluation.py). Only ever decoded from our own children's bytes."""

from __future__ import annotations

import contextlib
import marshal
import os
import signal
import struct
from collections.abc import Callable, Iterable, Iterator
from typing import Any

HEADER = struct.Struct("<Q")
"""Each frame's size, before its bytes (``marshal`` bytes here; core/forked_workers.py frames pickled results the
same way)."""


def framed(data: bytes) -> bytes:
    """The frame of a value already marshalled (``data``)."""
    return HEADER.pack(len(data)) + data


def send(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (a pipe: a write may take only part of it)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def frame(value: Any) -> bytes:
    return framed(marshal.dumps(value))


def frames(chunks: Iterable[bytes]) -> Iterator[Any]:
    """The values of the frames in ``chunks`` (pieces of any size), one at a time, reading no more pieces than the
    next value needs. Raises ValueError when the pieces end inside a frame (and whatever ``marshal.loads`` raises on
    bytes it does not read)."""
    buf = bytearray()
    at = 0
    source = iter(chunks)
    while True:
        while len(buf) - at < HEADER.size or len(buf) - at < HEADER.size + HEADER.unpack_from(buf, at)[0]:
            chunk = next(source, None)
            if chunk is None:
                if at != len(buf):
                    raise ValueError("the child's bytes end inside a frame")
                return
            del buf[:at]
            at = 0
            buf += chunk
        size = HEADER.unpack_from(buf, at)[0]
        start = at + HEADER.size
        yield marshal.loads(memoryview(buf)[start:start + size])  # noqa: S302 - our own forked child's bytes
        at = start + size


def fork_child(run: Callable[[int, int | None], None], *, orders: bool = False) -> tuple[int, int, int | None] | None:
    """Fork a child that runs ``run(out, orders_in)`` (``out``: the write end of the pipe this process reads;
    ``orders_in``: the read end of one it writes, with ``orders``) and leaves with ``os._exit``: 0 when ``run``
    returned, 1 when it raised; none of the parent's code runs after it (no ``atexit``, no buffer flushed twice).
    This process gets (the child's pid, the read end of ``out``, the write end of the orders or None). None where
    fork is unavailable, with ``AIMA_GATE_JOBS=1``, or when a pipe or the fork fails: the caller does the work."""
    from aima_gate.core.parallel import can_fork, workers

    if not can_fork() or workers() < 2:
        return None
    pipes: list[int] = []
    try:
        for _ in range(2 if orders else 1):
            pipes.extend(os.pipe())
        pid = os.fork()
    except OSError:
        for fd in pipes:
            os.close(fd)
        return None
    read_end, write_end, *order_pipe = pipes  # order_pipe: (the child's end, ours)
    if pid == 0:  # pragma: no cover - the child's coverage is not collected; what it sends is tested
        code = 1
        try:
            os.close(read_end)
            if order_pipe:
                os.close(order_pipe[1])
            run(write_end, order_pipe[0] if order_pipe else None)
            code = 0
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    if order_pipe:
        os.close(order_pipe[0])
    return pid, read_end, order_pipe[1] if order_pipe else None


def stop_child(pid: int, fd: int) -> None:
    """Close this process's end ``fd`` of a :func:`fork_child` child's pipe, stop the child if it still runs (what
    it would send is not wanted) and reap it."""
    with contextlib.suppress(OSError):
        os.close(fd)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)  # (not reaped yet: the pid is still our child's)
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, 0)
