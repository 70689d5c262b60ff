"""Stat rows as a pack's index holds them (pipeline/cache_entries.py ROW_SIZE), planted by the cache tests."""

from __future__ import annotations

import os

from aima_gate.pipeline.cache_recording import STAT_KEY

PLANTED = "0123456789abcdef" * 4
"""A digest no file here has: a row that holds answers it instead of the file's own."""


def row(st: os.stat_result | tuple[int, ...], digest: str = PLANTED, *, off: int | None = None) -> bytes:
    """The row of a file with stat ``st`` (an ``os.stat_result`` or its five fields) and ``digest``; with ``off``
    (0-4), that field of the stat is one more than the file's: a row that does not hold."""
    fields = ([st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
              if isinstance(st, os.stat_result) else list(st))
    if off is not None:
        fields[off] += 1
    return STAT_KEY.pack(*fields) + digest.encode("ascii")
