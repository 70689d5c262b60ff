"""A pack's delta (pipeline/cache_delta.py): a run that read a pack back writes only what it changed, beside the
pack; the two read back as the whole pack that run would have written. Whatever is wrong with a delta (damaged,
truncated, reordered, forged for another identity, or paired with another pack) is ignored, never data, and a run
killed while writing one leaves the previous pack and delta in use."""

from __future__ import annotations

import marshal
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aima_gate.core.clock import Clock
from aima_gate.pipeline import cache as cache_mod
from aima_gate.pipeline import cache_delta
from aima_gate.pipeline.cache_delta import DELTA_MAGIC, changes, delta_name, magic, merged, read_delta
from aima_gate.pipeline.cache_entries import expand
from aima_gate.pipeline.cache_files import PRUNE_AFTER_DAYS, _prune_folder, read_private
from aima_gate.pipeline.cache_writer import PackWriter, authenticated
from aima_gate.pipeline.runner import RunOptions, run_check
from aima_gate.reporters import get_renderer
from tests.conftest import EXAMPLES, TODAY


def render(root: Path, cache_dir: Path | None, changed: frozenset[str] | None = None) -> str:
    report = run_check(RunOptions(root=root, clock=Clock.at(TODAY), cache_dir=cache_dir, changed_files=changed))
    return "\n".join(get_renderer(fmt)(report) for fmt in ("json", "text", "sarif"))


def names(cache_dir: Path) -> list[str]:
    return sorted(p.name for p in (cache_dir / "packs").iterdir())


def pack_and_delta(cache_dir: Path) -> tuple[Path, Path]:
    (pack,) = (cache_dir / "packs").glob("*.pack")
    return pack, pack.with_suffix(".delta")


