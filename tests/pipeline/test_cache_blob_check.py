"""A pack's blobs are checked against the SHA-256 its authenticated index names, on a thread, before any blob byte
is handed out (cache_blobs.CheckedView); a pack whose blobs fail the check is removed and the run collects again
without it (runner._collected): reports as without the cache, and no byte of it decoded."""

from __future__ import annotations

import hashlib
import marshal
import shutil
from pathlib import Path
from typing import Any

import pytest

from aima_gate.pipeline import cache as cache_mod
from aima_gate.pipeline.cache_blobs import BlobsNotChecked, CheckedView, PairBlobs
from aima_gate.pipeline.cache_writer import authenticated
from tests.conftest import EXAMPLES
from tests.pipeline.test_cache import packs, render


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLES / "credit-scoring", tmp_path / "repo"))


def test_no_byte_before_the_check_holds_and_none_after_it_fails() -> None:
    data = marshal.dumps({"a": 1}) + marshal.dumps({"t": {}, "p": ""})
    good = CheckedView(memoryview(data), memoryview(data), hashlib.sha256(data).digest())
    assert good.holds() and bytes(good[0:3]) == data[0:3] and len(good) == len(data)
    assert PairBlobs(good, 0, len(marshal.dumps({"a": 1})), 0).get(0) == {"a": 1}
    bad = CheckedView(memoryview(data), memoryview(data), hashlib.sha256(b"other").digest())
    with pytest.raises(BlobsNotChecked):
        bad[0:3]
    with pytest.raises(BlobsNotChecked):
        PairBlobs(bad, 0, len(marshal.dumps({"a": 1})), 0).get(0)
    assert not bad.holds()
    assert CheckedView(memoryview(b"")).holds()  # no pack: nothing to check


def _flip_a_blob(cache_dir: Path) -> None:
    """One byte of the pack's blob region changed, its index and tag left whole (they still authenticate)."""
    (pack,) = packs(cache_dir)
    key = (cache_dir / "key").read_bytes()
    data = bytearray(pack.read_bytes())
    magic = cache_mod.MAGIC
    layout = authenticated(key, memoryview(bytes(data)), magic)
    assert layout is not None and len(layout[1]) > 10
    data[len(magic) + len(layout[1]) // 2] ^= 0x01
    assert authenticated(key, memoryview(bytes(data)), magic) is not None  # the index still authenticates
    pack.write_bytes(bytes(data))


@pytest.mark.parametrize("changed", [None, frozenset({"cards/credit-scorer.md"})], ids=["full", "hook"])
def test_a_pack_whose_blobs_fail_is_removed_and_the_run_collects_without_it(
        changed: frozenset[str] | None, example: Path, tmp_path: Path, parses: list[str]) -> None:
    cache_dir = tmp_path / "cache"
    plain = render(example, None, changed)
    parsed_plain = sorted(parses)
    render(example, cache_dir)
    _flip_a_blob(cache_dir)
    parses.clear()
    assert render(example, cache_dir, changed) == plain
    assert sorted(parses) == parsed_plain  # collected again without the pack, nothing parsed twice
    assert packs(cache_dir) == []  # removed: the next run makes a new one
    render(example, cache_dir)
    parses.clear()
    assert render(example, cache_dir, changed) == plain
    assert len(parses) < len(parsed_plain)  # read back from the new pack


def test_a_blob_read_during_collection_from_a_failed_pack_stops_it(example: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A collector that reads a read-back artifact's data while collecting (before the run's own check) gets an
    error, never the bytes; the run collects again without the pack."""
    cache_dir = tmp_path / "cache"
    plain = render(example, None)
    render(example, cache_dir)
    _flip_a_blob(cache_dir)
    real = cache_mod.ArtifactCache.lookup_many
    decoded: list[Any] = []

    def decoding(self: cache_mod.ArtifactCache, pairs: Any) -> Any:
        out = real(self, pairs)
        for results in out:
            for item in results or ():
                decoded.append(item)
                dict(item.data)  # a decode, as a collector reading any key outside the peek would
        return out

    monkeypatch.setattr(cache_mod.ArtifactCache, "lookup_many", decoding)
    assert render(example, cache_dir) == plain
    assert decoded  # the decode was tried (and raised): the run went on without the pack
    assert packs(cache_dir) == []


def test_a_hook_run_that_parses_nothing_checks_the_blobs_before_it_evaluates(tmp_path: Path,
                                                                              parses: list[str]) -> None:
    """In a repository of cacheable kinds only, a hook run reads everything back and parses nothing (so nothing
    makes collection wait for the check): the check at the end of collection still finds the failed pack."""
    root = tmp_path / "repo"
    for part in ("cards", "reports"):
        shutil.copytree(EXAMPLES / "credit-scoring" / part, root / part)
    registry = (EXAMPLES / "credit-scoring" / "registry" / "models.yml").read_text(encoding="utf-8")
    (root / "registry").mkdir()  # the entry without the references to kinds that are not cached (signatures...)
    kept = [line for line in registry.splitlines() if not line.lstrip().startswith(("threat_model:", "artifacts:",
                                                                                       "manifest:"))]
    (root / "registry" / "models.yml").write_text("\n".join(kept) + "\n", encoding="utf-8")
    cache_dir, changed = tmp_path / "cache", frozenset({"cards/credit-scorer.md"})
    plain = render(root, None, changed)
    render(root, cache_dir)
    parses.clear()
    assert render(root, cache_dir, changed) == plain and parses == []  # everything read back
    _flip_a_blob(cache_dir)
    assert render(root, cache_dir, changed) == plain
    assert packs(cache_dir) == []
