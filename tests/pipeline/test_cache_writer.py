"""The artifact cache's pack writer (pipeline/cache_writer.py): blobs go to the pack's temporary file as each parse
is absorbed, the index is written last in pieces, the tag authenticates the whole file, and the pack appears only
when whole: a pack cut anywhere is ignored, and a failed write leaves neither a pack nor a temporary file."""

from __future__ import annotations

import hashlib
import marshal
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from aima_gate.core.clock import Clock
from aima_gate.pipeline import cache as cache_mod
from aima_gate.pipeline import cache_writer
from aima_gate.pipeline.cache_writer import BATCH, PackWriter, as_json, authenticated, dict_pieces, read_layout
from aima_gate.pipeline.runner import RunOptions, run_check
from aima_gate.reporters import get_renderer
from aima_gate.safeio.repo import Repo
from tests.conftest import EXAMPLES, TODAY


def render(root: Path, cache_dir: Path | None) -> str:
    report = run_check(RunOptions(root=root, clock=Clock.at(TODAY), cache_dir=cache_dir))
    return "\n".join(get_renderer(fmt)(report) for fmt in ("json", "text"))


def files(cache_dir: Path) -> list[str]:
    return sorted(p.name for p in (cache_dir / "packs").iterdir())


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLES / "credit-scoring", tmp_path / "repo"))


@pytest.mark.parametrize("size", [0, 1, BATCH, 2 * BATCH + 3])
def test_dict_pieces_join_into_the_marshal_of_the_whole_dict(size: int) -> None:
    value: dict[str, Any] = {f"k{n}": [n, "é", (n, "t"), {"a": n, "b": [None, True, 1.5]}] for n in range(size)}
    whole = marshal.dumps(as_json(value), 2)
    assert b"".join(dict_pieces(value)) == whole
    assert b"".join(dict_pieces(as_json(value), to_json=False)) == whole
    # bytes values (a pack's stat rows) are values like any other, not marshal bytes
    rows = {k: f"row {n}".encode() for n, k in enumerate(value)}
    assert b"".join(dict_pieces(rows, to_json=False)) == marshal.dumps(rows, 2)


@pytest.mark.parametrize("flush", [cache_writer.FLUSH, 4])
def test_a_pack_written_in_pieces_reads_back_equal(flush: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_writer, "FLUSH", flush)  # 4: written to the file piece by piece as it goes
    folder = tmp_path / "packs"
    folder.mkdir(mode=0o700)
    fd = os.open(folder, os.O_RDONLY)
    key = b"k" * 32
    try:
        writer = PackWriter(fd, key, b"magic\n")
        chunks: list[bytes | memoryview] = [b"one", b"", memoryview(b"three"), b"x" * 70_000]
        spans = [*(writer.add(chunks[:2]) or []), *(writer.add(chunks[2:]) or [])]
        assert spans == [[0, 3], [3, 0], [3, 5], [8, 70_000]]
        index: dict[str, Any] = {"entries": {"a": [1, 2], "b": "c"}, "n": 3}
        assert writer.finish([b"{", *(marshal.dumps(k, 2) + marshal.dumps(v, 2) for k, v in index.items()), b"0"],
                             "p.pack")
        writer.discard()  # after a finish: nothing to remove, the pack stays
        assert sorted(os.listdir(fd)) == ["p.pack"]
    finally:
        os.close(fd)
    data = (folder / "p.pack").read_bytes()
    layout = authenticated(key, memoryview(data), b"magic\n")
    assert layout is not None and layout == read_layout(memoryview(data)[:-32], b"magic\n")
    assert marshal.loads(layout[0]) == index
    blobs = bytes(layout[1])
    assert [blobs[off:off + n] for off, n in spans] == [bytes(c) for c in chunks]
    assert layout[2] == hashlib.sha256(blobs).digest()  # the blobs' digest, which the tag signs
    # The tag signs the magic, the index, the blobs' digest and the index's size: any of them changed fails it.
    for at in (0, len(data) - 32 - 40 - 1, len(data) - 40, len(data) - 33):
        assert authenticated(key, memoryview(data[:at] + bytes([data[at] ^ 1]) + data[at + 1:]), b"magic\n") is None
    assert authenticated(b"other" * 8, memoryview(data), b"magic\n") is None


