"""The artifact cache's read-back path (pipeline/cache.py lookup, cache_codec.py LazyData): a file's stat row
is trusted only when every field matches, a group dependency is checked once per run, and cached data copies
exactly as the decoded dict."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest

from aima_gate.core.clock import Clock
from aima_gate.core.model import Artifact
from aima_gate.pipeline import cache as cache_mod
from aima_gate.pipeline.cache_blobs import Blobs
from aima_gate.pipeline.cache_codec import decode_results, encode_results, materialized
from aima_gate.pipeline.cache_entries import expand
from aima_gate.safeio.repo import Repo
from tests.conftest import EXAMPLES, TODAY
from tests.pipeline.stat_rows import PLANTED, row
from tests.spies import record_first_args


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLES / "credit-scoring", tmp_path / "repo"))


def test_cached_data_copies_exactly_as_the_decoded_dict() -> None:
    data: dict[str, Any] = {"name": "m", "source": "file", "found_by": [1], "nested": {"a": [1, 2]}, "z": None}
    items, blobs = encode_results([Artifact("model", "m@1", "registry/models.yml", data)])
    (art,) = decode_results(items, Blobs(blobs))
    assert list(art.data.items()) == list(data.items())
    assert dict(art.data.items()) == {**art.data} == materialized(art).data == data
    assert list(dict(art.data.items())) == list(data)  # same key order


def _open(example: Path, tmp_path: Path) -> cache_mod.ArtifactCache:
    cache = cache_mod.ArtifactCache.open(tmp_path / "cache", Repo(example), ["test"])
    assert cache is not None
    return cache


@pytest.mark.parametrize("field", range(5))
def test_a_stat_row_differing_in_any_field_is_not_trusted(example: Path, tmp_path: Path, field: int) -> None:
    rel = "registry/models.yml"
    real = hashlib.sha256((example / rel).read_bytes()).hexdigest()
    cache = _open(example, tmp_path)
    try:
        st = (example / rel).lstat()
        cache._stat = {rel: row(st)}
        assert cache._hash(rel) == PLANTED  # every field matches: the stored digest stands
        cache._stat = {rel: row(st, off=field)}
        assert cache._hash(rel) != PLANTED  # one field differs: the file is read and hashed again
        assert real in (cache._hash(rel) or "")  # (the digest format is the cache's own)
    finally:
        cache.save()


def test_a_group_dependency_is_checked_once_per_run(example: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    cache = _open(example, tmp_path)
    try:
        cache._groups = {"g": [["exists", "registry/models.yml", True]]}
        checks = record_first_args(monkeypatch, cache, "_check")
        assert all(cache._holds(["group", "g"]) for _ in range(3))
        inner = ["exists", "registry/models.yml", True]
        assert checks == [["group", "g"], inner]  # the group and what it holds, each once
        assert not cache._holds(["group", "other"])
        assert not cache._holds(["glob", ["x"], "y"])
        assert not cache._holds(["glob", ["x"], "y"])
        assert checks == [["group", "g"], inner, ["group", "other"], ["glob", ["x"], "y"]]
    finally:
        cache.save()


def test_materialized_keeps_every_other_field() -> None:
    from dataclasses import fields

    from aima_gate.core.model import LineIndex

    data: dict[str, Any] = {"name": "m", "model_card": "../cards/m.md"}
    art = Artifact("model", "m@1", "registry/models.yml", data, 7, LineIndex({"/name": 8}),
                   (("model_card", "cards/m.md", "/model_card"),))
    items, blobs = encode_results([art])
    (back,) = decode_results(items, Blobs(blobs))
    plain = materialized(back)
    assert type(plain.data) is dict and plain.data == data
    for f in fields(Artifact):
        if f.name not in ("data", "lines"):
            assert getattr(plain, f.name) == getattr(art, f.name), f.name
    assert plain.lines is back.lines and plain.line_of("/name") == 8 and plain.line_of("/x") == 7
    assert materialized(plain) is plain


def test_a_warm_run_answers_every_glob_from_the_pack(example: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """External sources (model discovery, manifests, scanner reports) glob the repository too: with the cache
    open, ``Repo.glob`` is answered from the globs kept per file listing, the same lists, and a new file is seen."""
    from aima_gate.core.clock import Clock
    from aima_gate.pipeline.runner import RunOptions, run_check
    from aima_gate.reporters import get_renderer
    from aima_gate.safeio import repo as repo_mod
    from tests.conftest import TODAY

    def render(cache_dir: Path | None) -> str:
        return get_renderer("json")(run_check(RunOptions(root=example, clock=Clock.at(TODAY), cache_dir=cache_dir)))

    plain = render(None)
    assert render(tmp_path / "cache") == plain
    calls: list[Any] = []
    real = repo_mod.glob_filter

    def spy(paths: Any, patterns: Any) -> list[str]:
        calls.append(patterns)
        return real(paths, patterns)

    monkeypatch.setattr(repo_mod, "glob_filter", spy)
    monkeypatch.setattr(cache_mod, "glob_filter", spy)
    assert render(tmp_path / "cache") == plain
    assert calls == []
    (example / "pip-audit.json").write_text("[]", encoding="utf-8")  # a new file: a new listing, globbed again
    monkeypatch.setattr(repo_mod, "glob_filter", real)
    monkeypatch.setattr(cache_mod, "glob_filter", real)
    assert render(tmp_path / "cache") == render(None)
    repo = Repo(example)
    cache = _open(example, tmp_path)
    try:
        assert repo.glob_memo is None and cache.repo.glob_memo is not None
    finally:
        cache.save()
    assert cache.repo.glob_memo is None



def _filled(example: Path, tmp_path: Path) -> None:
    """One run's worth of entries in the pack ``_open`` opens (every kind the runner collects for this example)."""
    from aima_gate.core.clock import Clock
    from aima_gate.pipeline.runner import collect, load_config
    from tests.conftest import TODAY

    cache = _open(example, tmp_path)
    try:
        collect(cache.repo, load_config(example, None), sorted(cache_mod.CACHEABLE_KINDS), Clock.at(TODAY), {},
                cache=cache)
    finally:
        cache.save()


