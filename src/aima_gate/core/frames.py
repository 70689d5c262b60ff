"""Values sent between the gate and its own forked children as frames: each value's ``marshal`` bytes after their
size (8 bytes, little-endian, :data:`HEADER`). Read back one at a time from pieces of any size, so that a reader
can take the first value while the child is still making the next (pipeline/walk_aside.py) or read a file of them
in chunks (pipeline/split_evaluation.py). Only ever decoded from our own children's bytes."""

from __future__ import annotations

import marshal
import os
import struct
from collections.abc import Iterable, Iterator
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
