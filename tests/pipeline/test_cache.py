"""The artifact cache (pipeline/cache.py) never changes a verdict: reports are byte-identical with and without it,
and whatever is wrong with a pack (corrupt, truncated, tampered, foreign, a link) is a miss, never data."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aima_gate.core.clock import Clock
from aima_gate.core.errors import ConfigError
from aima_gate.pipeline import cache as cache_mod
from aima_gate.pipeline.cache_codec import Uncacheable, exact_json
from aima_gate.pipeline.cache_recording import RecordingRepo
from aima_gate.pipeline.runner import RunOptions, run_check
from aima_gate.reporters import get_renderer
from aima_gate.safeio.repo import Repo
from tests.conftest import EXAMPLES, TODAY, run_cli

REALWORLD = Path(__file__).parents[1] / "realworld" / "repos"


def render(root: Path, cache_dir: Path | None, changed: frozenset[str] | None = None, day: date = TODAY) -> str:
    report = run_check(RunOptions(root=root, clock=Clock.at(day), cache_dir=cache_dir, changed_files=changed))
    return "\n".join(get_renderer(fmt)(report) for fmt in ("json", "text", "sarif"))


def packs(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / "packs").glob("*.pack"))


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()))
def test_examples_identical_cold_and_warm(name: str, tmp_path: Path, parses: list[str]) -> None:
    root = EXAMPLES / name
    plain = render(root, None)
    parsed_plain = len(parses)
    assert render(root, tmp_path) == plain  # cold: parses and stores
    assert packs(tmp_path) or not parsed_plain
    parses.clear()
    assert render(root, tmp_path) == plain  # warm: reads back
    assert len(parses) < parsed_plain or not parsed_plain, "the warm run parsed as much as without the cache"


@pytest.mark.parametrize("name", sorted(p.name for p in REALWORLD.iterdir() if (p / "repo").is_dir()))
def test_realworld_identical_cold_and_warm(name: str, tmp_path: Path) -> None:
    root = REALWORLD / name / "repo"
    try:
        plain = render(root, None)
    except ConfigError as exc:  # a repository whose config cannot be used ends the same way with the cache
        with pytest.raises(ConfigError, match=str(exc.diagnosis)[:40].replace("(", ".").replace(")", ".")):
            render(root, tmp_path)
        return
    assert render(root, tmp_path) == plain
    assert render(root, tmp_path) == plain


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLES / "credit-scoring", tmp_path / "repo"))


def test_a_run_on_another_day_reads_back_what_the_day_before_parsed(example: Path, tmp_path: Path,
                                                                    parses: list[str]) -> None:
    """A pack names no date (nothing a cacheable collector returns depends on it: cache_recording.RecordedClock):
    the first run of a day is a warm run, not a cold one, and its report is the one that day gives without the
    cache (which differs from the day before's: waivers and evidence age)."""
    later = TODAY + timedelta(days=400)
    render(example, tmp_path)
    parses.clear()
    warm = render(example, tmp_path, day=later)
    read_again = {p for p in parses if p.endswith((".md", ".yml", ".yaml")) or "fairness" in p}
    assert not read_again, read_again
    assert len(packs(tmp_path)) == 1
    plain = render(example, None, day=later)
    assert warm == plain and plain != render(example, None)


_OWNER_POLICY = """id: acme.owner-is-a-team-address
title: Every model is owned by a team address
description: A team mailbox keeps answering for the model.
severity: {severity}
aima: {{domain: governance, practice: policy-and-compliance, stream: B, level: 1}}
remediation: Set `owner` to the owning team's address.
applies_to: {{kind: model}}
assert: {{path: owner, matches: "^[a-z0-9-]+-ml@acme\\\\.example$"}}
"""


def test_an_edited_policy_file_keeps_the_pack(example: Path, tmp_path: Path, parses: list[str]) -> None:
    """What a pack holds never depends on the policies (collectors see the config, the command line and the
    files, never a policy): writing one's own policies reads the pack back as any other edit does."""
    config = example / ".aima-gate.yml"
    config.write_text(config.read_text(encoding="utf-8") + "policies:\n  paths: [acme]\n", encoding="utf-8")
    (example / "acme").mkdir()
    policy = example / "acme" / "owner.yml"
    policy.write_text(_OWNER_POLICY.format(severity="medium"), encoding="utf-8")
    before = render(example, tmp_path)
    policy.write_text(_OWNER_POLICY.format(severity="critical"), encoding="utf-8")
    parses.clear()
    warm = render(example, tmp_path)
    read_again = {p for p in parses if p.endswith((".md", ".yml", ".yaml")) or "fairness" in p}
    assert not read_again, read_again
    assert len(packs(tmp_path)) == 1
    assert warm == render(example, None) and warm != before
    assert "acme.owner-is-a-team-address" in warm


def test_a_new_waiver_keeps_the_pack(example: Path, tmp_path: Path, parses: list[str]) -> None:
    """Collectors never see the config's waivers, fail_on, target_level, baseline or policy selection
    (Config.collector_settings), so a pack does not name them: adding a waiver reads the pack back."""
    before = render(example, tmp_path)
    config = example / ".aima-gate.yml"
    config.write_text(config.read_text(encoding="utf-8") + (
        "fail_on: high\nwaivers:\n  - policy: model.explainability-report-referenced\n    subject: legacy-scorer@*\n"
        "    reason: Retired next quarter (RISK-421)\n    owner: ml-risk@bank.example\n"
        "    expires: '2027-03-31'\n"), encoding="utf-8")
    parses.clear()
    warm = render(example, tmp_path)
    read_again = {p for p in parses if p.endswith((".md", ".yml", ".yaml")) or "fairness" in p} - {".aima-gate.yml"}
    assert not read_again, read_again
    assert len(packs(tmp_path)) == 1
    assert warm == render(example, None) and warm != before
    assert "legacy-scorer@*" in warm


def test_collectors_never_see_the_evaluation_only_sections(example: Path) -> None:
    from aima_gate.config.repo_config import EVALUATION_ONLY
    from aima_gate.pipeline.runner import _context, load_config

    config = example / ".aima-gate.yml"
    config.write_text(config.read_text(encoding="utf-8") + "fail_on: high\ntarget_level: 2\nparameters:\n"
                      "  min_section_words: 7\n  max_bias_report_age_days: 90\n", encoding="utf-8")
    loaded = load_config(example, None)
    assert {"fail_on", "target_level", "signing", "artifacts"} <= set(loaded.raw)
    seen = _context(Repo(example), loaded, "model", Clock.at(TODAY), {}).settings
    assert not EVALUATION_ONLY & set(seen)
    assert {k: v for k, v in seen.items() if k != "parameters"} == {
        k: v for k, v in loaded.raw.items() if k not in EVALUATION_ONLY and k != "parameters"}
    assert dict(seen["parameters"]) == {"min_section_words": 7}
    assert seen["parameters"].get("min_section_words") == 7 and "risk_tiers" not in seen["parameters"]
    with pytest.raises(RuntimeError, match="max_bias_report_age_days"):
        seen["parameters"].get("max_bias_report_age_days")  # a bug in the gate, never a silent default


@pytest.mark.parametrize(("name", "value", "same_pack"), [("max_bias_report_age_days", 30, True),
                                                          ("min_section_words", 400, False)])
def test_a_policy_threshold_keeps_the_pack_a_collector_parameter_does_not(
        example: Path, tmp_path: Path, parses: list[str], name: str, value: int, same_pack: bool) -> None:
    config = example / ".aima-gate.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text + f"parameters:\n  {name}: 365\n", encoding="utf-8")
    before = render(example, tmp_path)
    config.write_text(text + f"parameters:\n  {name}: {value}\n", encoding="utf-8")
    parses.clear()
    warm = render(example, tmp_path)
    cards = {p for p in parses if p.endswith(".md")}
    assert (not cards) is same_pack, cards
    assert (len(packs(tmp_path)) == 1) is same_pack
    assert warm == render(example, None) and warm != before


def test_an_edited_file_is_read_again(example: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    render(example, cache_dir)
    card = next(example.rglob("*.md"))
    card.write_text(card.read_text(encoding="utf-8").replace("#", "# Edited", 1), encoding="utf-8")
    assert render(example, cache_dir) == render(example, None)


def test_same_size_same_mtime_rewrite_is_seen(example: Path, tmp_path: Path) -> None:
    """A rewrite that keeps size and mtime (touch -r) still changes the ctime, or is within the racy window."""
    cache_dir = tmp_path / "cache"
    render(example, cache_dir)
    registry = next(p for p in example.rglob("*.yml") if "registry" in str(p) or "models" in p.name)
    before = registry.stat()
    text = registry.read_text(encoding="utf-8")
    swapped = text.replace("high", "hihg", 1) if "high" in text else text.replace("a", "b", 1)
    assert len(swapped) == len(text) and swapped != text
    registry.write_text(swapped, encoding="utf-8")
    os.utime(registry, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert render(example, cache_dir) == render(example, None)


def _mangle(cache_dir: Path, how: str) -> None:
    (pack,) = packs(cache_dir)
    data = bytearray(pack.read_bytes())
    if how == "truncated":
        data = data[: len(data) // 2]
    elif how == "flipped":
        data[len(data) // 2] ^= 0x01
    elif how == "empty":
        data = bytearray()
    elif how == "garbage":
        data = bytearray(b"{}" * 100)
    elif how == "tampered":  # a plausible edit of the stored data, MAC left as it was
        tampered = bytes(data).replace(b"owner", b"ownxr", 1)
        assert tampered != data
        data = bytearray(tampered)
    pack.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["truncated", "flipped", "empty", "garbage", "tampered"])
def test_a_damaged_pack_is_ignored(how: str, example: Path, tmp_path: Path, parses: list[str]) -> None:
    cache_dir = tmp_path / "cache"
    plain = render(example, None)
    parsed_plain = len(parses)
    render(example, cache_dir)
    _mangle(cache_dir, how)
    parses.clear()
    assert render(example, cache_dir) == plain
    assert len(parses) == parsed_plain, "a damaged pack was read as data"


def test_a_foreign_pack_is_ignored(example: Path, tmp_path: Path, parses: list[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Another gate version (or another key) wrote the pack under this name: its MAC or identity does not match."""
    cache_dir = tmp_path / "cache"
    plain = render(example, None)
    parsed_plain = len(parses)
    render(example, cache_dir)
    (pack,) = packs(cache_dir)
    real = cache_mod.code_fingerprint
    monkeypatch.setattr(cache_mod, "code_fingerprint", lambda: "another version")
    render(example, cache_dir)  # writes the other version's pack
    (other,) = [p for p in packs(cache_dir) if p != pack]
    other.replace(pack)  # ... and put it where this version looks
    monkeypatch.setattr(cache_mod, "code_fingerprint", real)
    parses.clear()
    assert render(example, cache_dir) == plain
    assert len(parses) == parsed_plain
    (cache_dir / "key").unlink()  # a new key: every pack written under the old one is foreign
    parses.clear()
    assert render(example, cache_dir) == plain
    assert len(parses) == parsed_plain


def test_a_symlinked_pack_is_not_followed(example: Path, tmp_path: Path, parses: list[str]) -> None:
    cache_dir = tmp_path / "cache"
    plain = render(example, None)
    parsed_plain = len(parses)
    render(example, cache_dir)
    (pack,) = packs(cache_dir)
    elsewhere = tmp_path / "elsewhere.pack"
    pack.replace(elsewhere)
    pack.symlink_to(elsewhere)  # a valid pack, but behind a link
    parses.clear()
    assert render(example, cache_dir) == plain
    assert len(parses) == parsed_plain
    assert not pack.is_symlink()  # replaced by a real file, the link's target untouched
    assert elsewhere.read_bytes() != b""


def test_a_symlinked_packs_folder_disables_the_cache(example: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    target = tmp_path / "target"
    target.mkdir()
    cache_dir.mkdir()
    (cache_dir / "packs").symlink_to(target)
    assert render(example, cache_dir) == render(example, None)
    assert not list(target.iterdir())


def test_a_symlinked_key_is_not_followed(example: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    secret = tmp_path / "secret"
    secret.write_bytes(b"k" * 32)
    (cache_dir / "key").symlink_to(secret)
    assert render(example, cache_dir) == render(example, None)
    assert not packs(cache_dir)


def test_the_cache_is_never_inside_the_repository(example: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIMA_GATE_CACHE_DIR", raising=False)
    monkeypatch.delenv("AIMA_GATE_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_mod.cache_folder(None, False) == tmp_path / "xdg" / "aima-gate"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_mod.cache_folder(None, False) == tmp_path / "home" / ".cache" / "aima-gate"
    assert cache_mod.cache_folder(tmp_path / "x", True) is None
    monkeypatch.setenv("AIMA_GATE_NO_CACHE", "1")
    assert cache_mod.cache_folder(tmp_path / "x", False) is None
    # A run whose cache folder would be inside the repository refuses (named on the command line) ...
    proc = run_cli("check", str(example), "--cache-dir", str(example / ".cache"), unset=("AIMA_GATE_NO_CACHE",))
    assert proc.returncode == 2 and "inside the checked repository" in proc.stderr
    assert not (example / ".cache").exists()
    # ... and the config of the repository has no say: its keys are not options of the cache.
    (example / ".aima-gate.yml").write_text((example / ".aima-gate.yml").read_text(encoding="utf-8")
                                            + "cache_dir: .cache\n", encoding="utf-8")
    proc = run_cli("check", str(example), unset=("AIMA_GATE_NO_CACHE",))
    assert proc.returncode == 2 and not (example / ".cache").exists()


def test_default_inside_repository_is_refused_not_used(example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Checking a folder that contains the user cache folder (e.g. the home folder) never writes into it."""
    monkeypatch.delenv("AIMA_GATE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(example / "xdg"))
    with pytest.raises(ConfigError, match="inside the checked repository"):
        render(example, cache_mod.cache_folder(None, False))
    assert not (example / "xdg").exists()


def test_no_cache_flag_and_env(example: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    proc = run_cli("check", str(example), "--cache-dir", str(cache_dir), "--no-cache")
    assert proc.returncode in (0, 1) and not cache_dir.exists()
    proc = run_cli("check", str(example), "--cache-dir", str(cache_dir), env={"AIMA_GATE_NO_CACHE": "1"})
    assert proc.returncode in (0, 1) and not cache_dir.exists()
    proc = run_cli("check", str(example), "--cache-dir", str(cache_dir))
    assert proc.returncode in (0, 1) and packs(cache_dir)


def test_two_runs_at_once(example: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    plain = render(example, None)
    exe = shutil.which("aima-gate", path=str(Path(sys.executable).parent)) or "aima-gate"
    env = {**os.environ, "AIMA_GATE_CACHE_DIR": str(cache_dir)}
    cmd = [exe, "check", str(example), "--format", "json", "--today", TODAY.isoformat()]
    if not Path(exe).exists():
        cmd = [sys.executable, "-m", "aima_gate", *cmd[1:]]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert len(set(outs)) == 1 and json.loads(outs[0])["summary"]
    assert render(example, cache_dir) == plain
    assert not [p for p in (cache_dir / "packs").iterdir() if p.name.startswith(".tmp-")]


def test_changed_runs_identical(example: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    render(example, cache_dir)
    files = sorted(str(p.relative_to(example)) for p in example.rglob("*") if p.is_file())
    for name in files:
        changed = frozenset({name})
        assert render(example, cache_dir, changed) == render(example, None, changed), name


def test_recording_repo_marks_unrecorded_access(example: Path) -> None:
    recorder = RecordingRepo(Repo(example))
    recorder.read_text(".aima-gate.yml")
    assert recorder.cacheable and recorder.deps[0][0] == "read"
    _ = recorder.root
    assert not recorder.cacheable


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.tuples(st.integers()),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=12)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_exact_json_is_exact_or_refused(value: object) -> None:
    try:
        text = exact_json(value)
    except Uncacheable:
        return
    assert json.dumps(json.loads(text)) == json.dumps(value)
    assert repr(json.loads(text)) == repr(value)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.data())
def test_any_damage_to_a_pack_never_changes_the_report(example: Path, tmp_path_factory: pytest.TempPathFactory,
                                                       data: st.DataObject) -> None:
    cache_dir = tmp_path_factory.mktemp("cache")
    plain = render(example, None)
    render(example, cache_dir)
    (pack,) = packs(cache_dir)
    raw = bytearray(pack.read_bytes())
    for at, value in data.draw(st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 255)), min_size=1,
                                        max_size=4)):
        raw[at % len(raw)] = value
    keep = data.draw(st.integers(0, 10**9))
    pack.write_bytes(bytes(raw[: len(raw) - keep % 64 if keep % 3 else len(raw)]))
    assert render(example, cache_dir) == plain


def test_a_folder_others_can_write_is_not_used(example: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    plain = render(example, cache_dir)
    os.chmod(cache_dir, 0o777)  # another account could have planted the key or a pack
    assert render(example, cache_dir) == plain
    (pack,) = packs(cache_dir)
    before = pack.stat().st_mtime_ns
    (example / "README.md").write_text("changed\n", encoding="utf-8")
    render(example, cache_dir)
    assert pack.stat().st_mtime_ns == before  # neither read nor written


def test_what_cannot_be_stored_exactly_is_refused() -> None:
    for value in ({"a": (1, 2)}, {"x": float("nan")}, {"s": "\udcff"}, {1: "int key"}, {"n": float("inf")}):
        with pytest.raises(Uncacheable):
            exact_json(value)
    assert exact_json({"b": 1, "a": [1.5, "x", None, True]}) == '{"b":1,"a":[1.5,"x",null,true]}'
