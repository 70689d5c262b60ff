"""The next pack's stat rows (pipeline/cache.py): rows of files hashed this run are kept as one buffer of marshal
pairs, not one object per file, and read back as the rows a dict would have held; once the cache is saved, the
recording's per-run memos (its copy of the walk, the shared computations) are dropped."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from aima_gate.core.clock import Clock
from aima_gate.pipeline import cache as cache_mod
from aima_gate.pipeline import cache_recording
from aima_gate.pipeline.cache_recording import KEY_SIZE
from aima_gate.pipeline.runner import collect, load_config
from aima_gate.safeio.repo import Repo
from tests.conftest import EXAMPLES, TODAY
from tests.pipeline.stat_rows import row as stat_row


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLES / "credit-scoring", tmp_path / "repo"))


def _open(example: Path, tmp_path: Path) -> cache_mod.ArtifactCache:
    cache = cache_mod.ArtifactCache.open(tmp_path / "cache", Repo(example), ["test"])
    assert cache is not None
    cache._started += 10 * cache_mod.RACY_NS  # the copied files count as older than the run (never racily clean)
    return cache


def test_rows_remembered_as_one_buffer_read_back_as_the_stat_index(example: Path, tmp_path: Path) -> None:
    cache = _open(example, tmp_path)
    try:
        collect(cache.repo, load_config(example, None), sorted(cache_mod.CACHEABLE_KINDS), Clock.at(TODAY), {},
                cache=cache)
        assert cache._remembered and not cache._new_stat  # no object per row
    finally:
        cache.save()
    assert not cache._remembered
    back = _open(example, tmp_path)
    try:
        assert back._stat
        for rel, row in back._stat.items():
            st = (example / rel).lstat()
            digest = hashlib.sha256((example / rel).read_bytes()).hexdigest()
            assert row == stat_row(st, digest), rel
        assert all(back.current_sha(rel) == row[-64:].decode() for rel, row in back._stat.items())
    finally:
        back.save()


def test_a_path_read_back_and_remembered_keeps_one_row_each_path_once(example: Path, tmp_path: Path) -> None:
    cache = _open(example, tmp_path)
    try:
        cache._new_stat["a.yml"] = stat_row((1, 2, 3, 4, 5), "0" * 64)
        cache._remember("a.yml", stat_row((1, 2, 3, 4, 6), "")[:KEY_SIZE], "1" * 64)
        cache._remember("b.yml", stat_row((1, 7, 3, 4, 5), "")[:KEY_SIZE], "2" * 64)
    finally:
        cache.save()
    back = _open(example, tmp_path)
    try:
        assert back._stat == {"a.yml": stat_row((1, 2, 3, 4, 5), "0" * 64),
                              "b.yml": stat_row((1, 7, 3, 4, 5), "2" * 64)}
        assert list(back._stat) == ["a.yml", "b.yml"]
    finally:
        back.save()


def test_save_drops_the_per_run_memos_of_the_recording(example: Path, tmp_path: Path) -> None:
    cache = _open(example, tmp_path)
    repo = cache.repo
    try:
        collect(repo, load_config(example, None), sorted(cache_mod.CACHEABLE_KINDS), Clock.at(TODAY), {},
                cache=cache)
        assert repo in cache_recording._WALKED
    finally:
        cache.save()
    assert repo not in cache_recording._WALKED and repo not in cache_recording._SHARED
    assert cache._file_stat is None
