"""Bounded, read-only repository access: size bound, encodings, symlinks and references that leave the repo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aima_gate.core.errors import InputError
from aima_gate.safeio.globs import glob_filter
from aima_gate.safeio.repo import Repo
from tests.conftest import write


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    root = tmp_path / "repo"
    write(root, "registry/models.yml", "models: []\n")
    write(root, "cards/a.md", "# A\n")
    write(root, ".git/config", "[core]\n")
    write(root, "node_modules/x/model_card.md", "# x\n")
    write(tmp_path, "outside/secret.yml", "password: hunter2\n")
    return Repo(root)


def test_listing_skips_vcs_and_dependency_folders(repo: Repo) -> None:
    assert repo.files() == ["cards/a.md", "registry/models.yml"]
    assert not repo.is_empty()


def test_default_exclusions_are_listed_and_can_be_turned_off(tmp_path: Path) -> None:
    root = tmp_path / "r"
    write(root, "models/m.pkl", "x")
    write(root, "envs/py311/pyvenv.cfg", "home = /usr/bin\n")  # a virtualenv under any name
    write(root, "envs/py311/lib/python3.11/site-packages/pkg/model.pkl", "x")
    write(root, "venv-notes/readme.md", "# not a virtualenv: no pyvenv.cfg\n")
    write(root, "dist/pkg-1.0.tar.gz", "x")
    write(root, "pkg.egg-info/PKG-INFO", "x")
    write(root, ".git/HEAD", "ref: refs/heads/main\n")
    repo = Repo(root)
    assert repo.files() == ["models/m.pkl", "venv-notes/readme.md"]
    assert repo.excluded_folders() == [("dist", "build output"), ("envs/py311", "Python virtualenv (pyvenv.cfg)"),
                                       ("pkg.egg-info", "build output")]
    assert repo.exists("envs/py311/lib/python3.11/site-packages/pkg/model.pkl")  # a reference still resolves
    everything = Repo(root, default_exclusions=False)
    assert "envs/py311/pyvenv.cfg" in everything.files() and everything.excluded_folders() == []
    assert not any(f.startswith(".git/") for f in everything.files())


def test_exclude_patterns(tmp_path: Path) -> None:
    root = tmp_path / "r"
    write(root, "a/x.yml", "a: 1\n")
    write(root, "b/x.yml", "a: 1\n")
    assert Repo(root, exclude=["b/**"]).files() == ["a/x.yml"]


def test_glob_semantics() -> None:
    paths = ["m.yml", "a/m.yml", "a/b/m.yml", ".hidden/m.yml", "a/m.json"]
    assert glob_filter(paths, ["*.yml"]) == ["m.yml"]
    assert glob_filter(paths, ["**/m.yml"]) == ["m.yml", "a/m.yml", "a/b/m.yml", ".hidden/m.yml"]
    assert glob_filter(paths, ["a/*.{yml,json}"]) == ["a/m.yml", "a/m.json"]
    assert glob_filter(paths, ["**/m.yml", "!a/b/**"]) == ["m.yml", "a/m.yml", ".hidden/m.yml"]


def test_reads_text(repo: Repo) -> None:
    assert repo.read_text("registry/models.yml") == "models: []\n"


def test_missing_file(repo: Repo) -> None:
    with pytest.raises(InputError, match="does not exist") as info:
        repo.read_text("nope.yml")
    assert info.value.file == "nope.yml"


def test_size_bound(tmp_path: Path) -> None:
    root = tmp_path / "r"
    write(root, "big.yml", "a: " + "x" * 5000 + "\n")
    with pytest.raises(InputError, match="over the 1,024-byte limit") as info:
        Repo(root, max_bytes=1024).read_text("big.yml")
    assert info.value.file == "big.yml"
    assert info.value.hint and "max_file_bytes" in info.value.hint


def test_binary_and_non_utf8_files(tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    (root / "bin.yml").write_bytes(b"\x00\x01\x02model")
    (root / "latin.yml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    repo = Repo(root)
    with pytest.raises(InputError, match="binary file") as info:
        repo.read_text("bin.yml")
    assert info.value.file == "bin.yml"
    with pytest.raises(InputError, match="not valid UTF-8") as info:
        repo.read_text("latin.yml")
    assert (info.value.file, info.value.line) == ("latin.yml", 1)


def test_symlink_leaving_the_repository_is_refused(repo: Repo, tmp_path: Path) -> None:
    link = repo.root / "registry" / "evil.yml"
    link.symlink_to(tmp_path / "outside" / "secret.yml")
    with pytest.raises(InputError, match="symlink that leaves the repository") as info:
        repo.read_text("registry/evil.yml")
    assert info.value.file == "registry/evil.yml"
    with pytest.raises(InputError, match="leaves the repository"):
        repo.open_binary("registry/evil.yml")


def test_symlink_inside_the_repository_is_fine(repo: Repo) -> None:
    (repo.root / "registry" / "alias.yml").symlink_to(repo.root / "registry" / "models.yml")
    assert repo.read_text("registry/alias.yml") == "models: []\n"


def test_dangling_symlink_and_symlink_loop(repo: Repo) -> None:
    (repo.root / "dangling.yml").symlink_to(repo.root / "nowhere.yml")
    with pytest.raises(InputError):
        repo.read_text("dangling.yml")
    os.symlink("loop2.yml", repo.root / "loop1.yml")
    os.symlink("loop1.yml", repo.root / "loop2.yml")
    with pytest.raises(InputError):
        repo.read_text("loop1.yml")


def test_directories_and_fifos_are_not_regular_files(repo: Repo) -> None:
    with pytest.raises(InputError, match="not a regular file"):
        repo.read_text("registry")
    os.mkfifo(repo.root / "pipe.yml")
    with pytest.raises(InputError, match="not a regular file"):
        repo.read_text("pipe.yml")


@pytest.mark.parametrize(
    ("reference", "fragment"),
    [("../../outside/secret.yml", "leaves the repository"), ("../../../etc/passwd", "leaves the repository"),
     ("/etc/passwd", "is absolute"), ("C:/x.md", "is absolute"), ("", "empty or invalid"),
     ("a\0b", "empty or invalid")],
)
def test_references_that_leave_the_repository(repo: Repo, reference: str, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment) as info:
        repo.resolve_reference(reference, base_file="registry/models.yml", line=4)
    assert (info.value.file, info.value.line) == ("registry/models.yml", 4)


def test_references_resolve_relative_to_the_referencing_file(repo: Repo) -> None:
    assert repo.resolve_reference("../cards/a.md", base_file="registry/models.yml") == "cards/a.md"
    assert repo.resolve_reference("./x/../card.md", base_file="registry/models.yml") == "registry/card.md"


def test_glob_prefilter_never_changes_what_matches() -> None:
    """glob_filter skips the regex for paths that lack every literal ending the patterns require; the result is
    the same as matching every path (root files under ``**/``, braces, trailing slash or newline, negation)."""
    import itertools

    from aima_gate.collectors import COLLECTORS, load_collector
    from aima_gate.safeio.globs import _compiled

    parts = ["cards", "registry", "x.md", "README.md", "model_card.md", "b.json", "SHA256SUMS", "m.pkl.gz", "z.asc",
             ".hidden", "bias-report1.json", "MLmodel", "y.yml", "governance", "threat-model.yml", "attestations.yml"]
    paths = sorted({sep.join(combo) + end for n in (1, 2, 3) for combo in itertools.product(parts[:9] if n == 3
                    else parts, repeat=n) for end in ("", "/", "\n") for sep in ("/", "//")})
    pattern_lists = [load_collector(k).default_paths for k in sorted(COLLECTORS)]
    pattern_lists += [("**/*.md", "!**/x*"), ("cards/*",), ("**",), ("**/[Rr]EADME.md",), ("{a,b}/x.md",),
                      ("cards/**/?.md",), ("**/c*s/**/*.md",), ("registry/**",), ("**/x.m[d]",), ("x\\.md",),
                      # the first loose alternative a path fits is not the pattern that matches it exactly
                      ("[b]/x.md", "?/x.md"), ("**/x.m[x]", "**/x.m?", "!**/c*/**"), ("**/[!x].md", "**/*.md")]
    for patterns in pattern_lists:
        for subset in (paths, paths[::7], [p for p in paths if "x.md" not in p], []):  # some without candidates
            include, exclude = _compiled(tuple(patterns)).exact()
            every = [p for p in subset if include.match(p) and not (exclude and exclude.match(p))]
            assert glob_filter(subset, patterns) == every, patterns
    card_globs = _compiled(tuple(load_collector("model_card").default_paths))
    assert card_globs.suffixes is not None and card_globs.names is not None  # the prefilters ran
    assert card_globs.branch_of is not None  # and each pattern's own regex was tried first


def test_a_glob_lists_exact_regex_is_compiled_only_when_a_path_gets_past_the_prefilters() -> None:
    from aima_gate.safeio.globs import _compiled

    patterns = ("**/never-here-*.json", "!**/skip/**")
    globs = _compiled(patterns)
    assert glob_filter(["a/b.json", "c.md", "never-here.yml"], patterns) == []
    assert globs._exact is None  # nothing got past the cheap tests: the translated regexes were never compiled
    assert glob_filter(["a/never-here-1.json", "skip/never-here-2.json"], patterns) == ["a/never-here-1.json"]
    assert globs._excluding is not None  # the exclusion is compiled and applied
    assert globs._exact is None  # each path matched its own pattern's piece: the union was not needed
    with pytest.raises(Exception, match="limit"):  # a pattern wcmatch refuses still fails at once, candidates or not
        glob_filter([], ["a/{" + "x," * 2000 + "y}/" * 3])


def test_a_default_glob_matches_each_path_with_its_own_patterns_piece() -> None:
    """The loose branch a path fits names its expanded pattern, whose piece of the union matches it: the whole
    union is never compiled for paths its own patterns match (braces expanded as wcmatch expands them)."""
    from aima_gate.collectors import load_collector
    from aima_gate.safeio.globs import _compiled

    _compiled.cache_clear()
    cases = {"model": ["registry/a.yml", "registry/x/b.yaml", "model-registry.json", "models/registry.yaml"],
             "model_card": ["cards/a.md", "x/model_cards/b.json", "README.md", "deep/MODEL_CARD.md"],
             "robustness_report": ["robustness-1.yaml", "a/red-team.json", "eval/b.report.jsonl"]}
    for kind, paths in cases.items():
        patterns = load_collector(kind).default_paths
        assert glob_filter([*paths, "other/file.txt"], patterns) == paths, kind
        assert _compiled(tuple(patterns))._exact is None, kind


def _outcome(repo: Repo, rel: str, max_bytes: int | None = None) -> object:
    try:
        return repo.read_bytes(rel, max_bytes=max_bytes)
    except InputError as exc:
        return ("error", str(exc), exc.file, exc.line, exc.hint)


def test_reading_a_walked_file_gives_what_the_checked_path_gives(repo: Repo, tmp_path: Path) -> None:
    """Files the walk found are read through one ``O_NOFOLLOW`` open; links, FIFOs, folders, vanished and
    oversized files get the same bytes or the same error as through :meth:`Repo.path`."""
    root = repo.root
    (root / "registry" / "evil.yml").symlink_to(tmp_path / "outside" / "secret.yml")
    (root / "registry" / "alias.yml").symlink_to(root / "registry" / "models.yml")
    (root / "dangling.yml").symlink_to(root / "nowhere.yml")
    os.symlink("loop2.yml", root / "loop1.yml")
    os.symlink("loop1.yml", root / "loop2.yml")
    os.mkfifo(root / "pipe.yml")
    write(root, "big.yml", "a: " + "x" * 5000 + "\n")
    write(root, "gone.yml", "a: 1\n")
    write(root, "exact.yml", "x" * 1024)
    walked = Repo(root)
    names = walked.files()
    (root / "gone.yml").unlink()
    for rel in [*names, "gone.yml", "registry"]:
        for limit in (None, 1024, 1023):
            assert _outcome(walked, rel, limit) == _outcome(Repo(root), rel, limit), (rel, limit)
    assert walked.read_bytes("registry/alias.yml") == b"models: []\n"
    assert walked.read_bytes("exact.yml", max_bytes=1024) == b"x" * 1024
    assert "leaves the repository" in str(_outcome(walked, "registry/evil.yml"))
    assert "not a regular file" in str(_outcome(walked, "pipe.yml"))


def test_the_same_glob_list_is_matched_once_per_listing(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    from aima_gate.safeio import repo as repo_mod
    from tests.spies import record_first_args

    calls = record_first_args(monkeypatch, repo_mod, "glob_filter")
    first = repo.glob(["registry/*.yml", "cards/*"])
    first.append("mine")  # callers get their own list
    again = repo.glob(("registry/*.yml", "cards/*"))
    assert again == glob_filter(repo.files(), ["registry/*.yml", "cards/*"]) == first[:-1]
    assert len(calls) == 1  # the second glob of the same list was answered from the first
    assert repo.glob(["**/*.md"]) == glob_filter(repo.files(), ["**/*.md"]) and len(calls) == 2


def test_a_walked_file_is_read_in_one_system_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The read that returns the size fstat gave ends the file: no second read only to find its end. A file at
    the byte limit still reads, one over it is still refused."""
    (tmp_path / "a.txt").write_text("hello\n")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "limit.txt").write_text("x" * 8)
    (tmp_path / "over.txt").write_text("x" * 9)
    repo = Repo(tmp_path, max_bytes=8)
    repo.files()
    calls: list[int] = []
    real_read = os.read

    def counting(fd: int, n: int) -> bytes:
        calls.append(n)
        return real_read(fd, n)

    monkeypatch.setattr(os, "read", counting)
    assert repo.read_text("a.txt") == "hello\n"
    assert calls == [7]
    assert repo.read_text("empty.txt") == ""
    assert repo.read_text("limit.txt") == "x" * 8
    assert len(calls) == 3
    with pytest.raises(InputError, match="over the 8-byte limit"):
        repo.read_text("over.txt")


@pytest.mark.skipif(os.name != "posix", reason="non-UTF-8 file names are a POSIX file system's")
def test_walk_lists_undecodable_names_among_good_ones_as_before(tmp_path: Path) -> None:
    """The walk checks a folder's names together first (one encode): a folder with one non-UTF-8 name among good
    ones still lists exactly that one as undecodable, and every other as a file, as a check per name did."""
    root = tmp_path / "repo"
    for rel in ("cards/a.md", "cards/b.md", "cards/c.md", "top.yml", "clean/x.md"):
        write(root, rel, "x\n")
    for raw in (b"cards/bad\xff.md", b"cards/\xed\xa0\x80.md", b"we\xffird/inside.md"):
        path = os.fsencode(root) + b"/" + raw
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(b"x\n")
    repo = Repo(root)
    assert repo.files() == ["cards/a.md", "cards/b.md", "cards/c.md", "clean/x.md", "top.yml"]
    assert sorted(repo.undecodable_names()) == sorted(["cards/bad\\xff.md", "cards/\\xed\\xa0\\x80.md", "we\\xffird/"])