@pytest.mark.parametrize("compact", [False, True])
@pytest.mark.parametrize("field", [None, *range(5)])
def test_the_batched_lookup_trusts_a_stat_row_only_when_every_field_matches(example: Path, tmp_path: Path,
                                                                            field: int | None,
                                                                            compact: bool) -> None:
    """``lookup_many`` checks the usual dependency (a file whose stat row holds) inline: the same rule as
    ``_hash``. A planted digest in a row matching in every field is believed (so the entry, recorded with the
    real digest, misses); one field off and the file is hashed again (the real digest: a hit)."""
    _filled(example, tmp_path)
    cache = _open(example, tmp_path)
    try:
        pairs = [(kind, file) for kind, file in (name.split("\0", 1) for name in cache._entries)]
        from aima_gate.pipeline.cache_entries import COMPACT

        # An entry of either form (cache_entries.py): a file of several artifacts, or a file of one.
        rel = next(file for kind, file in pairs if (len(cache._entries[f"{kind}\0{file}"]) == COMPACT) is compact)
        st = (example / rel).lstat()
        cache._stat[rel] = row(st, off=field)
        got = cache.lookup_many([*pairs, ("model", "nowhere.yml")])
        assert got[-1] is None
        for (kind, file), results in zip(pairs, got, strict=False):
            deps, _items, _spans = expand(f"{kind}\0{file}", cache._entries[f"{kind}\0{file}"])
            reads_rel = any(d[0] == "read" and d[1] == rel for d in deps)
            assert (results is None) == (reads_rel and field is None), (kind, file)
        assert cache.current_sha(rel) == (PLANTED if field is None else
                                          hashlib.sha256((example / rel).read_bytes()).hexdigest())
    finally:
        cache.save()


