"""Which file is the newest for its key (a model, a dataset) among the files of one kind.

Collectors parse one file at a time, but policies such as "the latest validation of each dataset succeeded"
need to know whether a file is the newest of its series. :func:`is_latest` scans the kind's globbed files once
per repository (cached on the :class:`~aima_gate.safeio.repo.Repo`), keys each by ``key_date`` and answers for one
file. Files that cannot be read are left out of the comparison (their own parse reports the error).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence

from aima_gate.core.errors import AimaGateError
from aima_gate.safeio.repo import Repo

KeyDate = Callable[[str], "tuple[str, str] | None"]
"""file -> (series key, ISO date) or None when the file has no date."""

_CACHE: weakref.WeakKeyDictionary[Repo, dict[tuple[str, tuple[str, ...]], dict[str, tuple[str, str]]]] = \
    weakref.WeakKeyDictionary()


def _scan(repo: Repo, cache_key: tuple[str, tuple[str, ...]], paths: Sequence[str],
          key_date: KeyDate) -> dict[str, tuple[str, str]]:
    per_repo = _CACHE.setdefault(repo, {})
    if cache_key not in per_repo:
        table: dict[str, tuple[str, str]] = {}
        for file in repo.glob(paths):
            try:
                found = key_date(file)
            except (AimaGateError, ValueError, TypeError, KeyError):
                continue
            if found is not None:
                table[file] = found
        per_repo[cache_key] = table
    return per_repo[cache_key]


def is_latest(repo: Repo, kind: str, paths: Sequence[str], file: str, key: str, date: str | None,
              key_date: KeyDate) -> bool:
    """True when no other file of the same key is newer (ties: the later path wins)."""
    if date is None:
        return False
    table = _scan(repo, (kind, tuple(paths)), paths, key_date)
    mine = (date, file)
    return all((d, f) <= mine for f, (k, d) in table.items() if k == key and f != file)
