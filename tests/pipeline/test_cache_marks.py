"""Schema marks (pipeline/cache_marks.py): a policy file or config that passed its schema is not checked again in
a later run with the cache on, byte for byte only; a damaged or forged marks file marks nothing; a document that
fails its schema is never marked; reports are unchanged; each version of the code reads and writes its own marks
file, and other versions' old files are removed."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from aima_gate.core.clock import Clock
from aima_gate.core.errors import ConfigError, PolicyError
from aima_gate.core.resources import builtin_policies_dir
from aima_gate.pipeline import cache_marks
from aima_gate.pipeline.cache import code_fingerprint
from aima_gate.pipeline.cache_files import PRUNE_AFTER_DAYS
from aima_gate.pipeline.runner import RunOptions, run_check
from aima_gate.reporters import get_renderer
from tests.conftest import EXAMPLES, TODAY


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Schema checks made (by schema name) during the test."""
    from aima_gate.safeio import validation

    seen: Counter[str] = Counter()
    real = validation.schema_errors

    def spy(instance: Any, schema_name: str, **kwargs: Any) -> Any:
        seen[schema_name] += 1
        return real(instance, schema_name, **kwargs)

    monkeypatch.setattr(validation, "schema_errors", spy)
    yield seen


def marks_file(cache_dir: Path) -> Path:
    return cache_dir / cache_marks.marks_name(code_fingerprint())


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLES / "credit-scoring", tmp_path / "repo"))


def render(root: Path, cache_dir: Path | None) -> str:
    report = run_check(RunOptions(root=root, clock=Clock.at(TODAY), cache_dir=cache_dir))
    return "\n".join(get_renderer(fmt)(report) for fmt in ("json", "text", "sarif"))


def test_checked_once_then_skipped_with_the_same_report(example: Path, tmp_path: Path,
                                                        checks: Counter[str]) -> None:
    cache_dir = tmp_path / "cache"
    plain = render(example, None)
    without = checks.copy()
    assert without["policy.schema.json"] >= 70 and without["config.schema.json"] == 1
    checks.clear()
    assert render(example, cache_dir) == plain  # first run: every document checked, then marked
    assert checks["policy.schema.json"] == without["policy.schema.json"]
    assert marks_file(cache_dir).is_file()
    checks.clear()
    assert render(example, cache_dir) == plain  # marked: no schema check of a policy or the config
    assert checks["policy.schema.json"] == 0 and checks["config.schema.json"] == 0


