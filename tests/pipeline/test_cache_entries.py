"""A pack's index entries (pipeline/cache_entries.py): the compact form stands for exactly the general entry it
replaces, only an entry of that one shape is made compact, and a pack's compact entries read back as parsed."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from aima_gate.core.clock import Clock
from aima_gate.core.model import Artifact
from aima_gate.core.parallel import can_fork
from aima_gate.pipeline import cache as cache_mod
from aima_gate.pipeline.cache_entries import COMPACT, expand, stored, with_spans
from aima_gate.pipeline.runner import collect, load_config
from aima_gate.safeio.repo import Repo
from tests.conftest import EXAMPLES, TODAY
from tests.pipeline.stat_rows import PLANTED, row

NAME = "bias_report\0reports/m-bias.json"
READ = ["read", "reports/m-bias.json", "ab" * 32]
ITEM = ["a", "bias_report", "m@1", "reports/m-bias.json", 3, [["model", "registry/m.yml", "/model"]], None]


@pytest.mark.parametrize("groups", [[], ["g1"], ["g1", "g2"]])
def test_a_compact_entry_stands_for_the_general_entry(groups: list[str]) -> None:
    deps = [READ, *(["group", g] for g in groups)]
    entry = stored(NAME, deps, [ITEM], 2)
    assert len(entry) == COMPACT
    assert expand(NAME, with_spans(NAME, entry, [[10, 20], [30, 5]])) == (deps, [ITEM], [[10, 20], [30, 5]])
    apart = with_spans(NAME, entry, [[10, 20], [40, 5]])  # blobs not one after the other: the general form
    assert len(apart) == 3 and expand(NAME, apart) == (deps, [ITEM], [[10, 20], [40, 5]])


@pytest.mark.parametrize("deps, items, blobs", [
    ([READ], [ITEM], 1),  # one blob
    ([READ], [ITEM], 3),  # three
    ([READ], [ITEM, ITEM], 4),  # two results
    ([READ], [["e", "ArtifactError", "bad", "reports/m-bias.json", 1, "", None]], 0),  # an error
    ([["read", "other.json", "ab" * 32]], [ITEM], 2),  # another file read first
    ([["group", "g"], READ], [ITEM], 2),  # the read not first
    ([READ, ["exists", "x", True]], [ITEM], 2),  # another kind of dependency
    ([READ], [["a", "model", *ITEM[2:]]], 2),  # another kind than the entry's
    ([READ], [[*ITEM[:3], "elsewhere.json", *ITEM[4:]]], 2),  # another file than the entry's
    ([], [ITEM], 2),  # no dependency
])
def test_any_other_entry_stays_general(deps: list[Any], items: list[Any], blobs: int) -> None:
    spans = [[k, 1] for k in range(blobs)]
    entry = with_spans(NAME, stored(NAME, deps, items, blobs), spans)
    assert len(entry) == 3
    assert expand(NAME, entry) == (deps, items, spans)


def _filled(tmp_path: Path) -> tuple[cache_mod.ArtifactCache, list[Artifact]]:
    """A pack of the credit-scoring example (every cacheable kind collected once), opened again, and what the
    collection parsed."""
    example = Path(shutil.copytree(EXAMPLES / "credit-scoring", tmp_path / "repo"))
    config = load_config(example, None)
    kinds = sorted(cache_mod.CACHEABLE_KINDS)
    cache = cache_mod.ArtifactCache.open(tmp_path / "cache", Repo(example), ["test"])
    assert cache is not None
    try:
        parsed, _ = collect(cache.repo, config, kinds, Clock.at(TODAY), {}, cache=cache)
    finally:
        cache.save()
    cache = cache_mod.ArtifactCache.open(tmp_path / "cache", Repo(example), ["test"])
    assert cache is not None
    return cache, parsed


def test_compact_entries_of_a_real_pack_read_back_as_parsed(tmp_path: Path) -> None:
    cache, parsed = _filled(tmp_path)
    try:
        compact = [name for name, entry in cache._entries.items() if len(entry) == COMPACT]
        assert compact and len(compact) < len(cache._entries)  # both forms in one pack
        pairs = [(kind, file) for kind, _, file in (name.partition("\0") for name in compact)]
        got = cache.lookup_many(pairs)
        by_key = {(a.kind, a.file): a for a in parsed}
        for (kind, file), results in zip(pairs, got, strict=True):
            assert results is not None and len(results) == 1
            (art,) = results
            want = by_key[(kind, file)]
            assert (art.name, art.line, art.references, dict(art.data), art.line_of("/name")) == \
                   (want.name, want.line, want.references, dict(want.data), want.line_of("/name"))
    finally:
        cache.save()


@pytest.mark.parametrize("spans", [(10**9, 5, 5), (0, 10**9, 0), ("0", 5, 5), (0, None, 5)])
def test_a_compact_entry_whose_blobs_are_not_in_the_pack_is_a_miss(spans: tuple[Any, Any, Any],
                                                                   tmp_path: Path) -> None:
    """Spans outside the pack, or not numbers (never written by this writer; an authenticated pack holds only
    what it wrote), make the entry a miss at lookup, never a blob that fails when it is decoded later."""
    cache, _ = _filled(tmp_path)
    try:
        name = next(name for name, entry in cache._entries.items() if len(entry) == COMPACT)
        kind, _, file = name.partition("\0")
        assert cache.lookup_many([(kind, file)])[0] is not None
        cache._entries[name] = [*cache._entries[name][:6], *spans]
        cache._new_entries.clear()
        assert cache.lookup_many([(kind, file)]) == [None]
    finally:
        cache.save()


def test_known_shas_answers_as_hash_and_leaves_the_rest_to_it(tmp_path: Path) -> None:
    """``known_shas`` (the batched stat check of a lookup) fills a file's digest only from a stat row matching in
    every field, as ``_hash`` would; every other file (a row one field off, no row, a file made after the walk, a
    link, a missing one) is left for ``_hash`` to answer, and the answers are the same as without the batch."""
    import hashlib

    from aima_gate.pipeline.cache_entries import known_shas

    example = Path(shutil.copytree(EXAMPLES / "credit-scoring", tmp_path / "repo"))
    repo = Repo(example)
    files = repo.files()
    (example / "late.md").write_text("created after the walk\n", encoding="utf-8")
    (example / "link.md").symlink_to("README.md")
    names = [*files, "late.md", "link.md", "missing.md"]
    answers = []
    for batched in (False, True):
        cache = cache_mod.ArtifactCache.open(tmp_path / f"cache-{batched}", repo, ["test"])
        assert cache is not None
        try:
            for n, rel in enumerate([*files, "late.md", "link.md"]):
                st = (example / rel).lstat()
                if n % 3 != 2:  # else no row at all; n % 3 == 1: one field off, not trusted
                    cache._stat[rel] = row(st, off=n % 5 if n % 3 == 1 else None)
            if batched:
                known_shas(cache, names)
                trusted = {rel for rel, digest in cache._shas.items() if digest == PLANTED}
                assert set(cache._shas) == trusted == {rel for n, rel in enumerate(files) if n % 3 == 0}
                assert set(cache._new_stat) == trusted
            answers.append([cache.current_sha(rel) for rel in names])
            real = [hashlib.sha256((example / rel).read_bytes()).hexdigest() for rel in files]
            assert [a for a in answers[-1][:len(files)] if a != PLANTED] == [
                d for n, d in enumerate(real) if n % 3 != 0]
        finally:
            cache.save()
    assert answers[0] == answers[1]


def test_lookup_checks_stat_rows_as_known_shas_did_before_it(tmp_path: Path) -> None:
    """``lookup_many`` checks each compact entry's stat row in its own loop (known_shas inlined); held to the way
    before, ``known_shas`` over the files asked first and the lookup after: the same hits and misses, the same
    digests trusted and the same stat rows kept for the next pack, whatever rows the pack holds (one field off,
    none, a file changed, a link, a file gone)."""
    import os

    example = Path(shutil.copytree(EXAMPLES / "credit-scoring", tmp_path / "repo"))
    config = load_config(example, None)
    repo = Repo(example)
    cache = cache_mod.ArtifactCache.open(tmp_path / "cache", repo, ["test"])
    assert cache is not None
    try:
        collect(repo, config, sorted(cache_mod.CACHEABLE_KINDS), Clock.at(TODAY), {}, cache=cache)
    finally:
        cache.save()
    shutil.copytree(tmp_path / "cache", tmp_path / "cache-before")
    files = sorted({name.partition("\0")[2] for name in cache._entries} | set(repo.files()))
    changed = [f for f in files if f.endswith(".md")][:1]
    for rel in changed:
        with (example / rel).open("a", encoding="utf-8") as fh:
            fh.write("\nchanged after the pack\n")
    gone = [f for f in files if f.endswith(".json")][:1]
    for rel in gone:
        (example / rel).unlink()
    seen = []
    for folder, before in (("cache-before", True), ("cache", False)):
        repo = Repo(example)
        repo.files()
        cache = cache_mod.ArtifactCache.open(tmp_path / folder, repo, ["test"])
        assert cache is not None and cache._entries
        try:
            for n, rel in enumerate(files):
                if rel in gone:
                    cache._stat[rel] = row((0, 0, 0, 0, 0))
                    continue
                st = os.lstat(example / rel)
                if n % 4 != 2:  # else no row at all; n % 4 == 1: one field off, not trusted
                    cache._stat[rel] = row(st, off=n % 5 if n % 4 == 1 else None)
            for name, entry in cache._entries.items():  # the planted digest is the one a compact entry holds
                if len(entry) == COMPACT and name.partition("\0")[2] in cache._stat:
                    entry[0] = PLANTED
            pairs = [(kind, file) for kind, _, file in (name.partition("\0") for name in sorted(cache._entries))]
            if before:
                from aima_gate.pipeline.cache_entries import known_shas

                known_shas(cache, [file for kind, file in pairs if kind in cache_mod.CACHEABLE_KINDS])
            got = cache.lookup_many(pairs)
            seen.append(([None if r is None else [(a.kind, a.name, a.file, a.line, a.references) for a in r]
                          for r in got], dict(cache._shas), dict(cache._new_stat)))
        finally:
            cache._writer.discard()  # nothing written: the next variant reads the same pack
            os.close(cache._fd)
    assert seen[0] == seen[1]
    hits = [r for r in seen[1][0] if r is not None]
    assert hits and len(hits) < len(seen[1][0])  # both hits and misses


def _record_of(item: tuple[str, str]) -> list[Any]:
    from aima_gate.pipeline.cache_recording import Record

    return [item[1], Record(deps=(), stats={}, items=None, blobs=[], groups={})]


class _FailingCache:
    """A cache with nothing in it whose absorbing fails on the 100th parse (a full disk under the pack, say)."""

    aside = None

    def __init__(self) -> None:
        self.absorbed = 0

    def lookup_many(self, todo: Any) -> list[None]:
        return [None] * len(todo)

    def blobs_hold(self) -> bool:
        return True

    def absorb(self, kind: str, file: str, record: Any) -> None:
        self.absorbed += 1
        if self.absorbed == 100:
            raise OSError(28, "No space left on device")


@pytest.mark.skipif(not can_fork(), reason="needs fork")
def test_a_failed_absorb_stops_the_parse_workers_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The error leaves run_batch with the parses closed: their forked workers are stopped and reaped then, not
    when the iterator is collected (which the error's traceback can put off until the process ends)."""
    import os

    from aima_gate.core.parallel import imap_in_order
    from aima_gate.pipeline.cache_entries import run_batch

    def children() -> set[str]:
        return set(Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split())

    monkeypatch.setenv("AIMA_GATE_JOBS", "2")
    before = children()
    todo = [("model_card", f"cards/{n}.md") for n in range(2000)]
    with pytest.raises(OSError, match="No space left") as failed:
        run_batch(_FailingCache(), todo, _record_of, lambda task, items: imap_in_order(task, items))
    assert failed.value.__traceback__ is not None  # (the traceback, and its frames, are still alive here)
    assert children() == before
