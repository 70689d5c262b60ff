"""The entries of a pack's index (see cache.py), and reading them back for a run's files (:func:`run_batch`: a
batch of files, read back where the cache holds them, parsed and recorded where it does not).

An entry holds what one parse of (kind, file) left: its dependencies, its result items and the spans of its
blobs. Nearly every entry has the same shape: one artifact of that kind at that file, made from reading that file
(plus, for bias reports, the shared registry reads, as groups), with its two blobs (its data, then its lines, one
after the other). Such an entry is kept *compact*:

    [sha256 of the file, artifact name, line, references, peek, [group, ...], offset, data size, lines size]

which stands for exactly the general entry

    [[["read", file, sha256], ["group", group], ...], [["a", kind, name, file, line, references, peek]],
     [[offset, data size], [offset + data size, lines size]]]

Anything else is kept in the general form. A compact entry is a third of the objects to decode when a pack opens
(a warm run at 5,000 models opens 20,000 entries), and is checked without building the general one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from aima_gate.core.model import Artifact
from aima_gate.pipeline.cache_blobs import Blobs, BlobsNotChecked, CheckedView, PairBlobs
from aima_gate.pipeline.cache_codec import LazyData, decode_results
from aima_gate.pipeline.cache_recording import KEY_SIZE, Record, stat_reader

ROW_SIZE = KEY_SIZE + 64
"""A stat row of a pack's index: a file's stat_key, then the SHA-256 (hex) of the bytes it had then."""

COMPACT = 9
_UNSET: Any = object()


def stored(name: str, deps: Sequence[Sequence[Any]], items: Sequence[Sequence[Any]], blobs: int) -> list[Any]:
    """The entry as kept in the index, its blob spans left to the writer (:func:`with_spans`)."""
    kind, _, file = name.partition("\0")
    if (blobs == 2 and len(items) == 1 and len(items[0]) == 7 and items[0][0] == "a" and items[0][1] == kind
            and items[0][3] == file and deps and len(deps[0]) == 3 and deps[0][0] == "read" and deps[0][1] == file
            and type(deps[0][2]) is str
            and all(len(d) == 2 and d[0] == "group" and type(d[1]) is str for d in deps[1:])):
        _, _, art_name, _, line, refs, peek = items[0]
        return [deps[0][2], art_name, line, refs, peek, [d[1] for d in deps[1:]], None, None, None]
    return [[list(d) for d in deps], list(items), None]


def with_spans(name: str, entry: list[Any], spans: list[list[int]]) -> list[Any]:
    """The entry with the spans its blobs were written at (compact only when they are one after the other, as the
    writer puts them; else the general form)."""
    if len(entry) == COMPACT:
        (off, data), (at, lines) = spans
        if at == off + data:
            return [*entry[:6], off, data, lines]
        deps, items, _ = expand(name, [*entry[:6], 0, 0, 0])
        return [deps, items, spans]
    return [entry[0], entry[1], spans]


def expand(name: str, entry: Sequence[Any]) -> tuple[list[Any], list[Any], list[Any]]:
    """(deps, items, spans) of an entry in either form."""
    if len(entry) != COMPACT:
        deps, items, spans = entry
        return deps, items, spans
    kind, _, file = name.partition("\0")
    digest, art_name, line, refs, peek, groups, off, data, lines = entry
    return ([["read", file, digest], *(["group", g] for g in groups)],
            [["a", kind, art_name, file, line, refs, peek]], [[off, data], [off + data, lines]])


def entry_chunks(view: memoryview | CheckedView, entry: Sequence[Any], chunks: list[bytes | memoryview] | None
                 ) -> list[bytes | memoryview]:
    """The blobs of an entry read back (for the next pack): ``chunks`` as :func:`lookup_many` kept them, or, for a
    compact entry (kept without them), its two blobs at its own spans in ``view``, the pack the entry was read from.
    """
    if chunks is not None:
        return chunks
    off, data, lines = entry[6], entry[7], entry[8]
    return [view[off:off + data], view[off + data:off + data + lines]]


def known_shas(cache: Any, files: Iterable[str]) -> None:
    """Fill the cache's per-run digests (``_shas``) of ``files`` in one loop: a file whose stat_key is that of its
    stat row gets the row's digest, as :meth:`ArtifactCache._hash` answers it,
    without its three calls per file; any other file (no row, a row that does not hold, not a regular file of the
    walk) is left to ``_hash`` itself (:meth:`ArtifactCache.current_sha`), exactly as before. :func:`lookup_many`
    makes this check per compact entry in its own loop; this batch form is the reference its tests hold it to."""
    shas, rows, new_stat, repo = cache._shas, cache._stat, cache._new_stat, cache.repo
    stat_now = stat_reader(repo)
    for rel in files:
        if rel in shas:
            continue
        old = rows.get(rel)
        if type(old) is not bytes or len(old) != ROW_SIZE:
            continue
        now = stat_now(rel)  # (None for a file the walk did not find, or not a regular file)
        if now is not None and old[:KEY_SIZE] == now:
            new_stat[rel] = old
            shas[rel] = old[KEY_SIZE:].decode("ascii")


def lookup_many(cache: Any, pairs: Sequence[tuple[str, str]],
                cacheable: frozenset[str]) -> list[list[Any] | None]:
    """The cached results of each (kind, file) whose every dependency holds (else None), in order. ``cache`` is
    the :class:`~aima_gate.pipeline.cache.ArtifactCache` asking (not imported here: it imports this module)."""
    entries, view, holds, current_sha = cache._entries, cache._view, cache._holds, cache.current_sha
    new_entries, new_groups, old_groups = cache._new_entries, cache._new_groups, cache._groups
    shas, rows, new_stat, repo = cache._shas, cache._stat, cache._new_stat, cache.repo
    taken = cache.walk_stats  # the stats taken with the walk (walk_aside.py), else one lstat here per file
    stat_now = stat_reader(repo)
    size = len(view)
    groups_hold: dict[str, bool] = {}
    out: list[list[Any] | None] = []
    append = out.append
    artifact, lazy_data, pair_blobs = Artifact, LazyData, PairBlobs
    for kind, file in pairs:
        name = f"{kind}\0{file}"
        entry = entries.get(name)
        results: list[Any] | None = None
        chunks: list[bytes | memoryview] | None
        if entry is not None and kind in cacheable:
            try:
                if len(entry) == COMPACT:
                    digest, art_name, line, refs, peek, groups, off, data, lines = entry
                    # The file's digest: from its stat row when all five fields hold, as _hash answers it, without
                    # its calls (:func:`known_shas`, inlined: one loop over the 20,000 files of a warm hook run at
                    # 5,000 models, not two); else _hash itself (current_sha), exactly as before.
                    now = shas.get(file, _UNSET)
                    if now is _UNSET:
                        old = rows.get(file)
                        if type(old) is bytes and len(old) == ROW_SIZE and (
                                old[:KEY_SIZE] == taken.get(file) if taken is not None  # (walked files only)
                                else old[:KEY_SIZE] == stat_now(file)):  # (None: a file the walk did not find)
                            new_stat[file] = old
                            now = shas[file] = old[KEY_SIZE:].decode("ascii")
                        if now is _UNSET:
                            now = current_sha(file)
                    if now == digest and (not groups or all(
                            groups_hold[g] if g in groups_hold else groups_hold.setdefault(g, holds(["group", g]))
                            for g in groups)):
                        if off + data + lines > size:  # (and a non-number raises): a miss, as a slice would
                            raise ValueError("blobs outside the pack")
                        chunks = None  # the next pack takes its blobs from the view at the entry's own spans
                        blobs = pair_blobs(view, off, data, lines)  # decode_artifact's work, without its call
                        results = [artifact(kind, art_name, file, lazy_data(blobs, 0, peek), line,
                                            blobs, tuple(map(tuple, refs)) if refs else ())]  # blobs: the lines too
                else:
                    deps, items, spans = entry
                    groups = [d[1] for d in deps if d[0] == "group"]
                    if all(holds(dep) for dep in deps):
                        chunks = [view[off:off + size] for off, size in spans]
                        results = decode_results(items, Blobs(chunks))
                if results is not None:
                    for group in groups or ():
                        new_groups[group] = old_groups[group]
                    new_entries[name] = (entry, chunks)  # the blobs keep their own reference
            except (ValueError, TypeError, KeyError, IndexError, AttributeError):
                results = None
        append(results)
    return out


def run_batch(cache: Any, todo: Sequence[tuple[str, str]],
              parse_one: Callable[[tuple[str, str]], list[Any]],
              mapper: Callable[[Callable[[Any], list[Any]], Sequence[Any]], Iterable[list[Any]]]) -> list[list[Any]]:
    """Results per pair in ``todo`` order: cached ones read back, the others parsed (in parallel) and recorded.
    ``cache`` is the run's :class:`~aima_gate.pipeline.cache.ArtifactCache`, or None (not imported here: it
    imports this module).
    ``mapper`` may yield the parses as they finish (``imap_in_order``): each one's record (its blobs) is absorbed
    and let go before the next, never all of them held at once."""
    if cache is None:
        return list(mapper(parse_one, todo))
    from aima_gate.core.parallel import no_gc

    with no_gc():  # reading back builds many long-lived objects and no garbage cycles
        hits = cache.lookup_many(todo)
    misses = [pair for pair, got in zip(todo, hits, strict=True) if got is None]
    aside = parsed_aside(cache, misses)
    to_parse = [pair for pair in misses if pair not in aside] if aside else misses
    # The pack's blob check ends before anything is parsed: no worker is forked while its thread runs, and a pack
    # whose blobs fail it stops this collection before it parses what the next one (without the cache) will.
    if to_parse and not cache.blobs_hold():
        raise BlobsNotChecked("the pack's blobs are not the ones its index names")
    parsed = iter(mapper(parse_one, to_parse))
    out = []
    try:
        for pair, got in zip(todo, hits, strict=True):  # in step, not by pair: no hash of 20,000 tuples, twice
            if got is None:
                got = aside[pair] if pair in aside else next(parsed)
                if got and isinstance(got[-1], Record):
                    cache.absorb(pair[0], pair[1], got[-1])
                    got = got[:-1]
            out.append(got)
    finally:
        # The parses end (and their workers are stopped) here, after the last one or when absorbing one failed:
        # not when the iterator is collected, which an error's traceback can put off to the process's end.
        close = getattr(parsed, "close", None)
        if close is not None:
            close()
    return out


def parsed_aside(cache: Any, misses: Sequence[tuple[str, str]]) -> dict[tuple[str, str], list[Any]]:
    """The misses the walk's child parsed (walk_aside.NamedParses) whose every dependency holds now, each as
    ``parse_one`` returns it (its results, then its :class:`Record`): decoded from the record exactly as an entry
    read back is, so that the run sees what the next run will read back. The child is waited for only when a miss
    is among the files it was given; a record that does not hold or decode is parsed again here."""
    aside = cache.aside
    if aside is None or aside.parses is None or not any(file in aside.parses.files for _, file in misses):
        return {}
    records = aside.parsed()
    out: dict[tuple[str, str], list[Any]] = {}
    for pair in misses:
        record = records.get(pair)
        if record is None:
            continue
        try:
            if all(group_holds(cache._holds, record.groups[dep[1]]) if dep[0] == "group" else cache._holds(dep)
                   for dep in record.deps):
                out[pair] = [*decode_results(record.items, Blobs(record.blobs)), record]
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            continue
    return out


def group_holds(holds: Callable[[Any], bool], group: Any) -> bool:
    """Whether a group of dependencies (:meth:`RecordingRepo.shared`: plain ones only, never another group) holds,
    each asked of ``holds``: a pack's own group, or one a record made aside brings."""
    return type(group) is list and all(type(d) is list and d and d[0] != "group" and holds(d) for d in group)
