"""Recording a parse for the artifact cache (pipeline/cache_recording.py): the recorded context is the one
``dataclasses.replace`` would make (kept here as the reference), with the clock a parse reads through the
recorder; a recorder's reads record each file's stat identity as :func:`file_stat` answers it; a parse that reads
the clock is not cached (a pack serves every day's runs)."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aima_gate.collectors import CollectContext
from aima_gate.core.clock import Clock
from aima_gate.pipeline.cache_recording import RecordedClock, RecordingRepo, file_stat, parse_recorded, with_repo
from aima_gate.safeio.repo import Repo
from tests.conftest import EXAMPLES, TODAY


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLES / "credit-scoring", tmp_path / "repo"))


def test_with_repo_is_dataclasses_replace(example: Path) -> None:
    repo = Repo(example)
    ctx = CollectContext(repo, {"paths": ["a"]}, {"x": 1}, Clock.at(TODAY), {"mlflow_uri": None}, {("k", "f"): []})
    recorder = RecordingRepo(repo)
    made = with_repo(ctx, recorder)
    assert type(made.clock) is RecordedClock and made.clock._clock is ctx.clock
    reference = dataclasses.replace(ctx, repo=recorder, clock=made.clock)  # type: ignore[arg-type]
    assert type(made) is CollectContext and made == reference and made is not ctx
    assert vars(made) == vars(reference) and all(getattr(made, f.name) is getattr(reference, f.name)
                                                 for f in dataclasses.fields(CollectContext))
    assert ctx.repo is repo  # the original is untouched
    # what the copy relies on: every field is an __init__ argument stored as given
    assert not hasattr(CollectContext, "__post_init__") and all(f.init for f in dataclasses.fields(CollectContext))
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.repo = repo  # type: ignore[misc]


def test_with_repo_of_another_dataclass_is_replace() -> None:
    @dataclasses.dataclass(frozen=True)
    class Other:
        repo: object
        clock: object
        n: int = 0

        def __post_init__(self) -> None:
            object.__setattr__(self, "n", self.n + 1)

    recorder = RecordingRepo(Repo(Path()))
    made = with_repo(Other("a", "c"), recorder)
    assert made == dataclasses.replace(Other("a", "c"), repo=recorder, clock=made.clock)
    assert made == Other(recorder, made.clock, 1)
    assert type(made.clock) is RecordedClock


@pytest.mark.parametrize("read", [lambda c: c.today, lambda c: c.now(), lambda c: c.pinned])
def test_a_parse_that_reads_the_clock_is_not_cached(example: Path, read: Callable[[Any], object]) -> None:
    clock = Clock.at(TODAY)
    ctx = CollectContext(Repo(example), {}, {}, clock, {})

    def parse(seen: CollectContext) -> list[Any]:
        assert read(seen.clock) == read(clock)  # the run's own answers
        return []

    *_, record = parse_recorded(parse, ctx, Repo(example))
    assert record.items is None  # not cacheable
    *_, quiet = parse_recorded(lambda seen: [], ctx, Repo(example))
    assert quiet.items == []


def test_a_shared_computation_that_reads_the_clock_makes_every_user_uncacheable(example: Path) -> None:
    repo = Repo(example)
    ctx = CollectContext(repo, {}, {}, Clock.at(TODAY), {})
    recorders = []

    def parse(seen: CollectContext) -> list[Any]:
        recorder = seen.repo
        assert isinstance(recorder, RecordingRepo)
        recorders.append(recorder)
        recorder.shared("dated", lambda sub: seen.clock.today)  # computed once: by the first parse
        return []

    records = [parse_recorded(parse, ctx, repo)[-1] for _ in range(2)]
    assert [r.items for r in records] == [None, None]
    assert recorders[0].clock_reads == 1 and recorders[1].clock_reads == 0  # the second only used the memo


def test_reads_record_the_stat_identity_file_stat_gives(example: Path) -> None:
    repo = Repo(example)
    recorder = RecordingRepo(repo)
    files = [f for f in repo.files() if f.endswith((".yml", ".md"))][:3]
    for rel in files:
        recorder.read_bytes(rel)
    assert recorder.cacheable and recorder.stats == {rel: file_stat(repo, rel) for rel in files}
    assert [d[1] for d in recorder.deps] == files
