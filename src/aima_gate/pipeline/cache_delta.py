"""A pack's delta (see cache.py): what a run changed in the cache, written beside the pack instead of a new pack.

A run that read a pack back and parsed only a few files (the first hook run after an edit) would otherwise rewrite
the whole pack: every unchanged entry's blobs copied, the index marshalled again and the tag computed over tens of
MB. It writes a delta instead: ``DELTA_MAGIC``, the tag of the pack it goes with (32 bytes), its blobs, its index,
the index's size and its own HMAC-SHA256 tag over everything before it, the pack's tag included (written like a
pack, by cache_writer.PackWriter, to a temporary file renamed into place). Its index names the identity and, for
each of the pack's four tables (stat rows, entries, globs, groups), the rows that differ from the pack's and the
keys that are gone: the pack with its delta holds exactly what a whole pack written by that run would.

A run reads the pack and its delta into one buffer, the delta right after the pack, so that the delta's blob spans
are offsets into the same view as the pack's (:func:`origin`: where its first blob lands). A delta is used only
with the pack whose tag it names, only when it authenticates and names the same identity; anything else is
ignored, and the pack alone is an older state whose every entry is still checked before it is used. There is at
most one delta per pack: a run replaces it with one relative to the same pack, and writes a whole pack instead
(removing the delta) once the changes would reach 1/:data:`FRACTION` of the pack's size.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import marshal
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from aima_gate.pipeline.cache_entries import entry_chunks, expand, with_spans
from aima_gate.pipeline.cache_writer import PackWriter, as_json, authenticated, dict_pieces, index_pair, joined

DELTA_MAGIC = b"aima-gate artifact cache delta 8\n"
TAG = 32
TABLES = ("stat", "entries", "globs", "groups")
FRACTION = 8
"""A delta is written while it stays under 1/FRACTION of its pack's size (else a whole pack): every later run reads
it and every run that changes something rewrites it, so it stays a small part of either cost."""


def delta_name(pack: str) -> str:
    return pack.removesuffix(".pack") + ".delta"


def magic(base_tag: bytes) -> bytes:
    """A delta's first bytes: its magic line and the tag of the pack it goes with."""
    return DELTA_MAGIC + base_tag


def origin(base_size: int, pack_magic: bytes) -> int:
    """The offset, in the view a run reads blobs from (the pack after its magic, then the delta), of a delta's first
    blob: the delta starts right after the pack's ``base_size`` bytes."""
    return base_size - len(pack_magic) + len(DELTA_MAGIC) + TAG


def read_delta(data: memoryview, key: bytes, base_tag: bytes, identity: str) -> dict[str, Any] | None:
    """The index of the delta ``data`` when it authenticates under ``key``, goes with the pack tagged ``base_tag``
    and names ``identity``, and its tables have their shape; else None (the delta is ignored)."""
    # the pairing: a delta made for another pack starts otherwise; its blobs (a few) are checked here and now
    layout = authenticated(key, data, magic(base_tag))
    if layout is None or not hmac.compare_digest(hashlib.sha256(layout[1]).digest(), layout[2]):
        return None
    try:
        # S302: the bytes of a delta that just authenticated under our key (written by cache.py)
        index = marshal.loads(layout[0])  # noqa: S302
    except (ValueError, EOFError, TypeError):
        return None
    if type(index) is not dict or index.get("identity") != identity or type(index.get("gone")) is not dict:
        return None
    for table in TABLES:
        gone = index["gone"].get(table)
        if type(index.get(table)) is not dict or type(gone) is not list or not all(type(k) is str for k in gone):
            return None
    return index


