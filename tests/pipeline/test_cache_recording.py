"""Recording a parse for the artifact cache (pipeline/cache_recording.py): the recorded context is the one
``dataclasses.replace`` would make (kept here as the reference), and a recorder's reads record each file's stat
identity as :func:`file_stat` answers it."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from aima_gate.collectors import CollectContext
from aima_gate.core.clock import Clock
from aima_gate.pipeline.cache_recording import RecordingRepo, file_stat, with_repo
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
    reference = dataclasses.replace(ctx, repo=recorder)  # type: ignore[arg-type]  # (what parse_recorded did)
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
        n: int = 0

        def __post_init__(self) -> None:
            object.__setattr__(self, "n", self.n + 1)

    assert with_repo(Other("a"), "b") == dataclasses.replace(Other("a"), repo="b") == Other("b", 1)


def test_reads_record_the_stat_identity_file_stat_gives(example: Path) -> None:
    repo = Repo(example)
    recorder = RecordingRepo(repo)
    files = [f for f in repo.files() if f.endswith((".yml", ".md"))][:3]
    for rel in files:
        recorder.read_bytes(rel)
    assert recorder.cacheable and recorder.stats == {rel: file_stat(repo, rel) for rel in files}
    assert [d[1] for d in recorder.deps] == files
