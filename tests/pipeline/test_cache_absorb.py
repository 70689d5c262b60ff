"""A cold run's storing (pipeline/cache.py): the index entry of each parse absorbed is written as the marshal bytes
the JSON round trip of the old code (``as_json``, kept here as the reference) would have written, and a glob asked
twice in one run is filtered once."""

from __future__ import annotations

import marshal
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aima_gate.core.model import Artifact
from aima_gate.pipeline import cache as cache_mod
from aima_gate.pipeline.cache_codec import Uncacheable, encode_results
from aima_gate.pipeline.cache_entries import COMPACT, stored, with_spans
from aima_gate.pipeline.cache_writer import as_json
from aima_gate.safeio import repo as repo_mod
from aima_gate.safeio.repo import Repo
from tests.conftest import EXAMPLES

_TEXT = st.text(max_size=4) | st.sampled_from(["\udcff", "é", "registry/models.yml"])
_VALUE = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | _TEXT,
                      lambda inner: st.lists(inner, max_size=2) | st.dictionaries(_TEXT, inner, max_size=2),
                      max_leaves=6)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["model", "model_card", "bias_report"]), _TEXT, st.integers(min_value=-5, max_value=10**20),
       st.lists(st.tuples(_TEXT, _TEXT, _TEXT), max_size=2), st.dictionaries(_TEXT, _VALUE, max_size=3),
       st.lists(st.text(alphabet="0123456789abcdef", min_size=1, max_size=8), max_size=2))
def test_an_absorbed_entry_writes_what_its_json_round_trip_writes(kind: str, name: str, line: int,
                                                                   refs: list[tuple[str, str, str]],
                                                                   data: dict[str, Any], groups: list[str]) -> None:
    file = "f.yml"
    try:
        items, blobs = encode_results([Artifact(kind, name, file, data, line, references=tuple(refs))])
    except Uncacheable:
        return
    deps = [("read", file, "ab" * 32), *(("group", g) for g in groups)]
    entry = with_spans(f"{kind}\0{file}", stored(f"{kind}\0{file}", deps, items, len(blobs)),
                       [[7, len(blobs[0])], [7 + len(blobs[0]), len(blobs[1])]])
    assert len(entry) == COMPACT
    assert marshal.dumps(entry, 2) == marshal.dumps(as_json(entry), 2)


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLES / "credit-scoring", tmp_path / "repo"))


def test_a_glob_asked_twice_in_a_run_is_filtered_once(example: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, ...]] = []
    real = repo_mod.glob_filter

    def counting(paths: Any, patterns: Any) -> list[str]:
        calls.append(tuple(patterns))
        return real(paths, patterns)

    monkeypatch.setattr(cache_mod, "glob_filter", counting)
    cache = cache_mod.ArtifactCache.open(tmp_path / "cache", Repo(example), ["test"])
    assert cache is not None
    try:
        first = cache.repo.glob(["**/*.yml"])
        first.append("changed by the caller")  # a copy each time: the memo is never handed out
        assert cache.repo.glob(["**/*.yml"]) == repo_mod.glob_filter(cache.repo.files(), ["**/*.yml"]) != []
        assert calls == [("**/*.yml",)]
    finally:
        cache.save()
