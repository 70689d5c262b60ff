"""Checks of the artifact cache's dependencies that take more than a comparison (cache.py asks them)."""

from __future__ import annotations

from typing import Any

from aima_gate.core.errors import AimaGateError
from aima_gate.pipeline.cache_codec import sha
from aima_gate.safeio.repo import Repo


def holding_holds(cache: Any, patterns: Any, needles: Any, holding: Any, lacking: Any) -> bool:
    """Whether :meth:`RecordingRepo.glob_holding` would return what it did when it recorded this: each of the
    ``holding`` files is still in the glob with the same bytes, and every other file of the glob now holds
    none of ``needles`` (at once for a file whose digest is its ``lacking`` one, the same bytes; else by
    reading it, as glob_holding reads it: a file that cannot be read so now is a miss, since the parse that
    recorded this read every file of its glob). A file of neither (a new one) is read."""
    if not (type(patterns) is list and all(type(p) is str for p in patterns) and type(needles) is list
            and all(type(n) is str and n.isascii() for n in needles)
            and type(holding) is dict and type(lacking) is dict):
        return False
    wanted = [n.encode("ascii") for n in needles]
    held = 0
    for rel in cache.glob(patterns):
        now = cache.current_sha(rel)
        if now is None:
            return False
        if rel in holding:
            if holding[rel] != now:
                return False
            held += 1
        elif lacking.get(rel) != now and not _lacks(cache.repo, rel, now, wanted):
            return False
    return held == len(holding)  # (a holding file gone from the glob: it took part in the result)


def _lacks(repo: Repo, rel: str, digest: str, needles: list[bytes]) -> bool:
    """Whether the file, whose digest is ``digest`` now, holds none of ``needles`` (bytes read now that are
    not those bytes are a miss)."""
    try:
        data = repo.read_bytes(rel)
    except (AimaGateError, OSError):
        return False
    return sha(data) == digest and not any(n in data for n in needles)
