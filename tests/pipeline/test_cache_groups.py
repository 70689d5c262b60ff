"""Shared dependency groups of the artifact cache (``RecordingRepo.shared``, ``("group", digest)`` deps): bias
reports are cached although each one's protected attributes depend on every registry file; the registry read is
computed once per run and recorded once per pack, and any change to what it read makes every report that used it
a miss (never a stale declaration). The registry files that declare nothing are recorded as holding none of the
strings a declaration needs (``("holding", ...)``), not by their bytes nor by the glob's listing: editing one
elsewhere, or adding a registry file that declares nothing (a new model), keeps the reports cached, and an edit or
a new file that holds one of those strings makes them misses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aima_gate.collectors import CollectContext, bias_protected
from aima_gate.core.clock import Clock
from aima_gate.pipeline import cache as cache_mod
from aima_gate.pipeline.cache_recording import RecordingRepo
from aima_gate.pipeline.runner import RunOptions, run_check
from aima_gate.reporters import get_renderer
from aima_gate.safeio.repo import Repo
from tests.conftest import EXAMPLES, TODAY
from tests.spies import record_first_args

REPORT = "reports/credit-scorer-2.3.0-fairness.json"


def render(root: Path, cache_dir: Path | None) -> str:
    report = run_check(RunOptions(root=root, clock=Clock.at(TODAY), cache_dir=cache_dir))
    return "\n".join(get_renderer(fmt)(report) for fmt in ("json", "text", "sarif"))


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """credit-scoring without model discovery (the declarations never read it: see
    test_with_discovered_models_a_bias_report_is_read_back_too)."""
    root = Path(shutil.copytree(EXAMPLES / "credit-scoring", tmp_path / "repo"))
    config = root / ".aima-gate.yml"
    text = config.read_text(encoding="utf-8")
    assert "\nartifacts:\n" in text
    config.write_text(text.replace("\nartifacts:\n", "\nartifacts:\n  model:\n    discover: false\n", 1),
                      encoding="utf-8")
    return root


def test_bias_reports_are_cacheable() -> None:
    assert "bias_report" in cache_mod.CACHEABLE_KINDS


def test_a_bias_report_is_read_back_and_identical(example: Path, tmp_path: Path, parses: list[str]) -> None:
    plain = render(example, None)
    assert render(example, tmp_path) == plain
    parses.clear()
    assert render(example, tmp_path) == plain
    assert REPORT not in parses


def test_with_discovered_models_a_bias_report_is_read_back_too(tmp_path: Path, parses: list[str]) -> None:
    """The declarations read the MLflow sources alone, not model discovery (which opens model files, something
    the recorder cannot name): discovered models leave bias reports cacheable."""
    root = Path(shutil.copytree(EXAMPLES / "credit-scoring", tmp_path / "repo"))
    plain = render(root, None)
    render(root, tmp_path / "cache")
    parses.clear()
    assert render(root, tmp_path / "cache") == plain
    assert REPORT not in parses


def test_a_changed_declaration_in_the_registry_is_seen(example: Path, tmp_path: Path, parses: list[str]) -> None:
    """The report's bytes do not change; the registry entry that declares its protected attributes does."""
    render(example, tmp_path)
    registry = example / "registry" / "models.yml"
    text = registry.read_text(encoding="utf-8")
    registry.write_text(text.replace("    personal_data: true\n",
                                     "    personal_data: true\n    protected_attributes: [sex]\n", 1),
                        encoding="utf-8")
    parses.clear()
    warm = render(example, tmp_path)
    assert REPORT in parses, "the bias report was read back although its declaration changed"
    plain = render(example, None)
    assert warm == plain
    parses.clear()
    assert render(example, tmp_path) == plain  # and cached again, under the new declaration
    assert REPORT not in parses


def test_a_new_registry_file_is_seen(example: Path, tmp_path: Path, parses: list[str]) -> None:
    """A registry file added beside the others changes the glob the group recorded."""
    render(example, tmp_path)
    (example / "registry" / "more.yml").write_text(
        "models:\n  - name: credit-scorer\n    version: '2.3.0'\n    protected_attributes: [age_band]\n"
        "    bias_report: ../reports/credit-scorer-2.3.0-fairness.json\n", encoding="utf-8")
    parses.clear()
    warm = render(example, tmp_path)
    assert REPORT in parses
    assert warm == render(example, None)


