"""Housekeeping of the cache folder: old packs and killed runs' temporary files are removed, nothing else."""

from __future__ import annotations

import os
import time
from pathlib import Path

from aima_gate.pipeline.cache_files import PRUNE_AFTER_DAYS, TEMPORARY_PRUNE_AFTER_SECONDS, _prune_folder


def _aged(path: Path, seconds: float) -> None:
    path.write_bytes(b"x")
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_prune_removes_old_packs_and_stale_temporary_files_only(tmp_path: Path) -> None:
    day = 86400
    _aged(tmp_path / "old.pack", PRUNE_AFTER_DAYS * day + 60)
    _aged(tmp_path / "recent.pack", (PRUNE_AFTER_DAYS - 1) * day)
    _aged(tmp_path / "kept.pack", PRUNE_AFTER_DAYS * day + 60)  # the pack this run uses, however old
    _aged(tmp_path / ".tmp-1-dead", TEMPORARY_PRUNE_AFTER_SECONDS + 60)  # a killed run's
    _aged(tmp_path / ".tmp-2-live", 60)  # a run writing now
    _aged(tmp_path / "key", PRUNE_AFTER_DAYS * day + 60)
    _aged(tmp_path / "schema-marks", PRUNE_AFTER_DAYS * day + 60)
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        _prune_folder(fd, "kept.pack")
    finally:
        os.close(fd)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".tmp-2-live", "kept.pack", "key", "recent.pack",
                                                          "schema-marks"]
