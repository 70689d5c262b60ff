"""Glob matching of repository paths: ``**`` spans folders, ``*`` does not, dot-files match, ``!pat`` excludes.
Patterns are translated once per pattern list; cheap necessary tests (a literal ending, a loose regex) run before
the exact match."""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import accumulate, repeat
from typing import cast


class JoinedPaths:
    """A path listing with its text (the paths joined by newlines), searched at C speed for the few paths holding a
    rare literal (:func:`glob_filter`). No text when a path holds a newline: then every path is a candidate."""

    __slots__ = ("_counts", "_starts", "paths", "text")

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        text = "\n".join(paths) + "\n"
        self.text: str | None = text if text.count("\n") == len(paths) else None
        self._starts: list[int] | None = None
        self._counts: dict[str, int] = {}

    def count(self, literal: str) -> int:
        """Occurrences of ``literal`` (holding no newline) in the text (memoized: glob lists share literals)."""
        assert self.text is not None
        n = self._counts.get(literal)
        if n is None:
            n = self._counts[literal] = self.text.count(literal)
        return n

    def holding(self, literals: Iterable[str]) -> list[str]:
        """The paths holding any of ``literals`` (none holding a newline), in listing order."""
        assert self.text is not None
        if self._starts is None:
            self._starts = [0, *accumulate(len(p) + 1 for p in self.paths)]
        text, starts, rows = self.text, self._starts, set()
        for literal in literals:
            at = text.find(literal)
            while at >= 0:
                row = bisect_right(starts, at) - 1
                rows.add(row)
                at = text.find(literal, starts[row + 1])  # (the next path: one row each)
        return [self.paths[row] for row in sorted(rows)]


RARE_SHARE = 8
"""A glob list whose patterns' literals occur at most once per this many paths is matched against the paths holding
them only."""
RARE_MAX_PATTERNS = 12
"""Lists of more patterns (braces expanded) than this are not searched for their literals (a search each)."""


def glob_filter(paths: Iterable[str] | JoinedPaths, patterns: Sequence[str]) -> list[str]:
    """Paths matching any pattern; ``**`` spans folders, ``*`` does not, dot-files match, ``!pat`` excludes."""
    globs = _compiled(tuple(patterns))
    if globs.matches_nothing:  # no include pattern (none, or exclusions only)
        return []
    joined = paths if isinstance(paths, JoinedPaths) else None
    listing: Iterable[str] = joined.paths if joined is not None else cast(Iterable[str], paths)
    suffixes = globs.suffixes
    if suffixes is None or globs.loose is None:
        include, exclude = globs.exact()
        return [p for p in listing if include.match(p) and not (exclude and exclude.match(p))]
    if joined is not None and joined.text is not None and globs.literals is not None:
        # Each include pattern's literal pieces appear verbatim in every path it matches: the paths holding a rare
        # piece of each pattern are the only candidates. Counted at C speed over the joined text (about a quarter of
        # a millisecond a piece at 20,000 paths: the longest first, memoized); most default globs name files a
        # given repository does not have, and are then done without a look at each path.
        rare = _rare_literals(joined, globs.literals)
        if rare is not None:
            if not rare:
                return []
            listing = joined.holding(rare)
    # Cheap necessary tests first (one translated regex per glob list against every file was a seventh of a
    # large run): the path ends in a literal ending some pattern requires, then fits a plain regex that accepts
    # everything the translated one does; only then the exact match, whose regex is compiled only then (most
    # default globs find nothing in a given repository; compiling them all was most of the globbing time).
    if not isinstance(listing, list):
        listing = [p for p in listing if p.endswith(suffixes)]
    elif listing and not any(map(str.endswith, listing, repeat(suffixes))):
        return []
    names = globs.names()
    candidates = [p for p in listing if p.endswith(suffixes) and names.match(p)]  # (matched twice: cheaper than
    # keeping every match object of a path list that mostly fails)
    if not candidates:
        return []
    if globs.branch_of is None:
        include, exclude = globs.exact()
        return [p for p in candidates if include.match(p) and not (exclude and exclude.match(p))]
    # The loose branch a path matched names the one pattern likely to match it exactly: its own translated regex
    # (a piece of the union) is tried first, the whole union (compiled only then) when that fails: a path the loose
    # regex let through for a pattern it does not fit. The union's first alternatives cost every later pattern's
    # paths.
    found = []
    branch_of, branch_exact, exclude = globs.branch_of, globs.branch_exact, globs.exclude()
    for p in candidates:
        m = names.match(p)
        j = branch_of[m.lastindex or 0] if m is not None else -1
        if (((j >= 0 and branch_exact(j).match(p)) or globs.exact()[0].match(p))
                and not (exclude and exclude.match(p))):
            found.append(p)
    return found


