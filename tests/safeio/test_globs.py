"""glob_filter's shortcuts (literal endings, the loose regex, each pattern's own piece of the union) never change
what matches: on any pattern list and any paths, it keeps exactly the paths wcmatch's translated union accepts and
its exclusions do not, in their order. The reference here is wcmatch itself, not glob_filter's own regexes."""

from __future__ import annotations

import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from wcmatch import glob as wglob

from aima_gate.safeio import globs
from aima_gate.safeio.globs import glob_filter

_FLAGS = wglob.GLOBSTAR | wglob.DOTGLOB | wglob.BRACE | wglob.NEGATE

_LITERALS = ["a", "b", "x", ".md", ".json", "-", "m", "cards", "registry", "model", "1", ".", "h"]
# Path names made of the same literals the patterns use (and a few odd ones), so that patterns often almost match.
_NAMES = st.lists(st.sampled_from(_LITERALS), min_size=1, max_size=3).map("".join) | st.sampled_from(
    ["..", "c[1]", "x?y", "{a}", "MLmodel", "x.md\na.json", "a\n"])
_PATHS = st.lists(_NAMES, min_size=1, max_size=4).map("/".join) | st.lists(_NAMES, min_size=1, max_size=3).map(
    lambda parts: "/".join(parts) + "/")
_PIECES = st.sampled_from([*_LITERALS, "*", "*", "?", "[ab]", "[!a]", "{a,b}", "{x.md,x.json}"])
_SEGMENTS = st.lists(_PIECES, min_size=1, max_size=3).map("".join) | st.just("**")
_PATTERNS = st.builds(lambda negate, segments: ("!" if negate else "") + "/".join(segments),
                      st.sampled_from([False, False, False, True]),  # about one pattern in four excludes
                      st.lists(_SEGMENTS, min_size=1, max_size=3))


def _reference(paths: list[str], patterns: list[str]) -> list[str]:
    include, exclude = wglob.translate(patterns, flags=_FLAGS)
    inc = re.compile("|".join(include)) if include else None
    exc = re.compile("|".join(exclude)) if exclude else None
    return [p for p in paths if inc is not None and inc.match(p) and not (exc and exc.match(p))]


_STANDS_FOR = {"**": ["", "a", "a/b", ".h/x"], "*": ["", "x", ".h", "ab"], "?": ["a", "b", "."], "[ab]": ["a", "c"],
               "[!a]": ["a", "b"], "{a,b}": ["a", "b", "c"], "{x.md,x.json}": ["x.md", "x.json", "x.yml"]}
_WILD = re.compile("|".join(re.escape(k) for k in sorted(_STANDS_FOR, key=len, reverse=True)))


def _instances(patterns: list[str], rnd: random.Random) -> list[str]:
    """Paths made from the patterns, each wildcard replaced by something it matches or almost matches: what makes
    the loose regex, the pieces and the exclusions disagree, if they can."""
    out = []
    for pattern in patterns:
        for _ in range(3):
            path = _WILD.sub(lambda m: rnd.choice(_STANDS_FOR[m.group(0)]), pattern.lstrip("!"))
            out.append(path.replace("//", "/").lstrip("/") + rnd.choice(["", "", "/"]))
    return [p for p in out if p]


@settings(max_examples=600, deadline=None)
@given(st.lists(_PATTERNS, min_size=1, max_size=5), st.lists(_PATHS, max_size=15), st.randoms(use_true_random=False),
       st.sampled_from([0, 1, globs.RARE_SHARE]))
def test_glob_filter_is_the_translated_union(patterns: list[str], others: list[str], rnd: random.Random,
                                             rare_share: int) -> None:
    """On a list of paths, and on the paths joined (searched for the patterns' rarest literals: always with a share
    of 0, as they run at 1 and by default)."""
    paths = _instances(patterns, rnd) + others
    before, globs.RARE_SHARE = globs.RARE_SHARE, rare_share
    try:
        _check(patterns, paths)
    finally:
        globs.RARE_SHARE = before


def _check(patterns: list[str], paths: list[str]) -> None:
    try:
        expected = _reference(paths, patterns)
    except Exception as refused:  # a pattern wcmatch refuses: glob_filter refuses it too
        try:
            glob_filter(paths, patterns)
        except Exception as also:
            assert type(also) is type(refused)
            return
        raise AssertionError(f"{patterns!r} was refused by wcmatch, not by glob_filter") from refused
    assert glob_filter(paths, patterns) == expected, patterns
    assert glob_filter(globs.JoinedPaths(paths), patterns) == expected, patterns


def test_paths_that_fit_an_earlier_loose_branch_than_their_own_pattern() -> None:
    """``?`` and a class are any one character to the loose regex: a path can fit pattern 0's loose branch but
    only pattern 1's exact regex."""
    assert glob_filter(["c/x.md", "b/x.md", "bb/x.md"], ["[b]/x.md", "?/x.md"]) == ["c/x.md", "b/x.md"]
    assert glob_filter(["a.md", "x.md"], ["**/[!x].md", "**/*.md"]) == ["a.md", "x.md"]
