"""Writing a pack of the artifact cache (see cache.py) as it is made, never whole in memory.

A pack is ``MAGIC``, the blobs, the index (the marshal bytes of one dict), the SHA-256 of the blobs (32 bytes), the
index's size (8 bytes, big-endian) and the HMAC-SHA256 tag of everything before it but the blobs, which that
digest stands for: a run authenticates the index when it opens the pack and checks the blobs on a thread
meanwhile (cache_blobs.CheckedView). Each parsed entry's blobs go to the pack's temporary file as the
entry is absorbed, so a cold run holds only their offsets, not tens of MB of blobs until the end of collection;
the index is written last, in batches, and the tag authenticates the whole file. The file is renamed into place
only once it is whole: a run that fails or stops on the way leaves no pack (its temporary file is removed).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import marshal
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
TAG = 32
FLUSH = 1 << 20
"""Bytes gathered before they are written: a file object's own buffer would be copied into every worker forked
while the pack is being written, and flushed by any of them that let go of it."""
BATCH = 1024
"""Index rows marshalled at a time: the index is never one bytes object of tens of MB."""


def as_json(value: Any) -> Any:
    """``value`` as JSON reads it back (lists, never tuples; str keys): what the pack's reader expects."""
    return json.loads(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def dict_pieces(value: Mapping[str, Any], *, to_json: bool = True) -> Iterator[bytes]:
    """The marshal (version 2) bytes of ``dict(value)`` (through :func:`as_json` unless ``to_json`` is False), in
    pieces. Version 2 has no back-references, and a dict is its type byte, its key/value pairs one after the other
    and a null byte: so the pairs of each batch, marshalled as a dict and stripped of those two bytes, join into
    exactly ``marshal.dumps(dict(value), 2)``."""
    yield b"{"
    items = iter(value.items())
    while True:
        batch = dict(itertools.islice(items, BATCH))
        if not batch:
            break
        yield marshal.dumps(as_json(batch) if to_json else batch, 2)[1:-1]
    yield b"0"


def index_pair(key: str, value: Any, *, to_json: bool = True) -> tuple[Any, ...]:
    """One key of the index and its value, as pieces of marshal bytes (a dict value in batches, lazily)."""
    if isinstance(value, dict):
        return (marshal.dumps(key, 2), dict_pieces(value, to_json=to_json))
    return (marshal.dumps(key, 2), marshal.dumps(value, 2))


def joined(parts: Sequence[bytes | bytearray | Iterator[bytes]]) -> Iterator[bytes | bytearray]:
    for part in parts:
        if isinstance(part, (bytes, bytearray)):
            yield part
        else:
            yield from part


class PackWriter:
    """One pack being written to a fresh temporary file in the packs folder (``folder``, a descriptor).

    :meth:`add` appends blobs and says where they went (offsets from the end of ``magic``, plus ``origin``);
    :meth:`finish` writes the index and the tag and renames the file into place; :meth:`discard` removes it. Any
    failure (a full disk, an index that cannot be stored) discards the pack: nothing is written rather than a pack
    that could not be read back, and the run goes on (the cache never changes a verdict)."""

    def __init__(self, folder: int, key: bytes, magic: bytes, origin: int = 0) -> None:
        self._folder = folder
        self._key = key
        self._magic = magic
        self._fd: int | None = None
        self._buf = bytearray()
        self._tmp: str | None = None
        self._tag: Any = None
        self._blobs: Any = None
        self.origin = origin
        """The offset of the first blob: 0 in a pack; in a delta (cache_delta.py), where its blobs sit in the view
        of the base and the delta read one after the other."""
        self.at = origin
        """The offset of the next blob (``origin`` plus the bytes of blobs written so far)."""
        self.failed = False

    def _open(self) -> int:
        self._tmp = f".tmp-{os.getpid()}-{os.urandom(8).hex()}"
        self._fd = os.open(self._tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600, dir_fd=self._folder)
        self._tag = hmac.new(self._key, digestmod="sha256")
        self._blobs = hashlib.sha256()
        self._put(self._magic)
        return self._fd

    def _put(self, piece: bytes | bytearray | memoryview, *, signed: bool = True) -> None:
        if signed:
            self._tag.update(piece)
        if len(piece) >= FLUSH:  # a large piece (the absorbed index entries) is written as it is, not copied
            self._flush()
            self._flush(piece)
            return
        self._buf += piece
        if len(self._buf) >= FLUSH:
            self._flush()

    def _flush(self, piece: bytes | bytearray | memoryview | None = None) -> None:
        assert self._fd is not None
        done = 0
        with memoryview(self._buf if piece is None else piece) as view:
            while done < len(view):
                done += os.write(self._fd, view[done:])  # (the slice is let go at once: the buffer can shrink)
        if piece is None:
            del self._buf[:]

    def add(self, chunks: Iterable[bytes | memoryview]) -> list[list[int]] | None:
        """Append ``chunks``: their [offset, size] spans, or None once the pack has failed."""
        if self.failed:
            return None
        try:
            if self._fd is None:
                self._open()
            spans = []
            for chunk in chunks:
                self._blobs.update(chunk)
                self._put(chunk, signed=False)  # (the tag signs the blobs' digest: finish)
                spans.append([self.at, len(chunk)])
                self.at += len(chunk)
        except OSError:
            self.discard()
            return None
        return spans

    def written(self) -> memoryview | None:
        """The blobs written so far (blob ``[offset, size]`` at ``[offset - origin:][:size]``), read back from the
        temporary file; None once the pack has failed or when it cannot be read."""
        if self.failed:
            return None
        if self._fd is None:
            return memoryview(b"")
        try:
            self._flush()
            size, out = self.at - self.origin, bytearray()
            while len(out) < size:
                piece = os.pread(self._fd, size - len(out), len(self._magic) + len(out))
                if not piece:
                    raise OSError("the pack's temporary file is shorter than written")
                out += piece
        except OSError:
            self.discard()
            return None
        return memoryview(out)

    def finish(self, index: Iterable[bytes | bytearray], name: str) -> bool:
        """Write the index's pieces, its size and the tag, and rename the pack to ``name``; False if it failed
        (the temporary file is then removed). ``index`` may raise ValueError, TypeError or UnicodeEncodeError
        while it is made: that discards the pack too."""
        if self.add(()) is None:
            return False
        try:
            size = 0
            for piece in index:
                self._put(piece)
                size += len(piece)
            self._put(self._blobs.digest())
            self._put(size.to_bytes(8, "big"))
            self._put(self._tag.digest(), signed=False)
            self._flush()
            assert self._fd is not None and self._tmp is not None
            fd, self._fd = self._fd, None
            os.close(fd)
            os.replace(self._tmp, name, src_dir_fd=self._folder, dst_dir_fd=self._folder)
        except (OSError, ValueError, TypeError):  # UnicodeEncodeError is a ValueError
            self.discard()
            return False
        self._tmp = None
        return True

    def discard(self) -> None:
        """Close and remove the temporary file, if any; the pack is failed from then on."""
        self.failed = True
        fd, tmp, self._fd, self._tmp = self._fd, self._tmp, None, None
        self._buf = bytearray()
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=self._folder)


def read_layout(body: memoryview, magic: bytes) -> tuple[memoryview, memoryview, bytes] | None:
    """(index bytes, blobs view, the blobs' SHA-256) of a pack's ``body`` (the pack without its tag), or None when
    its layout does not hold."""
    if len(body) < len(magic) + 40 or body[:len(magic)] != magic:
        return None
    size = int.from_bytes(body[-8:], "big")
    start = len(body) - 40 - size
    if start < len(magic):
        return None
    return body[start:-40], body[len(magic):start], bytes(body[-40:-8])


def authenticated(key: bytes, data: memoryview, magic: bytes) -> tuple[memoryview, memoryview, bytes] | None:
    """:func:`read_layout` of the pack ``data`` (tag included) when its tag is the HMAC-SHA256, under ``key``, of
    its magic line and everything after its blobs; else None. The blobs are not checked here."""
    if len(data) < len(magic) + 40 + TAG:
        return None
    body, tag = data[:-TAG], data[-TAG:]
    layout = read_layout(body, magic)
    if layout is None:
        return None
    signed = hmac.new(key, body[:len(magic)], "sha256")
    signed.update(body[len(body) - 40 - len(layout[0]):])
    return layout if hmac.compare_digest(signed.digest(), tag) else None
