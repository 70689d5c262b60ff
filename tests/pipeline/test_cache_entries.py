"""A pack's index entries (pipeline/cache_entries.py): the compact form stands for exactly the general entry it
replaces, only an entry of that one shape is made compact, and a pack's compact entries read back as parsed."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from aima_gate.core.clock import Clock
from aima_gate.pipeline import cache as cache_mod
from aima_gate.pipeline.cache_entries import COMPACT, expand, stored, with_spans
from aima_gate.pipeline.runner import collect, load_config
from aima_gate.safeio.repo import Repo
from tests.conftest import EXAMPLES, TODAY

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


def test_compact_entries_of_a_real_pack_read_back_as_parsed(tmp_path: Path) -> None:
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