def test_lookup_answers_as_the_batched_lookup(example: Path, tmp_path: Path) -> None:
    _filled(example, tmp_path)
    caches = [_open(example, tmp_path) for _ in range(2)]
    try:
        pairs = [(kind, file) for kind, file in (name.split("\0", 1) for name in caches[0]._entries)]
        assert pairs
        one = [caches[0].lookup(kind, file) for kind, file in pairs]
        many = caches[1].lookup_many(pairs)
        assert all(rs is not None for rs in one)

        def seen(results: list[Any] | None) -> list[Any]:
            return [(type(r), r.kind, r.name, r.file, dict(r.data), r.line, r.references, r.line_of("/name"))
                    if isinstance(r, Artifact) else (type(r), vars(r)) for r in results or ()]

        assert [seen(rs) for rs in one] == [seen(rs) for rs in many]
    finally:
        for cache in caches:
            cache.save()



def test_save_releases_the_index_and_blobs_and_the_warm_run_still_reports_the_same(
        example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run keeps its cache object until it ends: once the pack is written, its index and the next pack's
    blobs are dropped, and artifacts read back lazily still decode from their own views of the pack."""
    from click.testing import CliRunner

    from aima_gate.cli.main import main

    saved = record_first_args(monkeypatch, cache_mod.ArtifactCache, "save")
    args = ["check", str(example), "--format", "json", "--findings", "all", "--cache-dir", str(tmp_path / "c")]
    cold, warm = (CliRunner().invoke(main, args) for _ in range(2))
    assert cold.output == warm.output and cold.exit_code == warm.exit_code
    assert len(saved) == 2
    for cache in saved:
        assert not (cache._entries or cache._new_entries or cache._stat or cache._new_stat or cache._globs)
        assert not len(cache._view)


def test_the_bound_stat_reader_answers_as_file_stat(example: Path, tmp_path: Path) -> None:
    """ArtifactCache._hash asks stat_reader (the walk and root bound once) what file_stat answers: the identity of
    a regular file the walk found, None for anything else (a missing file, one the walk did not find, a link)."""
    from aima_gate.pipeline.cache_recording import file_stat, stat_reader

    repo = Repo(example)
    files = repo.files()
    (example / "late.md").write_text("created after the walk\n", encoding="utf-8")
    (example / "link.md").symlink_to("README.md")
    read = stat_reader(repo)
    names = [*files, "late.md", "link.md", "missing.md", "../outside.md", "registry"]
    assert [read(n) for n in names] == [file_stat(repo, n) for n in names]
    assert all(read(n) is not None for n in files)
    assert [read(n) for n in names[len(files):]] == [None] * 5


def test_a_hook_run_sets_its_index_and_artifacts_aside_and_the_next_run_frees_them(example: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A hook run (files named) lets its index go without freeing it entry by entry: it is set aside, one run's
    at most, and the next run's close frees it; a full run frees its own. Either reports as without the cache."""
    from dataclasses import replace

    from aima_gate.core.kept import kept
    from aima_gate.pipeline.runner import ARTIFACTS, RunOptions, run_check
    from aima_gate.reporters import get_renderer

    card = next((example / "cards").glob("*.md"))
    plain = RunOptions(root=example, clock=Clock.at(TODAY), changed_files=frozenset({str(card.relative_to(example))}))
    cached = replace(plain, cache_dir=tmp_path / "cache")
    render = get_renderer("json")
    run_check(replace(cached, changed_files=None))
    assert kept(cache_mod.INDEX) is None and kept(ARTIFACTS) is None
    saved = record_first_args(monkeypatch, cache_mod.ArtifactCache, "save")
    assert render(run_check(cached)) == render(run_check(plain))
    aside = kept(cache_mod.INDEX)
    assert isinstance(aside, tuple) and kept(ARTIFACTS)
    entries, read_back = aside[1], aside[3]
    assert entries and read_back  # the index read back, kept whole (no stat rows: the copied files are racy)
    assert not (saved[0]._entries or saved[0]._stat)  # the cache itself holds none of it
    assert render(run_check(replace(cached, changed_files=None))) == render(run_check(replace(plain,
                                                                                              changed_files=None)))
    assert kept(cache_mod.INDEX) is None and kept(ARTIFACTS) is None  # freed by the next run (a full one)
