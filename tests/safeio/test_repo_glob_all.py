"""``Repo.glob_all`` globs every kind's pattern list at once, spread over the cores on a large listing: what
``Repo.glob`` then answers for each list is exactly ``glob_filter`` of it, spread or not, and a pattern that is
refused fails in this process, as ``Repo.glob`` fails, before anything is spread or memoized."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aima_gate.safeio.repo as repo_module
from aima_gate.core.parallel import can_fork
from aima_gate.safeio.globs import glob_filter
from aima_gate.safeio.repo import Repo
from tests.safeio.test_globs import _PATHS, _PATTERNS


def _listed(root: Path, files: list[str]) -> Repo:
    repo = Repo(root)
    assert repo.adopt_listing(sorted(set(files)), [], [], [])
    return repo


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_PATTERNS, min_size=1, max_size=4), min_size=1, max_size=6), st.lists(_PATHS, max_size=30),
       st.booleans())
def test_glob_all_then_glob_is_glob_filter(tmp_path_factory: pytest.TempPathFactory, lists: list[list[str]],
                                           paths: list[str], spread: bool) -> None:
    repo = _listed(tmp_path_factory.mktemp("r"), paths)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIMA_GATE_JOBS", "2")
        patch.setattr(repo_module, "GLOB_ALL_SPREAD_FILES", 0 if spread else 10**9)
        try:
            repo.glob_all(lists)
        except Exception as refused:  # a refused pattern: glob_filter refuses it the same way, here
            with pytest.raises(type(refused)):
                for patterns in lists:
                    glob_filter(repo.files(), patterns)
            return
    for patterns in lists:
        assert repo.glob(patterns) == glob_filter(repo.files(), patterns)


@pytest.mark.skipif(not can_fork(), reason="needs fork (Linux)")
def test_a_large_listing_is_globbed_by_a_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Spread, a list is globbed in the forked worker (seen by the process id the task ran in), and the memo holds
    every list's own result."""
    monkeypatch.setenv("AIMA_GATE_JOBS", "2")
    monkeypatch.setattr(repo_module, "GLOB_ALL_SPREAD_FILES", 10)
    files = [f"cards/m{n}.md" for n in range(40)] + [f"registry/m{n}.yml" for n in range(40)]
    repo = _listed(tmp_path, files)
    real = repo_module.glob_filter

    def spying(paths: list[str], patterns: tuple[str, ...]) -> list[str]:
        found = real(paths, patterns)
        return [*found, f"pid:{os.getpid()}"] if patterns == ("registry/*.yml",) else found

    monkeypatch.setattr(repo_module, "glob_filter", spying)
    repo.glob_all([["cards/*.md"], ["registry/*.yml"], ["**/*.json"]])
    monkeypatch.setattr(repo_module, "glob_filter", real)
    registry = repo.glob(["registry/*.yml"])
    assert registry[:-1] == sorted(f"registry/m{n}.yml" for n in range(40))
    assert registry[-1] != f"pid:{os.getpid()}"  # computed by the worker, not here
    assert repo.glob(["cards/*.md"]) == sorted(f"cards/m{n}.md" for n in range(40))
    assert repo.glob(["**/*.json"]) == []


def test_a_refused_pattern_fails_here_and_nothing_is_memoized(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repo_module, "GLOB_ALL_SPREAD_FILES", 0)
    repo = _listed(tmp_path, ["a.md", "b.md"])
    refused = ["{a,b}" * 12]
    with pytest.raises(Exception) as by_glob:
        Repo(tmp_path).glob(refused)
    with pytest.raises(type(by_glob.value)):
        repo.glob_all([["*.md"], refused])
    assert repo._globbed == {}
