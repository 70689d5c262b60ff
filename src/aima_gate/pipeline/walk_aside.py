"""A run's walk of the repository and the stat of every file it lists, made in a forked child while this process
opens the artifact cache.

Why: in a warm pre-commit run at 5,000 models the walk (about 18 ms) and one ``lstat`` per listed file (20,000:
about 35 ms with the comparison) sat on the critical path after the cache's pack was opened (about 55 ms, on one
core). The second core does them in that time.

What travels back is the walk's own result (the sorted listing and what it noted: skipped folders, folder links
that leave the repository, undecodable names), exactly as :meth:`~aima_gate.safeio.repo.Repo.files` computes it
(the same code, in a copy of this process), plus each listed regular file's (device, inode, size, mtime, ctime),
None for anything else. Nothing else differs:

- The stats only answer the cache's question "does this file's stat row still hold" for a read-back entry
  (cache_entries.lookup_many); a file whose row does not hold is hashed as before, with its own ``lstat`` before and
  after the read. So a file changed after the child's ``lstat`` is evaluated as it was at that moment, as if the run
  had started then; a run sees each file as it was at one moment during the run, as it always did.
- Any failure (no fork, a child that dies or sends what does not decode as expected) means this process walks and
  stats as before: the result is the same, only later.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import stat
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aima_gate.safeio.repo import Repo

if TYPE_CHECKING:
    from aima_gate.pipeline.cache import ArtifactCache

_TAG = "aima-gate walk 1"


class WalkAside:
    """A child walking ``repo`` (:func:`start`); :meth:`join` installs its result."""

    def __init__(self, pid: int, fd: int) -> None:
        self._pid = pid
        self._fd = fd

    def join(self, repo: Repo) -> dict[str, list[int] | None] | None:
        """The child's stats by file, its walk installed in ``repo``; None (``repo`` untouched) when the child
        failed."""
        chunks = []
        try:
            while True:
                chunk = os.read(self._fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        except OSError:
            chunks = []
        finally:
            os.close(self._fd)
        try:
            _, status = os.waitpid(self._pid, 0)
        except ChildProcessError:
            return None
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            return None
        from aima_gate.core.parallel import no_gc

        try:
            with no_gc():  # 20,000 lists and names, no cycles: a collection pass midway only costs (2 ms)
                tag, listing, stats = marshal.loads(b"".join(chunks))  # noqa: S302 - our own forked child's bytes
        except (EOFError, ValueError, TypeError):
            return None
        if tag != _TAG or not _is_listing(listing) or not _are_stats(stats, len(listing[0])):
            return None
        if not repo.adopt_listing(*listing):
            return None
        return dict(zip(listing[0], stats, strict=True))

    def abandon(self) -> None:
        """Reap the child when its result is not wanted (the run stopped before it was joined)."""
        with contextlib.suppress(OSError):
            os.close(self._fd)
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(self._pid, 0)


def _is_listing(listing: Any) -> bool:
    """The shape of :meth:`~aima_gate.safeio.repo.Repo.listing` as marshal gives it back."""
    if type(listing) is not tuple or len(listing) != 4:
        return False
    files, excluded, escaping, undecodable = listing
    return (type(files) is list and all(type(f) is str for f in files)
            and type(undecodable) is list and all(type(u) is str for u in undecodable)
            and all(type(pairs) is list and all(type(p) is tuple and len(p) == 2 and type(p[0]) is str
                                                and type(p[1]) is str for p in pairs)
                    for pairs in (excluded, escaping)))


def _are_stats(stats: Any, count: int) -> bool:
    """One value per listed file. Each is only ever compared whole with a stat row's first five fields
    (cache_entries.lookup_many): any other value is a row that does not hold, and that file is hashed as before."""
    return type(stats) is list and len(stats) == count


def _walk_and_stat(repo: Repo) -> bytes:
    # What cache_recording.stat_reader answers, as lists (a stat row's form), in one loop: calling it per file and
    # converting its tuples made the child, the longer of the two sides, about 10 ms slower at 20,000 files.
    files = repo.files()
    prefix, lstat, is_regular = f"{repo.root}/", os.lstat, stat.S_ISREG
    stats: list[list[int] | None] = []
    append = stats.append
    for rel in files:
        try:
            st = lstat(prefix + rel)
        except OSError:
            append(None)
            continue
        append([st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
               if is_regular(st.st_mode) else None)
    return marshal.dumps((_TAG, repo.listing(), stats))


def start(repo: Repo) -> WalkAside | None:
    """Fork a child that walks ``repo`` and stats its files; None where fork is unavailable or fails, or with
    ``AIMA_GATE_JOBS=1`` (everything in one process): the caller then walks itself."""
    from aima_gate.core.parallel import workers

    if not sys.platform.startswith("linux") or not hasattr(os, "fork") or workers() < 2:
        return None
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: walk, stat, send, and leave without running anything of the parent's (os._exit)
        code = 1
        try:
            os.close(read_end)
            payload = _walk_and_stat(repo)
            view = memoryview(payload)
            while view:
                view = view[os.write(write_end, view):]
            code = 0
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    return WalkAside(pid, read_end)


def opened_alongside(repo: Repo, open_cache: Callable[[], ArtifactCache | None],
                     enabled: bool) -> ArtifactCache | None:
    """``open_cache()``, ``repo`` walked and its files stat'ed meanwhile by a child when ``enabled``; the stats go to
    the cache's read-back check (:attr:`ArtifactCache.walk_stats`)."""
    aside = start(repo) if enabled else None
    try:
        cache = open_cache()
    except BaseException:
        if aside is not None:
            aside.abandon()
        raise
    stats = aside.join(repo) if aside is not None else None
    if cache is not None:
        cache.walk_stats = stats
    return cache