def test_the_registry_is_read_once_per_run_with_many_reports(example: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMA_GATE_JOBS", "1")
    source = json.loads((example / REPORT).read_text(encoding="utf-8"))
    for i in range(5):
        (example / "reports" / f"bias-report-{i}.json").write_text(json.dumps(source), encoding="utf-8")
    calls = record_first_args(monkeypatch, bias_protected, "_registry_entries")
    for cache_dir in (None, tmp_path / "cache"):
        calls.clear()
        render(example, cache_dir)
        assert len(calls) == 1, cache_dir


def test_shared_computes_once_and_records_one_group(example: Path) -> None:
    repo = Repo(example)
    runs: list[int] = []

    def compute(sub: RecordingRepo) -> str:
        runs.append(1)
        return sub.read_text("registry/models.yml")

    first, second = RecordingRepo(repo), RecordingRepo(repo)
    assert first.shared("k", compute) == second.shared("k", compute)
    assert len(runs) == 1
    assert first.cacheable and second.cacheable
    assert first.deps == second.deps and len(first.deps) == 1 and first.deps[0][0] == "group"
    digest = first.deps[0][1]
    assert [d[:2] for d in first.groups[digest]] == [["read", "registry/models.yml"]]


def test_an_uncacheable_shared_computation_makes_every_user_uncacheable(example: Path) -> None:
    repo = Repo(example)

    def compute(sub: RecordingRepo) -> object:
        return sub.root  # not something the recorder can name

    first, second = RecordingRepo(repo), RecordingRepo(repo)
    first.shared("k", compute)
    second.shared("k", compute)
    assert not first.cacheable and not second.cacheable
    assert not first.deps and not second.deps


def test_an_mlflow_source_in_use_keeps_bias_reports_uncacheable(example: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A server's answers (or the environment's MLFLOW_TRACKING_URI) are not dependencies the cache can check."""
    from aima_gate.collectors.model_registry import ModelRegistryCollector

    monkeypatch.setattr(ModelRegistryCollector, "mlflow_subjects", lambda self, ctx: iter(()))
    recorder = RecordingRepo(Repo(example))
    ctx = CollectContext(recorder, {}, {}, Clock.at(TODAY), {"mlflow_uri": "http://127.0.0.1:9"})  # type: ignore[arg-type]
    bias_protected.declared(ctx, REPORT, {"model": {"name": "credit-scorer", "version": "2.3.0"}})
    assert not recorder.cacheable
    quiet = RecordingRepo(Repo(example))
    ctx = CollectContext(quiet, {}, {}, Clock.at(TODAY), {})  # type: ignore[arg-type]
    bias_protected.declared(ctx, REPORT, {"model": {"name": "credit-scorer", "version": "2.3.0"}})
    assert quiet.cacheable


def test_a_group_that_names_another_group_never_holds(example: Path, tmp_path: Path) -> None:
    cache = cache_mod.ArtifactCache.open(tmp_path / "cache", Repo(example), ["test"])
    assert cache is not None
    try:
        cache._groups = {"a": [["group", "b"]], "b": [["exists", "registry/models.yml", True]]}
        assert cache._holds(["group", "b"])
        assert not cache._holds(["group", "a"])
        assert not cache._holds(["group", "missing"])
    finally:
        cache.save()


def test_an_edit_that_declares_nothing_keeps_the_reports_cached(example: Path, tmp_path: Path,
                                                                parses: list[str]) -> None:
    registry = example / "registry" / "models.yml"
    render(example, tmp_path)
    text = registry.read_text(encoding="utf-8")
    assert "protected_attributes" not in text and "\\" not in text
    registry.write_text(text.replace("owner: risk-ml-team@bank.example", "owner: credit-ml@bank.example", 1),
                        encoding="utf-8")
    parses.clear()
    warm = render(example, tmp_path)
    assert REPORT not in parses and "registry/models.yml" in parses  # the registry itself is parsed again
    assert warm == render(example, None)
    # A backslash may spell the key in a quoted string: the reports are parsed again (and still identical).
    registry.write_text(registry.read_text(encoding="utf-8") + '# "a\\u0020b"\n', encoding="utf-8")
    parses.clear()
    warm = render(example, tmp_path)
    assert REPORT in parses
    assert warm == render(example, None)


def test_a_new_registry_file_that_declares_nothing_keeps_the_reports_cached(example: Path, tmp_path: Path,
                                                                            parses: list[str]) -> None:
    """A new model's registry file changes the glob's listing but not what the declarations read: the reports are
    read back (at 5,000 models, 5,000 of them were parsed again in the first hook run after adding a model)."""
    render(example, tmp_path)
    (example / "registry" / "more.yml").write_text(
        "models:\n  - name: fraud-scorer\n    version: '1.0.0'\n    owner: fraud@bank.example\n", encoding="utf-8")
    parses.clear()
    warm = render(example, tmp_path)
    assert REPORT not in parses and "registry/more.yml" in parses
    assert warm == render(example, None)
    parses.clear()
    assert render(example, tmp_path) == warm  # and again (the new file is checked for needles, not parsed)
    assert REPORT not in parses and "registry/more.yml" not in parses


def test_a_removed_registry_file_is_seen_only_when_it_declared(example: Path, tmp_path: Path,
                                                                parses: list[str]) -> None:
    (example / "registry" / "quiet.yml").write_text("models: []\n", encoding="utf-8")
    (example / "registry" / "loud.yml").write_text(
        "models:\n  - name: credit-scorer\n    version: '2.3.0'\n    protected_attributes: [sex]\n"
        "    bias_report: ../reports/credit-scorer-2.3.0-fairness.json\n", encoding="utf-8")
    render(example, tmp_path)
    (example / "registry" / "quiet.yml").unlink()
    parses.clear()
    warm = render(example, tmp_path)
    assert REPORT not in parses
    assert warm == render(example, None)
    (example / "registry" / "loud.yml").unlink()
    parses.clear()
    warm = render(example, tmp_path)
    assert REPORT in parses
    assert warm == render(example, None)


NEEDLES = (b"protected_attributes", b"\\")
_texts = st.lists(st.sampled_from([b"owner: x\n", b"protected_attributes: [sex]\n", b'k: "\\u0041"\n', b"# \n",
                                   b"name: m\n"]), max_size=4).map(b"".join)
_states = st.lists(st.none() | _texts, min_size=3, max_size=3)
"""The bytes of registry/a.yml, registry/b.yml and registry/c.yml (None: no such file)."""


def _write(root: Path, state: list[bytes | None]) -> None:
    for name, data in zip("abc", state, strict=True):
        path = root / "registry" / f"{name}.yml"
        if data is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=_states, after=_states)
def test_a_holding_dependency_holds_exactly_when_glob_holding_would_return_the_same(tmp_path: Path,
                                                                                   before: list[bytes | None],
                                                                                   after: list[bytes | None]) -> None:
    """What RecordingRepo.glob_holding records and what the cache checks, over any edits, additions and removals
    of three registry files: the dependency holds exactly when glob_holding, run again, returns the same files
    with the same bytes (the files that hold no needle take no part, whether edited, added or removed)."""
    root = tmp_path / f"r{abs(hash((tuple(before), tuple(after))))}"
    (root / "registry").mkdir(parents=True)
    _write(root, before)
    recorder = RecordingRepo(Repo(root))
    got = recorder.glob_holding(["registry/*.yml"], NEEDLES)
    assert got == [(f"registry/{n}.yml", d) for n, d in zip("abc", before, strict=True)
                   if d is not None and any(x in d for x in NEEDLES)]
    (dep,) = recorder.deps
    assert dep[0] == "holding" and recorder.cacheable
    _write(root, after)
    again = RecordingRepo(Repo(root)).glob_holding(["registry/*.yml"], NEEDLES)
    cache = cache_mod.ArtifactCache.open(tmp_path / "cache", Repo(root), ["test"])
    assert cache is not None
    try:
        assert cache._holds(json.loads(json.dumps(dep))) is (again == got)
    finally:
        cache.save()