def test_a_cold_run_streams_its_blobs_and_the_warm_run_reads_everything_back(
        example: Path, tmp_path: Path, parses: list[str]) -> None:
    cache_dir = tmp_path / "cache"
    plain = render(example, None)
    parsed = len(parses)
    parses.clear()
    added: list[int] = []
    real_add = PackWriter.add

    def spy(self: PackWriter, chunks: Any) -> Any:
        chunks = list(chunks)
        added.append(len(chunks))
        return real_add(self, chunks)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(PackWriter, "add", spy)
        assert render(example, cache_dir) == plain
    assert sum(1 for n in added if n) > 1  # blobs went out entry by entry during the run
    parses.clear()
    assert render(example, cache_dir) == plain
    uncached = sorted(parses)  # kinds the cache does not keep (scanner reports, model files)
    assert len(uncached) < parsed  # every other parse read back from the pack written in pieces
    # A run with one file changed writes the new parse as the pack's delta (cache_delta.py), or a whole pack again.
    card = next(example.rglob("*.md"))
    card.write_text(card.read_text(encoding="utf-8").replace("#", "# Edited", 1), encoding="utf-8")
    edited = render(example, None)
    parses.clear()
    assert render(example, cache_dir) == edited
    assert sorted(parses) == sorted([*uncached, card.relative_to(example).as_posix()])
    parses.clear()
    assert render(example, cache_dir) == edited
    assert sorted(parses) == uncached
    assert [name.rpartition(".")[2] for name in files(cache_dir)] in (["pack"], ["delta", "pack"])


@pytest.mark.parametrize("cut", ["in magic", "in blobs", "in index", "size", "tag"])
def test_a_partly_written_pack_is_ignored(cut: str, example: Path, tmp_path: Path, parses: list[str]) -> None:
    cache_dir = tmp_path / "cache"
    plain = render(example, None)
    parsed = len(parses)
    render(example, cache_dir)
    (name,) = files(cache_dir)
    pack = cache_dir / "packs" / name
    data = pack.read_bytes()
    size = int.from_bytes(data[-40:-32], "big")
    at = {"in magic": 3, "in blobs": len(cache_mod.MAGIC) + 10, "in index": len(data) - 40 - size // 2,
          "size": len(data) - 36, "tag": len(data) - 1}[cut]
    pack.write_bytes(data[:at])
    parses.clear()
    assert render(example, cache_dir) == plain
    assert len(parses) == parsed, "a partly written pack was read as data"


def test_a_failed_write_leaves_no_pack_and_no_temporary_file(example: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    cache_dir = tmp_path / "cache"
    plain = render(example, None)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    assert render(example, cache_dir) == plain
    assert files(cache_dir) == []


def test_an_entry_that_cannot_be_stored_leaves_no_pack(example: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    cache_dir = tmp_path / "cache"
    plain = render(example, None)
    real = cache_writer.as_json
    calls: list[int] = []

    def fails_once(value: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise ValueError("cannot be stored")
        return real(value)

    monkeypatch.setattr(cache_mod, "as_json", fails_once)
    assert render(example, cache_dir) == plain
    assert files(cache_dir) == []  # nothing rather than a pack without that entry; its temporary file removed


def test_a_run_that_stops_removes_its_temporary_file(example: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A run interrupted after some parses were absorbed: the pack is not renamed into place half-made (what is
    written on the way out is a whole pack of what was absorbed, or nothing), and no temporary file stays."""
    cache_dir = tmp_path / "cache"
    plain = render(example, None)
    real = cache_mod.ArtifactCache.absorb
    seen: list[int] = []

    def stop(self: cache_mod.ArtifactCache, kind: str, file: str, record: Any) -> None:
        seen.append(1)
        if len(seen) == 4:
            raise KeyboardInterrupt
        real(self, kind, file, record)

    monkeypatch.setattr(cache_mod.ArtifactCache, "absorb", stop)
    monkeypatch.setenv("AIMA_GATE_JOBS", "1")
    with pytest.raises(KeyboardInterrupt):
        render(example, cache_dir)
    assert not [n for n in files(cache_dir) if n.startswith(".tmp-")]
    monkeypatch.undo()
    assert render(example, cache_dir) == plain  # whatever was kept is a whole pack, read back as data


def test_the_save_writes_nothing_when_nothing_changed(example: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    render(example, cache_dir)
    render(example, cache_dir)  # may record stat rows the first run could not (racy files): a new pack
    cache = cache_mod.ArtifactCache.open(cache_dir, Repo(example), ["other identity"])
    assert cache is not None
    cache.save()  # nothing absorbed, nothing read back: no file written
    assert not [n for n in files(cache_dir) if n.startswith(".tmp-")]
    assert len(files(cache_dir)) == 1
