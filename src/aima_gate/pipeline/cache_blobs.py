"""The verified blobs of a cache entry read back (cache_codec.py: what they hold; cache.py: the pack they are
read from), each decoded once, on first use, and only from a pack that authenticated under our key.

A pack's index authenticates under our key when the pack is opened; its blobs are checked against the SHA-256 the
index names on a thread meanwhile (:class:`CheckedView`), and no blob byte is handed out before that check holds."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import marshal
import os
import threading
from collections.abc import Sequence
from typing import Any

from aima_gate.core.model import LineIndex


class BlobsNotChecked(ValueError):
    """A pack's blobs are not the ones its authenticated index names (tampered, or corrupted on disk): nothing read
    back from that pack may be used (the run collects again without the cache, pipeline/runner.py)."""


class CheckedView:
    """The view of a pack (after its magic line) and its delta that blobs are read from, as a memoryview slices it,
    once the pack's blob region is found to have the SHA-256 its authenticated index names. The check runs on a
    thread once :meth:`start` is called (hashing 17 MB of blobs took 12 ms of a hook run's path at 5,000 models,
    which decodes a few of them, late; started once the walk's child is done with the second core), else on the
    first need; the first slice waits for it, and a failed check makes every slice raise :class:`BlobsNotChecked`.
    The delta's blobs, after the pack's, are checked when the delta is read."""

    __slots__ = ("_blobs", "_checked", "_digest", "_thread", "_view")

    def __init__(self, view: memoryview, blobs: memoryview | None = None, digest: bytes = b"") -> None:
        self._view = view
        self._blobs, self._digest = blobs, digest
        self._checked: bool | None = True if blobs is None else None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Check the blobs on a thread from now on (once; nothing to do when there is nothing to check)."""
        if self._checked is None and self._thread is None:
            self._thread = threading.Thread(target=self._check, daemon=True, name="aima-gate: pack blobs check")
            self._thread.start()

    def _check(self) -> None:
        blobs, digest = self._blobs, self._digest
        if self._thread is not None:  # the lowest priority: it uses a core the run leaves idle, never the run's
            with contextlib.suppress(OSError, AttributeError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)  # (Linux: this thread alone)
        try:  # (hashlib works without the GIL: the main thread goes on meanwhile)
            checked = blobs is not None and hmac.compare_digest(hashlib.sha256(blobs).digest(), digest)
        except BaseException:  # fails closed, and prints no traceback from the thread
            checked = False
        self._blobs = None
        self._checked = checked

    def holds(self) -> bool:
        """Whether the pack's blobs are the ones its index names (waiting for the check, or making it, once)."""
        if self._checked is None:
            thread = self._thread
            if thread is None:
                self._check()
            else:
                thread.join()
        return self._checked is True

    def __len__(self) -> int:
        return len(self._view)

    def __getitem__(self, key: slice) -> memoryview:
        if self._checked is not True and not self.holds():
            raise BlobsNotChecked("the pack's blobs are not the ones its index names")
        return self._view[key]


class Blobs:
    """The verified blobs of one cache entry, each decoded once, on first use."""

    __slots__ = ("_chunks", "_decoded")

    def __init__(self, chunks: Sequence[bytes | memoryview]) -> None:
        self._chunks = chunks
        self._decoded: dict[int, dict[str, Any]] = {}

    def get(self, n: int) -> dict[str, Any]:
        got = self._decoded.get(n)
        if got is None:
            # S302: only the bytes of a pack authenticated under our key, which exact_blob wrote
            got = marshal.loads(self._chunks[n])  # noqa: S302
            if not isinstance(got, dict):
                raise ValueError("cached blob is not a mapping")
            self._decoded[n] = got
        return got

    def decoded(self, n: int) -> bool:
        """Whether blob ``n`` was decoded."""
        return n in self._decoded

    def detach(self) -> None:
        """Keep only what is still to be decoded, as bytes of its own: a chunk read back is a view of the whole
        pack, which any one view keeps in memory (75 MB at 12,500 models) for as long as a line index waits."""
        self._chunks = [b"" if i in self._decoded else c if type(c) is bytes else bytes(c)
                        for i, c in enumerate(self._chunks)]


class PairBlobs(LineIndex):
    """The two verified blobs of a compact cache entry (cache_entries.py), its data then its lines, one after the
    other at ``offset`` in ``view``: :class:`Blobs` of ``[view[offset:offset + data], view[offset + data:...]]``,
    without the two slices, the list and the memo dict per entry (20,000 entries in a warm hook run at 5,000
    models). It is also the entry's line index (``line_of`` reads the lines blob on first use, as
    ``cache_codec.LazyLines`` does for a :class:`Blobs`): one object per entry fewer."""

    # LineIndex's own slots (_lines, _build) are never set nor read: line_of and under go through _real.
    __slots__ = ("_data_size", "_lines_size", "_offset", "_one", "_real", "_view", "_zero")

    def __init__(self, view: bytes | memoryview | CheckedView, offset: int, data: int, lines: int) -> None:
        self._view = view
        self._offset = offset
        self._data_size = data
        self._lines_size = lines
        self._zero: dict[str, Any] | None = None
        self._one: dict[str, Any] | None = None
        self._real: LineIndex | None = None

    def get(self, n: int) -> dict[str, Any]:
        got = self._zero if n == 0 else self._one if n == 1 else None
        if got is None:
            if n == 0:
                chunk = self._view[self._offset:self._offset + self._data_size]
            elif n == 1:
                start = self._offset + self._data_size
                chunk = self._view[start:start + self._lines_size]
            else:
                raise IndexError("a compact entry has two blobs")
            # S302: only the bytes of a pack authenticated under our key, which exact_blob wrote
            got = marshal.loads(chunk)  # noqa: S302
            if not isinstance(got, dict):
                raise ValueError("cached blob is not a mapping")
            if n == 0:
                self._zero = got
            else:
                self._one = got
        return got

    def line_of(self, pointer: str) -> int | None:
        real = self._real
        if real is None:
            real = self._real = lines_from_blob(self.get(1))
        return real.line_of(pointer)

    def decoded(self, n: int) -> bool:
        """Whether blob ``n`` was decoded."""
        return (self._zero if n == 0 else self._one if n == 1 else None) is not None

    def detach(self) -> None:
        """:meth:`Blobs.detach`: keep only the blob(s) still to be decoded, as bytes of their own."""
        start, data, lines = self._offset, self._data_size, self._lines_size
        if self._zero is None and self._one is None:
            kept = self._view[start:start + data + lines]
        elif self._one is None:
            kept, self._data_size = self._view[start + data:start + data + lines], 0
        elif self._zero is None:
            kept, self._lines_size = self._view[start:start + data], 0
        else:
            kept, self._data_size, self._lines_size = b"", 0, 0
        self._view, self._offset = kept if type(kept) is bytes else bytes(kept), 0


def lines_from_blob(got: dict[str, Any]) -> LineIndex:
    """The line index an artifact's lines blob describes (cache_codec.stored_lines wrote it): ``p`` the prefix, and
    ``t`` a table or ``r`` the recipe of a lazily built one. Raises on a bad shape."""
    prefix = got["p"]
    base = LineIndex(got["t"]) if "r" not in got else rebuilt_lines(got["r"])
    return base.under(prefix) if prefix else base


def rebuilt_lines(recipe: Any) -> LineIndex:
    """The lazy index a recipe (cache_codec.line_recipe) describes. Raises ValueError on a bad shape."""
    from aima_gate.collectors.bias_report import ReportLines
    from aima_gate.safeio.json_lines import JsonLines

    match recipe:
        case ["json", str(text)]:
            return LineIndex(build=JsonLines(text))
        case ["table", dict(table)]:
            return LineIndex(table)
        case ["bias", source, list(names)]:
            return LineIndex(build=ReportLines(rebuilt_lines(source), names))
    raise ValueError("cached line recipe of an unknown shape")