def _rare_literals(joined: JoinedPaths, literals: list[list[str]]) -> list[str] | None:
    """For each pattern the first of its pieces (longest first) rare enough that all the chosen occur at most once
    per :data:`RARE_SHARE` paths, those that occur at all; None when some pattern has none that rare."""
    allowed = len(joined.paths)
    chosen, holding = [], 0
    for pieces in literals:
        for piece in pieces:
            n = joined.count(piece)
            if (holding + n) * RARE_SHARE <= allowed:
                holding += n
                if n:
                    chosen.append(piece)
                break
        else:
            return None
    return chosen


def translated(patterns: Sequence[str]) -> None:
    """Translate ``patterns`` now (memoized for :func:`glob_filter`): raises here what :func:`glob_filter` raises
    for a pattern that is refused."""
    _compiled(tuple(patterns))


_META = re.compile(r"[*?\[\]{}\\!]")
_ODD_ENDS = ("/", "\n")


def _expanded_includes(patterns: Sequence[str]) -> list[tuple[int, str]]:
    """The include patterns with braces expanded, numbered (as wcmatch translates them: one piece each)."""
    import bracex

    includes = [pattern for pattern in patterns if not pattern.startswith("!")]
    return list(enumerate(e for pattern in includes for e in bracex.expand(pattern, limit=1000)))


def _literal_endings(expanded: Sequence[tuple[int, str]]) -> tuple[str, ...] | None:
    """Endings of which every matching path has one: the literal tail of each include pattern's last segment
    (braces expanded), plus ``/`` and a newline (the translated patterns allow trailing slashes, and ``$`` matches
    before a final newline); None when some include pattern ends in a wildcard (then every path is a candidate)."""
    endings: list[str] = []
    for _, pattern in expanded:
        # the literal end of the last path segment (a ``**/`` before it may match nothing, slash included)
        tail = _META.split(pattern)[-1].rsplit("/", 1)[-1]
        if not tail:
            return None
        endings.append(tail)
    return (*endings, *_ODD_ENDS)


def _loose_matcher(expanded: Sequence[tuple[int, str]]) -> tuple[str, tuple[int, ...]] | None:
    """A plain regex that accepts every path the translated patterns accept, and is much cheaper to run: ``**``
    as anything (``**/`` possibly nothing), ``*`` as anything but ``/``, ``?`` or a ``[...]`` class as any one
    character, runs of slashes, a trailing slash or newline. None when a pattern holds anything else that is
    special (escapes, unexpanded braces): then no path is ruled out. Each pattern's alternative is a group; with
    the regex comes, for each group number, the number of the expanded pattern it stands for."""
    alternatives: list[tuple[int, str]] = []
    for j, pattern in expanded:
        out: list[str] = []
        i = 0
        while i < len(pattern):
            c = pattern[i]
            if pattern.startswith("**/", i) and (i == 0 or pattern[i - 1] == "/"):
                out.append("(?:.*/)?")
                i += 3
                continue
            if pattern.startswith("**", i):
                out.append(".*")
                i += 2
                continue
            if c == "*":
                out.append("[^/]*")
            elif c == "?":
                out.append(".")
            elif c == "[":
                end = pattern.find("]", i + 2)
                if end == -1:
                    return None
                out.append(".")
                i = end
            elif c == "/":
                out.append("/+")
            elif c in "\\{}!()|@+]":
                return None
            else:
                out.append(re.escape(c))
            i += 1
        alternatives.append((j, "".join(out)))
    if not alternatives:
        return None
    # Alternatives that start with ``**/`` share that start: one ``(?:.*/)?`` before their group, not one each, so
    # the engine walks back over the path's slashes once, not once per pattern (the same language either way).
    anywhere = [(j, a[len(_ANY_FOLDERS):]) for j, a in alternatives if a.startswith(_ANY_FOLDERS)]
    rooted = [(j, a) for j, a in alternatives if not a.startswith(_ANY_FOLDERS)]
    text = "|".join(f"({a})" for _, a in rooted)
    if anywhere:
        text += ("|" if rooted else "") + _ANY_FOLDERS + "(?:" + "|".join(f"({a})" for _, a in anywhere) + ")"
    branch_of = (-1, *(j for j, _ in rooted), *(j for j, _ in anywhere))  # group numbers count from 1
    return "(?:" + text + r")/*\n?\Z", branch_of


_ANY_FOLDERS = "(?:.*/)?"
_NOTHING = "(?!)"
"""The include regex of a list without include patterns."""