def test_a_changed_config_is_checked_again(example: Path, tmp_path: Path, checks: Counter[str]) -> None:
    cache_dir = tmp_path / "cache"
    render(example, cache_dir)
    config = example / ".aima-gate.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    checks.clear()
    assert render(example, cache_dir) == render(example, None)
    assert checks["config.schema.json"] == 2  # with the cache (new bytes, no mark) and without it
    # An edit that breaks the schema is reported as without marks, and never marked.
    config.write_text(config.read_text(encoding="utf-8") + "no_such_key: 1\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ConfigError, match="no_such_key"):
            render(example, cache_dir)


def test_an_invalid_policy_is_never_marked(example: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    policies = example / "policies"
    policies.mkdir()
    good = next(builtin_policies_dir().rglob("*.yml")).read_text(
        encoding="utf-8").replace("id: ", "id: custom.", 1)
    (policies / "custom.yml").write_text(good + "\nunknown_field: 1\n", encoding="utf-8")
    config = example / ".aima-gate.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\npolicies:\n  paths: [policies]\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(PolicyError, match="unknown_field"):
            render(example, cache_dir)


@pytest.mark.parametrize("how", ["flipped", "truncated", "empty", "forged", "link"])
def test_a_damaged_or_forged_marks_file_marks_nothing(how: str, example: Path, tmp_path: Path,
                                                      checks: Counter[str]) -> None:
    cache_dir = tmp_path / "cache"
    plain = render(example, cache_dir)
    first = checks.copy()
    marks = marks_file(cache_dir)
    data = bytearray(marks.read_bytes())
    if how == "flipped":
        data[len(data) // 2] ^= 0x01
    elif how == "truncated":
        data = data[: len(data) // 2]
    elif how == "empty":
        data = bytearray()
    elif how == "forged":  # the marks of a run under another key: a valid file, but not this folder's
        other = tmp_path / "other"
        render(example, other)
        data = bytearray(marks_file(other).read_bytes())
    if how == "link":
        real = tmp_path / "real-marks"
        real.write_bytes(bytes(data))
        marks.unlink()
        marks.symlink_to(real)
    else:
        marks.write_bytes(bytes(data))
    checks.clear()
    assert render(example, cache_dir) == plain
    assert checks["policy.schema.json"] == first["policy.schema.json"]
    assert checks["config.schema.json"] == first["config.schema.json"]


def test_no_marks_without_the_cache_or_inside_the_repository(example: Path, checks: Counter[str]) -> None:
    assert cache_marks.SchemaMarks.open(None, example) is None
    assert cache_marks.SchemaMarks.open(example / ".cache", example) is None
    assert not (example / ".cache").exists()
    for _ in range(2):
        render(example, None)
    assert checks["config.schema.json"] == 2


def test_a_marked_policy_file_is_not_parsed_again_and_compiles_alike(example: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from aima_gate.config import policy_packs
    from aima_gate.config.repo_config import Config

    def load() -> policy_packs.LoadedPolicies:
        with cache_marks.schema_marks(tmp_path / "cache", example) as marks:
            return policy_packs.load_policies(Config(file=None), example, memo=marks)

    plain = policy_packs.load_policies(Config(file=None), example)
    assert load() == plain  # first run: parsed, checked, marked with what it parsed to
    parsed: list[str] = []
    from aima_gate.safeio.loaders import load_yaml as real

    def spy(text: str, file: str) -> Any:
        parsed.append(file)
        return real(text, file)

    monkeypatch.setattr("aima_gate.config.policy_packs.load_yaml", spy)
    again = load()
    assert parsed == [] and again == plain
    assert [p.line for p in again.policies] == [p.line for p in plain.policies]
    assert [list(p.source or {}) for p in again.policies] == [list(p.source or {}) for p in plain.policies]


def test_a_marked_config_is_not_parsed_again_and_reads_alike(example: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A config whose bytes passed the schema comes back with the document and line index they parsed to: no YAML
    parse (a warm run imports no PyYAML), the same Config."""
    from aima_gate.config import repo_config
    from aima_gate.safeio.loaders import load_yaml as real

    text = (example / ".aima-gate.yml").read_text(encoding="utf-8")

    def load() -> repo_config.Config:
        with cache_marks.schema_marks(tmp_path / "cache", example) as marks:
            return repo_config.parse_config(text, ".aima-gate.yml", marks)

    plain = repo_config.parse_config(text, ".aima-gate.yml")

    def same(config: repo_config.Config) -> bool:  # a LineIndex compares by identity: its answers are below
        return replace(config, lines=plain.lines) == plain

    assert same(load())  # first run: parsed, checked, marked with what it parsed to
    parsed: list[str] = []

    def spy(text: str, file: str) -> Any:
        parsed.append(file)
        return real(text, file)

    monkeypatch.setattr(repo_config, "load_yaml", spy)
    again = load()
    assert parsed == [] and same(again)
    assert list(again.raw) == list(plain.raw)  # same key order
    pointers = ("/signing/keyring", "/artifacts", "/artifacts/dependency_scan/development/files/0", "/nothing")
    assert [again.lines.line_of(p) for p in pointers] == [plain.lines.line_of(p) for p in pointers]
    edited = text + "\n# edited\n"  # other bytes: parsed (and checked) again
    with cache_marks.schema_marks(tmp_path / "cache", example) as marks:
        repo_config.parse_config(edited, ".aima-gate.yml", marks)
    assert parsed == [".aima-gate.yml"]


def test_each_version_reads_only_its_own_marks_and_old_ones_go(example: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               checks: Counter[str]) -> None:
    """Marks are kept per code fingerprint: a run of another version neither reads nor rewrites this version's
    file (a run reads only marks it can use), and when a version writes its marks, another version's file (or the
    one file of versions before this rule) that no run wrote for PRUNE_AFTER_DAYS is removed; a recent one stays."""
    cache_dir = tmp_path / "cache"
    plain = render(example, cache_dir)
    mine = marks_file(cache_dir)
    size, written = mine.stat().st_size, mine.read_bytes()
    old = mine.stat().st_mtime - PRUNE_AFTER_DAYS * 86400 - 60  # on the clock that dates files (not a faked one)
    legacy, stale, recent = "schema-marks", "schema-marks-" + "a" * 40, "schema-marks-" + "b" * 40
    for name in (legacy, stale, recent):
        (cache_dir / name).write_bytes(written)
    for name in (legacy, stale):
        os.utime(cache_dir / name, (old, old))
    monkeypatch.setattr(cache_marks, "code_fingerprint", lambda: "c" * 64)
    checks.clear()
    assert render(example, cache_dir) == plain
    assert checks["config.schema.json"] == 1  # another version: none of the first version's marks is used
    theirs = cache_dir / cache_marks.marks_name("c" * 64)
    assert theirs.stat().st_size == size  # its own marks only, nothing of the others' files
    assert mine.read_bytes() == written
    assert sorted(p.name for p in cache_dir.iterdir() if p.name.startswith("schema-marks")) == sorted(
        [mine.name, theirs.name, recent])
    checks.clear()
    assert render(example, cache_dir) == plain  # that version's marks hold for it
    assert checks["config.schema.json"] == 0
