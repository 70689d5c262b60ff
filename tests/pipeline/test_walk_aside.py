"""The walk made aside (pipeline/walk_aside.py): a forked child's walk installs exactly what the walk would have
found (skipped folders, escaping folder links, undecodable names included) with each file's stat; a child that
fails or sends anything else leaves the repository to walk itself; runs with it give the same reports, and a file
whose stat does not match its row is hashed as before."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aima_gate.core.clock import Clock
from aima_gate.pipeline import walk_aside
from aima_gate.pipeline.cache_recording import file_stat, stat_key
from aima_gate.pipeline.runner import RunOptions, run_check
from aima_gate.reporters import get_renderer
from aima_gate.safeio.repo import Repo
from tests.conftest import EXAMPLES, TODAY


@pytest.fixture(autouse=True)
def two_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A child is forked only with two jobs or more (one core, or AIMA_GATE_JOBS=1: none); these tests need one."""
    monkeypatch.setenv("AIMA_GATE_JOBS", "2")


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLES / "credit-scoring", tmp_path / "repo"))


@pytest.fixture
def odd_repo(tmp_path: Path) -> Path:
    """A repository with what the walk notes besides files: a skipped folder, a folder link out of the repository,
    a file link, a non-UTF-8 name."""
    root = tmp_path / "odd"
    for rel in ("cards/a.md", "registry/m.yml", "node_modules/x/index.js", "top.txt"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x\n", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "leaves").symlink_to(outside, target_is_directory=True)
    (root / "cards" / "link.md").symlink_to(root / "cards" / "a.md")
    with open(os.fsencode(root) + b"/cards/bad\xff.md", "wb") as fh:
        fh.write(b"x\n")
    return root


def _joined(root: Path, **kw: object) -> tuple[Repo, dict[str, bytes | None] | None]:
    repo = Repo(root, **kw)  # type: ignore[arg-type]
    aside = walk_aside.start(repo)
    assert aside is not None
    return repo, aside.join(repo)


def test_the_child_walk_is_the_walk_and_its_stats_are_the_files(odd_repo: Path) -> None:
    repo, stats = _joined(odd_repo, exclude=("top.txt",))
    plain = Repo(odd_repo, exclude=("top.txt",))
    assert stats is not None
    assert repo.listing() == plain.listing()
    assert repo.excluded_folders() == plain.excluded_folders() == [("node_modules", plain.excluded_folders()[0][1])]
    assert repo.escaping_folder_links() == plain.escaping_folder_links() != []
    assert repo.undecodable_names() == plain.undecodable_names() == ["cards/bad\\xff.md"]
    assert list(stats) == plain.files()
    for rel, got in stats.items():
        st = (odd_repo / rel).lstat()
        if rel == "cards/link.md":
            assert got is None  # not a regular file: never a stat row's match
        else:
            assert got == stat_key(st) == file_stat(plain, rel), rel


@pytest.mark.parametrize("how", ["raises", "garbage", "wrong shape", "too few stats"])
def test_a_failed_child_leaves_the_walk_to_this_process(how: str, odd_repo: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import marshal

    def broken(repo: Repo) -> bytes:
        if how == "raises":
            raise OSError("no")
        if how == "garbage":
            return b"\x00garbage"
        if how == "wrong shape":
            return marshal.dumps((walk_aside._TAG, (["a"], [], []), [None]))
        listing = repo.listing()
        return marshal.dumps((walk_aside._TAG, listing, [None] * (len(listing[0]) - 1)))

    monkeypatch.setattr(walk_aside, "_walk_and_stat", broken)
    repo = Repo(odd_repo)
    aside = walk_aside.start(repo)
    assert aside is not None
    assert aside.join(repo) is None
    assert repo._files is None  # untouched: it walks itself when asked
    assert repo.listing() == Repo(odd_repo).listing()


def test_no_fork_no_child(monkeypatch: pytest.MonkeyPatch, odd_repo: Path) -> None:
    monkeypatch.setattr(os, "fork", _no_fork)
    assert walk_aside.start(Repo(odd_repo)) is None


def test_one_job_no_child(monkeypatch: pytest.MonkeyPatch, odd_repo: Path) -> None:
    monkeypatch.setenv("AIMA_GATE_JOBS", "1")  # everything in one process, as the README promises
    monkeypatch.setattr(os, "fork", _no_fork)
    assert walk_aside.start(Repo(odd_repo)) is None


def _no_fork() -> int:
    raise OSError("fork failed")


def test_an_abandoned_child_is_reaped(odd_repo: Path) -> None:
    aside = walk_aside.start(Repo(odd_repo))
    assert aside is not None
    aside.finish()
    with pytest.raises(ChildProcessError):
        os.waitpid(aside._pid, os.WNOHANG)


def _render(options: RunOptions) -> str:
    report = run_check(options)
    return "\n".join(get_renderer(fmt)(report) for fmt in ("json", "text", "sarif"))


def test_runs_walking_aside_report_alike(example: Path, tmp_path: Path, parses: list[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Cold, warm, after an edit, and a partial run: the same bytes with and without the walk aside; a file whose
    taken stat does not match its row is parsed again (the edit), and only that one."""
    monkeypatch.setenv("AIMA_GATE_JOBS", "2")  # (parses sets 1) a child walks; the example's few files still parse
    joined: list[bool] = []  # here (under MIN_PARALLEL_ITEMS), where the spy sees them
    real_join = walk_aside.WalkAside.join

    def spy(self: walk_aside.WalkAside, repo: Repo) -> dict[str, bytes | None] | None:
        got = real_join(self, repo)
        joined.append(got is not None)
        return got

    monkeypatch.setattr(walk_aside.WalkAside, "join", spy)
    base = RunOptions(root=example, clock=Clock.at(TODAY))
    plain = _render(base)
    cache = tmp_path / "cache"
    aside = replace(base, cache_dir=cache, walk_aside=True)
    assert _render(aside) == plain  # cold
    shutil.copytree(cache, tmp_path / "other")
    parses.clear()
    assert _render(replace(base, cache_dir=tmp_path / "other")) == plain
    uncached = sorted(parses)  # kinds the cache does not keep (model files, signatures...) are parsed each run
    parses.clear()
    assert _render(aside) == plain  # warm: every other file read back
    assert sorted(parses) == uncached
    card = next((example / "cards").glob("*.md"))
    card.write_text(card.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")
    edited = _render(base)
    parses.clear()
    assert _render(aside) == edited
    assert sorted(parses) == sorted([*uncached, str(card.relative_to(example))])
    rel = str(card.relative_to(example))
    partial = replace(base, changed_files=frozenset({rel}))
    assert _render(replace(partial, cache_dir=cache, walk_aside=True)) == _render(partial)
    assert joined == [True] * 4  # every run walking aside (cold, warm, edited, partial) got the walk


def test_an_empty_repository_closes_the_cache(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    report = run_check(RunOptions(root=root, clock=Clock.at(TODAY), cache_dir=tmp_path / "cache", walk_aside=True))
    assert [f.policy_id for f in report.findings] == ["aima-gate.empty-repository"]


def test_taken_stats_answer_the_read_back_check_and_others_are_hashed(example: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Warm, with the stats the child took: no file is hashed. With stats that match no row (forged): every file
    read back is hashed, and the reports are the same."""
    from aima_gate.pipeline import cache as cache_mod

    base = RunOptions(root=example, clock=Clock.at(TODAY), cache_dir=tmp_path / "cache", walk_aside=True)
    monkeypatch.setattr(cache_mod, "RACY_NS", -10**18)  # the copied files' rows are kept at once
    plain = _render(base)
    _render(base)  # the rows recorded by the first run are in the pack now
    hashed: list[str] = []  # files whose stat row was checked by an lstat of their own (then hashed if need be)
    real = cache_mod.stat_reader

    def spy(repo: Repo) -> Any:
        reader = real(repo)

        def counted(rel: str) -> bytes | None:
            hashed.append(rel)
            return reader(rel)

        return counted

    monkeypatch.setattr(cache_mod, "stat_reader", spy)
    assert _render(base) == plain
    assert hashed == []
    real_join = walk_aside.WalkAside.join

    def forged(self: walk_aside.WalkAside, repo: Repo) -> dict[str, bytes | None] | None:
        stats = real_join(self, repo)
        assert stats is not None
        return {rel: bytes(40) for rel in stats}  # (a stat of zeros: no file has it)

    monkeypatch.setattr(walk_aside.WalkAside, "join", forged)
    assert _render(base) == plain
    assert len(hashed) > 20


_names = st.sampled_from(["a.md", "b.yml", "c.json", ".hidden", "node_modules", ".venv", "x.egg-info", "dir",
                          "sub", "card.md", "é.md", "we ird.txt"])
_trees = st.lists(st.tuples(st.lists(_names, min_size=1, max_size=4),
                            st.sampled_from(["file", "file", "file", "pyvenv", "link-in", "link-out", "raw"])),
                  max_size=14)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=_trees, exclude=st.sampled_from([(), ("**/*.json",), ("dir/**",)]), defaults=st.booleans())
def test_the_child_walk_is_the_walk_on_any_tree(tmp_path_factory: pytest.TempPathFactory,
                                                tree: list[tuple[list[str], str]], exclude: tuple[str, ...],
                                                defaults: bool) -> None:
    """On random trees (default-excluded folders, virtualenvs, folder links inside and out of the repository,
    non-UTF-8 names), with and without exclusions: the listing a child sends back is the one this process walks,
    and each regular file's stat is its own."""
    base = tmp_path_factory.mktemp("tree")
    root, outside = base / "repo", base / "outside"
    root.mkdir()
    outside.mkdir()
    for parts, what in tree:
        path = root.joinpath(*parts)
        if path.exists() or path.is_symlink() or any(p.is_file() or p.is_symlink() for p in path.parents
                                                     if p != root and root in p.parents):
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if what == "file":
            path.write_text("x\n", encoding="utf-8")
        elif what == "pyvenv":
            path.mkdir()
            (path / "pyvenv.cfg").write_text("home = /usr\n", encoding="utf-8")
        elif what == "link-in":
            path.symlink_to(root, target_is_directory=True)
        elif what == "link-out":
            path.symlink_to(outside, target_is_directory=True)
        else:
            with open(os.fsencode(path) + b"\xff", "wb") as fh:
                fh.write(b"x\n")
    kw = {"exclude": exclude, "default_exclusions": defaults}
    repo, stats = _joined(root, **kw)
    plain = Repo(root, **kw)  # type: ignore[arg-type]
    assert stats is not None
    assert repo.listing() == plain.listing()
    for rel, got in stats.items():
        st_ = os.lstat(root / rel)
        assert got == (stat_key(st_) if os.path.isfile(root / rel) and not os.path.islink(root / rel) else None), rel


def _hook_runs(example: Path, tmp_path: Path) -> tuple[RunOptions, RunOptions, Path, str]:
    """(a hook run naming the example's first card, with the cache and the walk aside; the same without the cache),
    the card, its name: the cache filled by a full run."""
    card = next((example / "cards").glob("*.md"))
    rel = str(card.relative_to(example))
    plain = RunOptions(root=example, clock=Clock.at(TODAY), changed_files=frozenset({rel}))
    hook = replace(plain, cache_dir=tmp_path / "cache", walk_aside=True)
    run_check(replace(hook, changed_files=None))
    return hook, plain, card, rel


def _told(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What each run told its child to parse (None: leave)."""
    told: list[Any] = []
    real_go = walk_aside.WalkAside.go

    def spy(self: walk_aside.WalkAside, todo: Any) -> None:
        if self._go is not None:
            # What to parse; the run's kinds come with it (the child is forked before the policies load).
            assert todo is None or ("model_card" in todo[2] and todo[2] == sorted(todo[2]))
            told.append(todo if todo is None else todo[:2])
        real_go(self, todo)

    monkeypatch.setattr(walk_aside.WalkAside, "go", spy)
    return told


def test_the_first_hook_run_after_an_edit_takes_the_childs_parse(example: Path, tmp_path: Path, parses: list[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The edited card named by a hook run is parsed by the walk's child, not here; the reports are those of the
    run without the cache, and the next run reads the card back (the child is then told to leave)."""
    from aima_gate.pipeline import cache as cache_mod

    monkeypatch.setenv("AIMA_GATE_JOBS", "2")  # (parses sets 1) a child walks
    monkeypatch.setattr(cache_mod, "RACY_NS", -10**18)  # a file just written gets its stat row at once
    hook, plain, card, rel = _hook_runs(example, tmp_path)
    told = _told(monkeypatch)
    card.write_text(card.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")
    parses.clear()
    assert _render(hook) == _render(plain)
    assert rel in parses  # (the run without the cache)
    parses.clear()
    _render(hook)  # (the pack written by the one before: read back, child told to leave)
    edited = _render(plain)
    parses.clear()
    text = card.read_text(encoding="utf-8")
    card.write_text(text.replace('version: "2.3.0"', 'version: "2.3.1"'), encoding="utf-8")
    again = _render(plain)  # (a failure: the card's version is not the registry's)
    assert again != edited
    parses.clear()
    assert _render(hook) == again
    assert rel not in parses  # the child's
    assert told == [([["model_card", rel]], []), None, ([["model_card", rel]], [])]
    parses.clear()
    assert _render(hook) == again
    assert rel not in parses  # read back
    assert told[3:] == [None]


@pytest.mark.parametrize("how", ["edited", "garbled", "raises"])
def test_a_childs_parse_that_does_not_hold_is_parsed_here(how: str, example: Path, tmp_path: Path,
                                                          parses: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A record of other bytes than those the run hashed (the file edited again between the run's hash and the
    child's read), one that does not decode, a child that fails while parsing: the card is parsed here, and the
    reports are those of the run without the cache."""
    monkeypatch.setenv("AIMA_GATE_JOBS", "2")
    hook, plain, card, rel = _hook_runs(example, tmp_path)
    real_run = walk_aside.NamedParses.run

    def child(self: walk_aside.NamedParses, repo: Repo, todo: Any) -> list[list[Any]]:
        if how == "raises":
            raise OSError("no")
        if how == "edited":  # (in the child, told to parse: after the run hashed the card)
            text = card.read_text(encoding="utf-8")
            card.write_text(text.replace('version: "2.3.0"', 'version: "2.3.1"'), encoding="utf-8")
        got = real_run(self, repo, todo)
        assert [r[:2] for r in got] == [["model_card", rel]]
        return [[*r[:2], "x", {}, [["a"]], [], {}] for r in got] if how == "garbled" else got

    monkeypatch.setattr(walk_aside.NamedParses, "run", child)
    card.write_text(card.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")
    parses.clear()
    got = _render(hook)
    assert rel in parses  # parsed here
    assert got == _render(plain)
    assert ('version: "2.3.1"' in card.read_text(encoding="utf-8")) is (how == "edited")


def test_a_new_file_named_by_a_hook_run_is_parsed_aside_as_the_kinds_that_glob_it(
        example: Path, tmp_path: Path, parses: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMA_GATE_JOBS", "2")
    hook, plain, card, _ = _hook_runs(example, tmp_path)
    told = _told(monkeypatch)
    new = card.with_name("new-model.md")
    new.write_text(card.read_text(encoding="utf-8").replace("credit-scorer", "new-model"), encoding="utf-8")
    rel = str(new.relative_to(example))
    hook, plain = replace(hook, changed_files=frozenset({rel})), replace(plain, changed_files=frozenset({rel}))
    parses.clear()
    assert _render(hook) == _render(plain)
    assert parses.count(rel) == 1  # (the run without the cache); the child parsed it for the hook run
    assert told == [([], [rel])]


@pytest.mark.parametrize("where", ["load_policies", "check_against_policies", "opened_alongside"])
def test_a_run_that_fails_before_the_join_lets_the_child_go(where: str, example: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk's child is forked before the policies load: a run that stops anywhere between (a bad policy, a
    config that names an unknown one, the cache failing to open) stops and reaps it before the error goes up."""
    from aima_gate.core.errors import PolicyError
    from aima_gate.pipeline import runner

    monkeypatch.setenv("AIMA_GATE_JOBS", "2")
    started: list[walk_aside.WalkAside] = []
    real_start = walk_aside.start

    def spy_start(*args: Any) -> walk_aside.WalkAside | None:
        got = real_start(*args)
        if got is not None:
            started.append(got)
        return got

    def fails(*_args: Any, **_kwargs: Any) -> Any:
        raise PolicyError("planted", file="policies/x.yml")

    monkeypatch.setattr(walk_aside, "start", spy_start)
    monkeypatch.setattr(runner if where != "opened_alongside" else walk_aside, where, fails)
    card = next((example / "cards").glob("*.md"))
    options = RunOptions(root=example, clock=Clock.at(TODAY), cache_dir=tmp_path / "cache", walk_aside=True,
                         changed_files=frozenset({str(card.relative_to(example))}))
    with pytest.raises(PolicyError, match="planted"):
        run_check(options)
    (child,) = started
    assert child._fd is None  # let go
    with pytest.raises(ChildProcessError):
        os.waitpid(child._pid, os.WNOHANG)  # and reaped
