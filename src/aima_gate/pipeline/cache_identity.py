"""The fingerprint of the gate's own code: part of every cache identity (a pack, the schema marks), so that an
edited collector, schema or validator never reads what another version of the code wrote."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from aima_gate.pipeline.cache_codec import sha


@functools.cache
def code_fingerprint() -> str:
    """Version plus (name, size, mtime) of every module of the gate: an edited collector is a new identity."""
    from aima_gate import __version__

    package = str(Path(__file__).resolve().parents[1])
    # os.walk rather than Path.rglob (every run, ~400 files: a third of the time): the same files (Path.suffix's
    # rule), in the same order (a Path sorts by its parts), so the same fingerprint.
    parts_of: dict[str, tuple[str, ...]] = {package: ()}
    found: list[tuple[tuple[str, ...], str]] = []
    for dirpath, dirs, names in os.walk(package):
        here = parts_of[dirpath]
        parts_of.update((f"{dirpath}{os.sep}{d}", (*here, d)) for d in dirs)
        for name in names:
            dot = name.rfind(".")
            if 0 < dot < len(name) - 1 and name[dot:] in (".py", ".txt", ".json", ".yml", ".yaml"):
                found.append(((*here, name), f"{dirpath}{os.sep}{name}"))
    parts = [__version__]
    for key, full in sorted(found):
        st = os.stat(full)  # noqa: PTH116 (what Path.stat calls)
        parts.append(f"{'/'.join(key)}:{st.st_size}:{st.st_mtime_ns}")
    return sha("\n".join(parts).encode())
