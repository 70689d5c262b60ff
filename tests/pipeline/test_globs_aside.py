"""pipeline/globs_aside.py: a run without the cache takes its walk and every kind's globs from a forked child; what
it installs is what the repository walks and globs itself, and any failure leaves the repository to do so."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from aima_gate.collectors import COLLECTORS, load_collector
from aima_gate.core.parallel import can_fork
from aima_gate.pipeline import globs_aside
from aima_gate.pipeline.runner import load_config
from aima_gate.safeio.repo import Repo
from tests.conftest import EXAMPLES, bench_repo, write

pytestmark = pytest.mark.skipif(not can_fork(), reason="needs fork (Linux)")


@pytest.fixture(autouse=True)
def _two_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMA_GATE_JOBS", "2")


def _hostile(root: Path) -> Path:
    write(root, "registry/a b.yml", "name: a\n")
    write(root, "registry/\u00e9\u20ac.yml", "name: b\n")
    write(root, "cards/x.md", "# card\n")
    write(root, "node_modules/registry/c.yml", "name: c\n")  # a folder the walk skips
    (root / "registry" / "link.yml").symlink_to("a b.yml")
    (root / "registry" / os.fsdecode(b"\xff.yml")).write_text("name: d\n", encoding="utf-8")  # not UTF-8
    return root


@pytest.mark.parametrize("make", [lambda tmp: EXAMPLES / "credit-scoring", lambda tmp: bench_repo(tmp / "b", 30),
                                  _hostile])
def test_the_childs_walk_and_globs_are_the_repositorys(tmp_path: Path, make: object) -> None:
    root = make(tmp_path)  # type: ignore[operator]
    config = load_config(root, None)
    lists = globs_aside.every_kinds_globs(config)
    assert len(lists) == len(COLLECTORS)
    aside_repo, own_repo = (Repo(root, exclude=config.exclude) for _ in range(2))
    child = globs_aside.start(aside_repo, lambda: lists)
    assert child is not None and child.join(aside_repo)
    assert aside_repo.listing() == own_repo.listing()
    for patterns in lists:  # answered from what the child sent; the same as globbed here
        assert tuple(patterns) in aside_repo._globbed
        assert aside_repo.glob(patterns) == own_repo.glob(patterns)


def test_a_list_the_child_cannot_glob_is_globbed_here(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "x\n")
    refused = ("{a,b}" * 12 + ".md",)  # braces past the matcher's limit: refused
    repo = Repo(tmp_path)
    child = globs_aside.start(repo, lambda: [refused, ("*.md",)])
    assert child is not None and child.join(repo)
    assert ("*.md",) in repo._globbed and refused not in repo._globbed
    with pytest.raises(Exception, match=r"[Pp]attern"):
        repo.glob(refused)  # fails here, as it always did


def test_a_child_that_fails_or_dies_leaves_the_repository_to_walk(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "x\n")

    def boom() -> list[tuple[str, ...]]:
        raise RuntimeError("no lists")

    for pattern_lists in (boom, lambda: os.kill(os.getpid(), 9)):
        repo = Repo(tmp_path)
        child = globs_aside.start(repo, pattern_lists)  # type: ignore[arg-type]
        assert child is not None and not child.join(repo)
        assert repo._files is None and not repo._globbed  # untouched: it walks itself
        assert repo.files() == ["a.md"]


def test_one_job_forks_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMA_GATE_JOBS", "1")
    assert globs_aside.start(Repo(tmp_path), lambda: []) is None


@pytest.mark.parametrize("kind", sorted(COLLECTORS))
def test_warming_a_collector_changes_nothing_it_parses(kind: str) -> None:
    """``warm`` reads no file (it is given none) and leaves what a parse gives as it was: the example's files of
    that kind parse the same in a process where it ran."""
    from aima_gate.collectors import parse_file
    from aima_gate.core.clock import Clock
    from aima_gate.pipeline.runner import _context
    from tests.conftest import TODAY

    root = EXAMPLES / "credit-scoring"
    config = load_config(root, None)
    repo = Repo(root, exclude=config.exclude)
    collector = load_collector(kind)
    ctx = _context(repo, config, kind, Clock.at(TODAY), {})
    files = repo.glob(ctx.options.get("paths") or collector.default_paths)
    before = [_shape(parse_file(collector, ctx, f)) for f in files]
    collector.warm()
    assert [_shape(parse_file(collector, ctx, f)) for f in files] == before


def _shape(results: Sequence[object]) -> list[object]:
    """What a parse gave, as comparable values (an artifact's line index has no equality of its own)."""
    from aima_gate.core.model import Artifact

    return [(r.kind, r.name, r.file, repr(r.data), r.line, r.references) if isinstance(r, Artifact)
            else (type(r).__name__, str(r)) for r in results]