def edit(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{text}\n", encoding="utf-8")


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(cache_delta, "FRACTION", 1)  # a small example: a delta up to the pack's size
    return Path(shutil.copytree(EXAMPLES / "credit-scoring", tmp_path / "repo"))


@pytest.fixture
def card(example: Path) -> Path:
    return example / "cards" / "credit-scorer.md"


def with_delta(example: Path, card: Path, cache_dir: Path) -> str:
    """A pack, then the card edited and a run that writes the delta: the report without the cache."""
    render(example, cache_dir)
    edit(card, "Edited once.")
    plain = render(example, None)
    pack, delta = pack_and_delta(cache_dir)
    before = pack.read_bytes()
    assert render(example, cache_dir) == plain
    assert delta.exists() and pack.read_bytes() == before  # the pack is not rewritten
    return plain


def test_the_delta_holds_the_change_and_the_next_run_reads_it_back(example: Path, card: Path, tmp_path: Path,
                                                                   parses: list[str]) -> None:
    cache_dir = tmp_path / "cache"
    plain = with_delta(example, card, cache_dir)
    parses.clear()
    assert render(example, cache_dir) == plain
    assert "cards/credit-scorer.md" not in parses  # its new entry came from the delta
    uncached = sorted(parses)
    # A second edit replaces the delta (still relative to the same pack), carrying the first one's entries.
    registry = next((example / "registry").glob("*.yml"))
    edit(registry, "# edited")
    plain = render(example, None)
    parses.clear()
    assert render(example, cache_dir) == plain
    assert registry.relative_to(example).as_posix() in parses  # (and the bias report: it reads every registry)
    assert "cards/credit-scorer.md" not in parses  # carried from the delta before into the new one
    parses.clear()
    assert render(example, cache_dir) == plain
    assert sorted(parses) == uncached
    assert [n.rpartition(".")[2] for n in names(cache_dir)] == ["delta", "pack"]
    # A partial run (pre-commit) on the same state reads the same entries back.
    changed = frozenset({"cards/credit-scorer.md"})
    assert render(example, cache_dir, changed) == render(example, None, changed)


def test_a_file_gone_is_gone_from_the_delta_too(example: Path, card: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    with_delta(example, card, cache_dir)
    card.unlink()
    plain = render(example, None)
    assert render(example, cache_dir) == plain
    assert render(example, cache_dir) == plain
    _, delta = pack_and_delta(cache_dir)
    index = marshal.loads(read_layout_index(delta.read_bytes()))
    assert any(n.endswith("\0cards/credit-scorer.md") for n in index["gone"]["entries"])


def read_layout_index(data: bytes) -> bytes:
    body = data[:-32]  # ... index, blobs' digest (32), index size (8), tag (32)
    size = int.from_bytes(body[-8:], "big")
    return body[len(body) - 40 - size:-40]


def _damage(data: bytes, how: str) -> bytes:
    size = int.from_bytes(data[-40:-32], "big")
    if how == "truncated":
        return data[: len(data) // 2]
    if how == "flipped-blob":
        at = len(DELTA_MAGIC) + 32 + 1
        return data[:at] + bytes([data[at] ^ 1]) + data[at + 1:]
    if how == "flipped-index":
        at = len(data) - 72 - size // 2
        return data[:at] + bytes([data[at] ^ 1]) + data[at + 1:]
    if how == "tag":
        return data[:-1] + bytes([data[-1] ^ 1])
    if how == "reordered":  # the index before the blobs, each part intact
        head, blobs, rest = data[:len(DELTA_MAGIC) + 32], data[len(DELTA_MAGIC) + 32:-72 - size], data[-72 - size:]
        return head + rest[:size] + blobs + rest[size:]
    if how == "empty":
        return b""
    return b"\0" * len(data)  # garbage of the same size


@pytest.mark.parametrize("how", ["truncated", "flipped-blob", "flipped-index", "tag", "reordered", "empty", "zeros"])
def test_a_damaged_delta_is_ignored(how: str, example: Path, card: Path, tmp_path: Path, parses: list[str]) -> None:
    cache_dir = tmp_path / "cache"
    plain = with_delta(example, card, cache_dir)
    _, delta = pack_and_delta(cache_dir)
    damaged = _damage(delta.read_bytes(), how)
    assert damaged != delta.read_bytes()
    delta.write_bytes(damaged)
    parses.clear()
    assert render(example, cache_dir) == plain
    assert "cards/credit-scorer.md" in parses  # the pack's older entry for it failed; the delta was not data
    parses.clear()
    assert render(example, cache_dir) == plain  # and that run wrote a good delta again
    assert "cards/credit-scorer.md" not in parses


def test_a_delta_paired_with_another_pack_is_ignored(example: Path, card: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    cache_dir = tmp_path / "cache"
    plain = with_delta(example, card, cache_dir)
    pack, delta = pack_and_delta(cache_dir)
    old_delta = delta.read_bytes()
    monkeypatch.setattr(cache_delta, "FRACTION", 10**9)  # any change is too large for a delta: a whole pack
    edit(card, "Edited twice.")
    plain = render(example, None)
    assert render(example, cache_dir) == plain
    assert not delta.exists()  # the whole pack's run removed the delta of the pack before
    delta.write_bytes(old_delta)  # put back beside the new pack
    seen: list[Any] = []
    real = read_delta

    def spy(*args: Any) -> Any:
        seen.append(real(*args))
        return seen[-1]

    monkeypatch.setattr(cache_delta, "read_delta", spy)
    assert render(example, cache_dir) == plain
    assert seen == [None]
    # The same at the level of the bytes: the delta authenticates, but names the other pack's tag.
    key = (cache_dir / "key").read_bytes()
    data = memoryview(old_delta)
    old_tag = old_delta[len(DELTA_MAGIC):len(DELTA_MAGIC) + 32]
    assert authenticated(key, data, magic(old_tag)) is not None
    identity = marshal.loads(read_layout_index(old_delta))["identity"]
    assert read_delta(data, key, old_tag, identity) is not None  # with the pack it was made for
    assert read_delta(data, key, pack.read_bytes()[-32:], identity) is None
    assert read_delta(data, key, old_tag, identity + " ") is None


def test_a_forged_delta_for_another_identity_is_ignored(tmp_path: Path) -> None:
    key, tag = b"k" * 32, b"t" * 32
    folder = tmp_path / "packs"
    folder.mkdir(mode=0o700)
    fd = os.open(folder, os.O_RDONLY)
    try:
        empty: dict[str, Any] = {t: {} for t in cache_delta.TABLES}
        for identity in ("mine", "theirs"):
            writer = PackWriter(fd, key, magic(tag), 100)
            assert writer.add([b"blob"]) == [[100, 4]]
            index = {"identity": identity, **empty, "gone": {t: [] for t in cache_delta.TABLES}}
            assert writer.finish([marshal.dumps(index, 2)], identity + ".delta")
    finally:
        os.close(fd)
    mine, theirs = ((folder / f"{n}.delta").read_bytes() for n in ("mine", "theirs"))
    assert read_delta(memoryview(mine), key, tag, "mine") is not None
    assert read_delta(memoryview(theirs), key, tag, "mine") is None  # authenticated, but another identity's
    assert read_delta(memoryview(mine), b"x" * 32, tag, "mine") is None  # another key


def test_a_run_killed_while_writing_its_delta_leaves_the_previous_one(example: Path, card: Path, tmp_path: Path,
                                                                      parses: list[str],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    cache_dir = tmp_path / "cache"
    plain = with_delta(example, card, cache_dir)
    pack, delta = pack_and_delta(cache_dir)
    before = pack.read_bytes(), delta.read_bytes()
    registry = next((example / "registry").glob("*.yml"))
    edit(registry, "# edited")

    def killed(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt  # stands for a kill: the rename never happens

    with monkeypatch.context() as mp:
        mp.setattr(os, "replace", killed)
        mp.setattr(PackWriter, "discard", lambda self: None)  # a killed run removes nothing
        with pytest.raises(KeyboardInterrupt):
            render(example, cache_dir)
    assert (pack.read_bytes(), delta.read_bytes()) == before
    assert [n for n in names(cache_dir) if n.startswith(".tmp-")]  # left for housekeeping
    plain = render(example, None)
    parses.clear()
    assert render(example, cache_dir) == plain
    assert "cards/credit-scorer.md" not in parses  # still read back from the previous delta
    assert registry.relative_to(example).as_posix() in parses


def test_a_failed_delta_write_leaves_the_previous_state(example: Path, card: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    cache_dir = tmp_path / "cache"
    with_delta(example, card, cache_dir)
    pack, delta = pack_and_delta(cache_dir)
    before = pack.read_bytes(), delta.read_bytes()
    edit(card, "Edited twice.")
    plain = render(example, None)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as mp:
        mp.setattr(os, "replace", refuse)
        assert render(example, cache_dir) == plain
    assert (pack.read_bytes(), delta.read_bytes()) == before
    assert not [n for n in names(cache_dir) if n.startswith(".tmp-")]
    assert render(example, cache_dir) == plain


def test_a_large_change_writes_a_whole_pack_with_every_entry(example: Path, card: Path, tmp_path: Path,
                                                             parses: list[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    cache_dir = tmp_path / "cache"
    with_delta(example, card, cache_dir)
    parses.clear()
    edit(card, "Edited twice.")
    registry = next((example / "registry").glob("*.yml"))
    edit(registry, "# edited")  # (and the bias report is parsed again: it reads every registry)
    plain = render(example, None)
    parsed = sorted(parses)
    monkeypatch.setattr(cache_delta, "FRACTION", 10**9)  # a delta past 0 bytes is too large
    pack, delta = pack_and_delta(cache_dir)
    before = pack.read_bytes()
    parses.clear()
    read_back: list[int] = []
    real = PackWriter.written

    def spy(self: PackWriter) -> Any:
        read_back.append(len(got := real(self) or b""))
        return got

    with monkeypatch.context() as mp:
        mp.setattr(PackWriter, "written", spy)
        assert render(example, cache_dir) == plain
    # The first parse absorbed made the delta too large: its blobs came back, the later parses went to the pack.
    assert len(read_back) == 1 and read_back[0] > 0
    assert {"cards/credit-scorer.md", registry.relative_to(example).as_posix()} <= set(parses)
    assert pack.read_bytes() != before and not delta.exists()
    parses.clear()
    assert render(example, cache_dir) == plain  # the absorbed entry's blobs came from the delta's temporary file
    assert "cards/credit-scorer.md" not in parses and len(parses) < len(parsed)
    assert [n.rpartition(".")[2] for n in names(cache_dir)] == ["pack"]


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.data())
def test_any_damage_to_a_delta_never_changes_the_report(example: Path, card: Path,
                                                        tmp_path_factory: pytest.TempPathFactory,
                                                        data: st.DataObject) -> None:
    cache_dir = tmp_path_factory.mktemp("cache")
    plain = with_delta(example, card, cache_dir)
    _, delta = pack_and_delta(cache_dir)
    raw = bytearray(delta.read_bytes())
    for at, value in data.draw(st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 255)), min_size=1,
                                        max_size=4)):
        raw[at % len(raw)] = value
    keep = data.draw(st.integers(0, 10**9))
    delta.write_bytes(bytes(raw[: len(raw) - keep % 64 if keep % 3 else len(raw)]))
    assert render(example, cache_dir) == plain


def test_merged_and_changes_round_trip() -> None:
    base = [{"a": [1], "b": [2], "c": [3]}, {"e": [1]}, {}, {"g": [0]}]
    new = [{"a": [1], "b": [20], "d": [4]}, {"e": [1]}, {"x": [9]}, {}]
    delta: dict[str, Any] = {"gone": {}}
    for table, old, now in zip(cache_delta.TABLES, base, new, strict=True):
        delta[table], delta["gone"][table] = changes(old, now)
    assert delta["stat"] == {"b": [20], "d": [4]} and delta["gone"]["stat"] == ["c"]
    assert delta["entries"] == {} and delta["gone"]["entries"] == []
    tables = [dict(t) for t in base]
    before = merged(tables, delta)
    assert tables == new  # the delta applied in place
    assert [dict(t) for t in before] == base  # and the pack's tables as they were
    assert [sorted(t) for t in before] == [sorted(t) for t in base] and [len(t) for t in before] == [3, 1, 0, 1]
    assert before[1] is tables[1]  # an untouched table is the pack's own
    assert "c" in before[0] and "d" not in before[0] and before[0].get("b") == [2] and before[3]["g"] == [0]
    assert merged(tables, {}) == tables  # no delta


def test_read_private_reads_the_pack_and_its_delta_into_one_buffer(tmp_path: Path) -> None:
    folder = tmp_path / "packs"
    folder.mkdir(mode=0o700)
    (folder / "p.pack").write_bytes(b"P" * 100)
    (folder / "p.delta").write_bytes(b"D" * 10)
    fd = os.open(folder, os.O_RDONLY)
    try:
        assert read_private(fd, ["p.pack", "p.delta"]) == (bytearray(b"P" * 100 + b"D" * 10), [100, 10])
        assert read_private(fd, ["p.pack", "none.delta"]) == (bytearray(b"P" * 100), [100, 0])
        assert read_private(fd, ["none.pack", "p.delta"]) is None
        (folder / "p.delta").write_bytes(b"D" * 101)  # larger than its pack: never one this gate wrote
        assert read_private(fd, ["p.pack", "p.delta"]) == (bytearray(b"P" * 100), [100, 0])
        (folder / "p.delta").unlink()
        (folder / "other").write_bytes(b"O" * 10)
        os.symlink("other", folder / "p.delta")  # never followed
        assert read_private(fd, ["p.pack", "p.delta"]) == (bytearray(b"P" * 100), [100, 0])
        os.chmod(folder / "p.pack", 0o666)  # writable by others: not used
        assert read_private(fd, ["p.pack", "p.delta"]) is None
    finally:
        os.close(fd)
    assert delta_name("abc.pack") == "abc.delta"


def test_a_pack_with_a_delta_is_kept_and_old_deltas_are_pruned(example: Path, card: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    render(example, cache_dir)
    pack, delta = pack_and_delta(cache_dir)
    old = os.stat(pack).st_mtime - PRUNE_AFTER_DAYS * 86400 - 60
    os.utime(pack, (old, old))
    edit(card, "Edited once.")
    render(example, cache_dir)
    assert delta.exists() and os.stat(pack).st_mtime > old  # writing the delta touched the pack it goes with
    folder = cache_dir / "packs"
    for name in ("other.pack", "other.delta"):
        (folder / name).write_bytes(b"x")
        os.utime(folder / name, (old, old))
    (folder / "recent.delta").write_bytes(b"x")  # dated now by the filesystem, the clock pruning reads
    fd = os.open(folder, os.O_RDONLY)
    try:
        _prune_folder(fd, pack.name, delta.name)
    finally:
        os.close(fd)
    assert sorted(p.name for p in folder.iterdir()) == sorted([pack.name, delta.name, "recent.delta"])


def _state(cache_dir: Path, example: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """What a run reads back from the cache: the four tables, each entry as its dependencies, items and blobs."""
    seen: list[Any] = []
    real = cache_mod.ArtifactCache._load

    def spy(self: cache_mod.ArtifactCache) -> None:
        real(self)
        entries = {}
        for name, entry in self._entries.items():
            deps, items, spans = expand(name, entry)
            entries[name] = (deps, items, [bytes(self._view[off:off + size]) for off, size in spans])
        seen.append((self._stat, entries, self._globs, self._groups))

    with monkeypatch.context() as mp:
        mp.setattr(cache_mod.ArtifactCache, "_load", spy)
        render(example, cache_dir)
    (state,) = seen
    return state


def test_a_pack_and_its_delta_read_back_as_the_whole_pack_of_the_same_run(example: Path, card: Path, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_mod, "RACY_NS", -10**18)  # every file's stat row is kept: the stat table is in play
    with_delta(example, card, tmp_path / "a")
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    registry = next((example / "registry").glob("*.yml"))
    edit(registry, "# edited")
    (example / "reports" / "extra.md").write_text("# Notes\n", encoding="utf-8")
    next(example.rglob("*.json")).unlink()
    render(example, tmp_path / "a")  # a delta, replacing the one before
    monkeypatch.setattr(cache_delta, "FRACTION", 10**9)
    render(example, tmp_path / "b")  # a whole pack
    assert [n.rpartition(".")[2] for n in names(tmp_path / "a")] == ["delta", "pack"]
    assert [n.rpartition(".")[2] for n in names(tmp_path / "b")] == ["pack"]
    a, b = _state(tmp_path / "a", example, monkeypatch), _state(tmp_path / "b", example, monkeypatch)
    assert a[0] and a[1]
    assert a == b