class _Globs:
    """A glob list translated to regexes (wcmatch), with its cheap prefilters; the translated regexes are compiled
    on first use (:meth:`exact`, :meth:`branch_exact`). Translating stays eager, so a pattern wcmatch refuses fails
    as it always did."""

    __slots__ = ("_branches", "_exact", "_exclude", "_excluding", "_include", "_names", "branch_of", "literals",
                 "loose", "matches_nothing", "suffixes")

    def __init__(self, include: str, exclude: str | None, suffixes: tuple[str, ...] | None,
                 loose: tuple[str, tuple[int, ...]] | None, branches: list[str] | None,
                 literals: list[list[str]] | None = None) -> None:
        self._include, self._exclude = include, exclude
        self.matches_nothing = include == _NOTHING
        self.suffixes = suffixes
        self.literals = literals
        """For each include pattern (braces expanded), the literal pieces every path it matches holds, longest
        first; None when some pattern has none (or holds what the loose regex does not read), or they are many."""
        self.loose = loose[0] if loose is not None else None
        """The loose regex (:func:`_loose_matcher`), compiled by :meth:`names` when a path is to be matched."""
        self._names: re.Pattern[str] | None = None
        self.branch_of = loose[1] if loose is not None and branches is not None else None
        """For each group of :meth:`names`, the expanded include pattern whose regex :meth:`branch_exact` gives."""
        self._branches: list[str | re.Pattern[str]] = list(branches or ())
        self._exact: tuple[re.Pattern[str], re.Pattern[str] | None] | None = None
        self._excluding: re.Pattern[str] | None = None

    def names(self) -> re.Pattern[str]:
        """The loose regex, compiled (a list whose literals and endings no path holds never needs it)."""
        if self._names is None:
            assert self.loose is not None
            self._names = re.compile(self.loose, re.DOTALL)
        return self._names

    def exact(self) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
        """(include, exclude): the exact matchers (exclude None when the list excludes nothing)."""
        if self._exact is None:
            self._exact = (re.compile(self._include), self.exclude())
        return self._exact

    def exclude(self) -> re.Pattern[str] | None:
        """The exact exclude matcher (None when the list excludes nothing)."""
        if self._excluding is None and self._exclude is not None:
            self._excluding = re.compile(self._exclude)
        return self._excluding

    def branch_exact(self, j: int) -> re.Pattern[str]:
        """The translated regex of expanded include pattern ``j`` alone: a piece of the include union, so what it
        matches, the union matches."""
        branch = self._branches[j]
        if isinstance(branch, str):
            branch = self._branches[j] = re.compile(branch)
        return branch


@functools.lru_cache(maxsize=256)
def _compiled(patterns: tuple[str, ...]) -> _Globs:
    from wcmatch import glob as wglob

    flags = wglob.GLOBSTAR | wglob.DOTGLOB | wglob.BRACE | wglob.NEGATE
    include, exclude = wglob.translate(list(patterns), flags=flags)
    endings: tuple[str, ...] | None = None
    loose: tuple[str, tuple[int, ...]] | None = None
    branches: list[str] | None = None
    literals: list[list[str]] | None = None
    if not any("(?i" in r for r in include):  # case-sensitive matching only (as on Linux and macOS)
        try:
            expanded = _expanded_includes(patterns)
            endings, loose = _literal_endings(expanded), _loose_matcher(expanded)
            branches = _pieces(include, expanded)
            pieces = _literal_pieces(expanded) if loose is not None and len(expanded) <= RARE_MAX_PATTERNS else None
            literals = [sorted(each, key=len, reverse=True) for each in pieces] if pieces is not None else None
        except Exception:  # the prefilters only save time: when braces cannot be expanded, every path is a candidate
            endings = loose = branches = literals = None
    return _Globs("|".join(include) if include else _NOTHING, "|".join(exclude) if exclude else None, endings, loose,
                  branches, literals)


def _literal_pieces(expanded: Sequence[tuple[int, str]]) -> list[list[str]] | None:
    """Each expanded include pattern's runs of plain characters between wildcards, classes and slashes (a slash
    matches a run of them): what every path the pattern matches holds verbatim (the patterns match case-sensitively,
    and :func:`_loose_matcher`, which reads them the same way, accepted every other character). None when a pattern
    has no such run, or holds a newline (searched for in text joined by newlines)."""
    out = []
    for _, pattern in expanded:
        pieces: list[str] = []
        run: list[str] = []
        i = 0
        while i < len(pattern):
            c = pattern[i]
            if c in "*?[/":
                if run:
                    pieces.append("".join(run))
                    run = []
                if c == "[":
                    i = pattern.find("]", i + 2)  # (found: _loose_matcher returns None otherwise)
            else:
                run.append(c)
            i += 1
        if run:
            pieces.append("".join(run))
        if not pieces or any("\n" in piece for piece in pieces):
            return None
        out.append(pieces)
    return out


def _pieces(include: Sequence[str], expanded: Sequence[tuple[int, str]]) -> list[str] | None:
    """Expanded include pattern ``k``'s regex: the union's ``k``-th piece, where wcmatch gave one piece per expanded
    pattern (None otherwise). Any piece's match implies the union's, so a wrong pairing could only cost time, never
    change a match."""
    return list(include) if len(include) == len(expanded) else None
