"""Glob matching of repository paths: ``**`` spans folders, ``*`` does not, dot-files match, ``!pat`` excludes.
Patterns are translated once per pattern list; cheap necessary tests (a literal ending, a loose regex) run before
the exact match."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence


def glob_filter(paths: Iterable[str], patterns: Sequence[str]) -> list[str]:
    """Paths matching any pattern; ``**`` spans folders, ``*`` does not, dot-files match, ``!pat`` excludes."""
    globs = _compiled(tuple(patterns))
    suffixes, names = globs.suffixes, globs.names
    if suffixes is None or names is None:
        include, exclude = globs.exact()
        return [p for p in paths if include.match(p) and not (exclude and exclude.match(p))]
    # Cheap necessary tests first (one translated regex per glob list against every file was a seventh of a
    # large run): the path ends in a literal ending some pattern requires, then fits a plain regex that accepts
    # everything the translated one does; only then the exact match, whose regex is compiled only then (most
    # default globs find nothing in a given repository; compiling them all was most of the globbing time).
    candidates = [p for p in paths if p.endswith(suffixes) and names.match(p)]
    if not candidates:
        return []
    include, exclude = globs.exact()
    return [p for p in candidates if include.match(p) and not (exclude and exclude.match(p))]


_META = re.compile(r"[*?\[\]{}\\!]")
_ODD_ENDS = ("/", "\n")


def _expanded_includes(patterns: Sequence[str]) -> list[str]:
    import bracex

    return [e for pattern in patterns if not pattern.startswith("!") for e in bracex.expand(pattern, limit=1000)]


def _literal_endings(expanded: Sequence[str]) -> tuple[str, ...] | None:
    """Endings of which every matching path has one: the literal tail of each include pattern's last segment
    (braces expanded), plus ``/`` and a newline (the translated patterns allow trailing slashes, and ``$`` matches
    before a final newline); None when some include pattern ends in a wildcard (then every path is a candidate)."""
    endings: list[str] = []
    for pattern in expanded:
        # the literal end of the last path segment (a ``**/`` before it may match nothing, slash included)
        tail = _META.split(pattern)[-1].rsplit("/", 1)[-1]
        if not tail:
            return None
        endings.append(tail)
    return (*endings, *_ODD_ENDS)


def _loose_matcher(expanded: Sequence[str]) -> re.Pattern[str] | None:
    """A plain regex that accepts every path the translated patterns accept, and is much cheaper to run: ``**``
    as anything (``**/`` possibly nothing), ``*`` as anything but ``/``, ``?`` or a ``[...]`` class as any one
    character, runs of slashes, a trailing slash or newline. None when a pattern holds anything else that is
    special (escapes, unexpanded braces): then no path is ruled out."""
    alternatives = []
    for pattern in expanded:
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
        alternatives.append("".join(out))
    if not alternatives:
        return None
    return re.compile("(?:" + "|".join(alternatives) + r")/*\n?\Z", re.DOTALL)


class _Globs:
    """A glob list translated to regexes (wcmatch), with its cheap prefilters; the translated regexes are compiled
    on first use (:meth:`exact`). Translating stays eager, so a pattern wcmatch refuses fails as it always did."""

    __slots__ = ("_exact", "_exclude", "_include", "names", "suffixes")

    def __init__(self, include: str, exclude: str | None, suffixes: tuple[str, ...] | None,
                 names: re.Pattern[str] | None) -> None:
        self._include, self._exclude = include, exclude
        self.suffixes, self.names = suffixes, names
        self._exact: tuple[re.Pattern[str], re.Pattern[str] | None] | None = None

    def exact(self) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
        """(include, exclude): the exact matchers (exclude None when the list excludes nothing)."""
        if self._exact is None:
            self._exact = (re.compile(self._include),
                           re.compile(self._exclude) if self._exclude is not None else None)
        return self._exact


@functools.lru_cache(maxsize=256)
def _compiled(patterns: tuple[str, ...]) -> _Globs:
    from wcmatch import glob as wglob

    flags = wglob.GLOBSTAR | wglob.DOTGLOB | wglob.BRACE | wglob.NEGATE
    include, exclude = wglob.translate(list(patterns), flags=flags)
    endings: tuple[str, ...] | None = None
    names: re.Pattern[str] | None = None
    if not any("(?i" in r for r in include):  # case-sensitive matching only (as on Linux and macOS)
        try:
            expanded = _expanded_includes(patterns)
            endings, names = _literal_endings(expanded), _loose_matcher(expanded)
        except Exception:  # the prefilters only save time: when braces cannot be expanded, every path is a candidate
            endings = names = None
    return _Globs("|".join(include) if include else "(?!)", "|".join(exclude) if exclude else None, endings, names)
