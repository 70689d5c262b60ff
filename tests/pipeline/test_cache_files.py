"""Housekeeping of the cache folder: old packs and killed runs' temporary files are removed, nothing else."""

from __future__ import annotations

import os
from pathlib import Path

from aima_gate.pipeline.cache_files import (
    PRUNE_AFTER_DAYS,
    TEMPORARY_PRUNE_AFTER_SECONDS,
    _prune_folder,
    filesystem_now_ns,
)


def _aged(path: Path, seconds: float) -> None:
    """A file dated ``seconds`` before now on the filesystem's clock (pruning's; a faked process clock is not)."""
    path.write_bytes(b"x")
    then = path.stat().st_mtime - seconds
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


def test_now_is_read_on_the_filesystem_clock_and_leaves_nothing(tmp_path: Path) -> None:
    """Pruning and the racy-file guard date files on the clock that dated them: a file written just before is not
    later than the folder's "now", one written just after is not earlier, and the folder is left as it was."""
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        (tmp_path / "before").write_bytes(b"x")
        now = filesystem_now_ns(fd)
        (tmp_path / "after").write_bytes(b"x")
    finally:
        os.close(fd)
    assert (tmp_path / "before").stat().st_mtime_ns <= now <= (tmp_path / "after").stat().st_mtime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == ["after", "before"]


def test_the_filesystem_clock_is_used_when_the_process_clock_is_shifted(tmp_path: Path) -> None:
    """Under libfaketime a year ahead (as the shifted-clock CI run), the folder's "now" is still the files' clock."""
    import subprocess
    import sys

    from tests.realcomponents import executable

    code = ("import os, sys, time; from aima_gate.pipeline.cache_files import filesystem_now_ns; "
            "fd = os.open(sys.argv[1], os.O_RDONLY); print(filesystem_now_ns(fd), time.time_ns())")
    out = subprocess.run([executable("faketime"), "-f", "+400d", sys.executable, "-c", code, str(tmp_path)],
                         check=True, capture_output=True, text=True).stdout.split()
    (tmp_path / "probe").write_bytes(b"x")
    folder_now, process_now = int(out[0]), int(out[1])
    assert process_now - folder_now > 399 * 86400 * 10**9  # the process clock was shifted
    assert abs((tmp_path / "probe").stat().st_mtime_ns - folder_now) < 60 * 10**9