def merged(tables: Sequence[dict[str, Any]], delta: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Apply the delta to the pack's four ``tables`` (in :data:`TABLES` order) in place, and return the pack's
    tables as they were (:class:`Base`: what the next delta is relative to). In place, so that a run with a delta
    holds no second copy of the pack's 20,000-row tables."""
    out: list[Mapping[str, Any]] = []
    for table, rows in zip(TABLES, tables, strict=True):
        was: dict[str, Any] = {}
        if delta:
            for key in delta["gone"][table]:  # str keys (read_delta): a pop cannot fail half-way
                if key in rows:
                    was.setdefault(key, rows.pop(key))
            for key, value in delta[table].items():
                was.setdefault(key, rows.get(key, _MISSING))
                rows[key] = value
        out.append(Base(rows, was) if was else rows)
    return out


_MISSING: Any = object()


class Base(Mapping[str, Any]):
    """A pack's table as it was before its delta was applied: ``now`` (the table with the delta) but for ``was``,
    the value each key the delta touched had in the pack (or none)."""

    def __init__(self, now: Mapping[str, Any], was: Mapping[str, Any]) -> None:
        self._now, self._was = now, was

    def __getitem__(self, key: str) -> Any:
        value = self._was[key] if key in self._was else self._now[key]
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        yield from (key for key in self._now if key not in self._was)
        yield from (key for key, value in self._was.items() if value is not _MISSING)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def changes(base: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(rows of ``new`` that differ from ``base``'s, keys of ``base`` that ``new`` lacks): with the pack's table
    ``base``, what a delta holds so that the two read back as ``new``."""
    rows = {key: value for key, value in new.items() if key not in base or base[key] != value}
    return rows, [key for key in base if key not in new]


def outgrown(cache: Any, pack_magic: bytes) -> None:
    """After each parse the cache absorbs: once its delta's blobs pass 1/FRACTION of the pack, the run writes a
    whole pack instead (:func:`rebase`), so that no more than that many blobs are ever read back into memory."""
    writer: PackWriter = cache._writer
    if cache._base_size and writer.at - writer.origin > cache._base_size // FRACTION:
        rebase(cache, pack_magic)


def write_delta(cache: Any, pack_magic: bytes) -> bool:
    """Write what the run of ``cache`` (a :class:`~aima_gate.pipeline.cache.ArtifactCache` whose pack was read
    back; not imported here: it imports this module) changed as its pack's delta. True when that is done, or
    failed (nothing written); False when the delta would reach 1/FRACTION of the pack: the cache's writer is then a
    whole pack's (magic ``pack_magic``) with every entry of the run (:func:`rebase`), for the cache to write."""
    writer: PackWriter = cache._writer
    limit = cache._base_size // FRACTION
    if writer.at - writer.origin + len(cache._absorbed) + len(cache._remembered) > limit:
        return not rebase(cache, pack_magic)
    base_stat, base_entries, base_globs, base_groups = cache._base
    try:  # S302: marshal bytes of (key, value) pairs this run made (absorbed entries, stat rows), as one dict
        absorbed, remembered = (marshal.loads(b"{" + bytes(pairs) + b"0")  # noqa: S302
                                for pairs in (cache._absorbed, cache._remembered))
    except (ValueError, EOFError, TypeError):
        writer.discard()
        return True
    # What was read back is the pack's (left out) unless the delta before had it (carried into this one). A stat
    # row both read back and remembered keeps the row read back, as a whole pack's index does.
    new_entries, new_stat, delta = cache._new_entries, cache._new_stat, cache._delta or {"gone": {}}
    carried = {n: (new_entries[n][0], entry_chunks(cache._view, *new_entries[n])) for n in delta.get("entries", ())
               if n in new_entries}
    entries_gone = _gone(base_entries, cache._entries, delta["gone"].get("entries", ()), new_entries, absorbed)
    stat = {rel: row for rel, row in remembered.items() if rel not in new_stat and base_stat.get(rel) != row}
    stat.update((rel, new_stat[rel]) for rel in delta.get("stat", ()) if rel in new_stat)
    stat_gone = _gone(base_stat, cache._stat, delta["gone"].get("stat", ()), new_stat, remembered)
    globs, globs_gone = changes(base_globs, cache._new_globs)
    groups, groups_gone = changes(base_groups, cache._new_groups)
    gone = {"stat": stat_gone, "entries": entries_gone, "globs": globs_gone, "groups": groups_gone}
    size = (writer.at - writer.origin + len(cache._absorbed) + sum(len(c) for _, cs in carried.values() for c in cs)
            + 100 * (len(stat) + len(carried) + sum(map(len, gone.values()))) + len(marshal.dumps([globs, groups])))
    if size > limit:
        return not rebase(cache, pack_magic)
    entries: dict[str, list[Any]] = {}
    try:
        for name, (entry, chunks) in carried.items():  # entries of the last delta still in use: blobs copied
            spans = writer.add(chunks)
            if spans is None:
                return True
            entries[name] = as_json(with_spans(name, entry, spans))
    except (ValueError, TypeError):
        writer.discard()
        return True
    pieces = dict_pieces(entries, to_json=False)
    index = (b"{", *index_pair("identity", cache._identity), *index_pair("stat", stat, to_json=False),
             marshal.dumps("entries", 2),
             next(pieces), cache._absorbed, pieces, *index_pair("globs", globs), *index_pair("groups", groups),
             *index_pair("gone", gone), b"0")
    name = delta_name(cache._name)
    if writer.finish(joined(index), name):
        with contextlib.suppress(OSError):  # the pack is in use: not one to prune (cache_files.py)
            os.utime(cache._name, dir_fd=cache._fd, follow_symlinks=False)
        cache._prune(name)
    return True


def _gone(base: Mapping[str, Any], now: Mapping[str, Any], gone_before: Sequence[str], kept: Mapping[str, Any],
          new: Mapping[str, Any]) -> list[str]:
    """Keys of the pack's table ``base`` in neither ``kept`` (read back: keys of ``now``, the table with the delta
    before applied) nor ``new``. When every key of ``now`` is in one of them, those are the keys the delta before
    had gone that are still gone (without a walk of the whole table)."""
    if len(kept) + sum(1 for key in new if key in now and key not in kept) == len(now):
        return [key for key in gone_before if key not in kept and key not in new]
    return [key for key in base if key not in kept and key not in new]


def write_pack(cache: Any) -> None:
    """Write the whole pack of the run of ``cache`` (an :class:`~aima_gate.pipeline.cache.ArtifactCache`; not
    imported here: it imports this module) and remove the delta of the pack it replaces."""
    # Every part of the index is stored as the marshal bytes of its JSON value (read back exactly as JSON
    # would be: lists, never tuples; but the stat rows are bytes), in a fraction of the time a 10 MB JSON parse
    # takes a warm pre-commit run at 5,000 models. Absorbed entries are marshalled already, their blobs written
    # (absorb); entries read back from the last pack have their blobs written here. The index goes out in
    # batches: no text or marshal bytes of the whole index, and no second copy of it, are ever held (tens of MB
    # at 12,500 models).
    writer: PackWriter = cache._writer
    entries: dict[str, list[Any]] = {}
    try:
        view = cache._view
        for name, (entry, chunks) in cache._new_entries.items():
            spans = writer.add(entry_chunks(view, entry, chunks))
            if spans is None:
                return
            entries[name] = as_json(with_spans(name, entry, spans))
    except (ValueError, TypeError):
        writer.discard()
        return
    # A marshalled dict is its pairs between "{" and "0" (cache_writer.dict_pieces): the absorbed pairs join the
    # read-back ones as they are.
    read_back, stat = dict_pieces(entries, to_json=False), dict_pieces(cache._new_stat, to_json=False)
    index = (b"{", *index_pair("identity", cache._identity), marshal.dumps("stat", 2), next(stat), cache._remembered,
             stat, marshal.dumps("entries", 2), next(read_back), cache._absorbed, read_back,
             *index_pair("globs", cache._new_globs), *index_pair("groups", cache._new_groups), b"0")
    if writer.finish(joined(index), cache._name):
        with contextlib.suppress(OSError):  # a delta is for the pack it names: not this one
            os.unlink(delta_name(cache._name), dir_fd=cache._fd)
        cache._prune()


def rebase(cache: Any, pack_magic: bytes) -> bool:
    """Make the cache's delta writer a whole pack's: the entries absorbed so far join those read back, their blobs
    read back from the delta's temporary file, and the run writes no delta. False if that cannot be done (nothing
    is written then)."""
    writer: PackWriter = cache._writer
    cache._base_size = 0
    blobs = writer.written()
    if blobs is None:
        return False
    try:
        at = writer.origin
        absorbed = marshal.loads(b"{" + bytes(cache._absorbed) + b"0")  # noqa: S302 (this run's own bytes)
        for name, entry in absorbed.items():
            spans = expand(name, entry)[2]
            cache._new_entries[name] = (entry, [blobs[off - at:off - at + size] for off, size in spans])
    except (ValueError, EOFError, TypeError, KeyError):
        return False
    finally:
        writer.discard()
    cache._absorbed, cache._writer = bytearray(), PackWriter(cache._fd, cache._key, pack_magic)
    return True


__all__ = ["DELTA_MAGIC", "FRACTION", "TABLES", "Base", "changes", "delta_name", "magic", "merged", "origin",
           "outgrown", "read_delta", "rebase", "write_delta", "write_pack"]
