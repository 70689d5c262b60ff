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

A run that names its files (a hook run) gives the child a second task (:class:`NamedParses`): once the pack is open
and the walk joined, this process tells it which named files the cache will likely miss (the digest the pack records
for one is not the file's now, or the file is new: :func:`_to_parse`), and the child parses them as the cache records
a parse, while this process reads the rest of the pack back. The first hook run after an edit no longer parses the
edited file (and imports its parsers) on the critical path: 328 -> 314 ms at 5,000 models (alternating runs).
Such a record is used exactly as a cache entry is: only once every dependency it names holds now (the file's
digest, each ``exists``, each shared registry read), checked here, and decoded as an entry read back; anything else
(a record that does not hold or decode, a child that fails or was told to leave) is a miss parsed here, as before.
Each message is its size (8 bytes) and its marshal bytes; the child, our own fork, is stopped and reaped when the
cache closes.
"""

from __future__ import annotations

import contextlib
import functools
import marshal
import os
import signal
import stat
import struct
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aima_gate.core.frames import frame, framed, frames, send
from aima_gate.core.parallel import no_gc
from aima_gate.pipeline.cache_recording import STAT_KEY
from aima_gate.safeio.repo import Repo

if TYPE_CHECKING:
    from aima_gate.pipeline.cache import ArtifactCache
    from aima_gate.pipeline.cache_recording import Record

_TAG = "aima-gate walk 2"
_PARSED_TAG = "aima-gate parsed aside 1"
_MAX_GO = 1 << 12
"""What the child is told (:meth:`WalkAside.go`) fits one write of PIPE_BUF bytes (Linux): written whole or not."""


class WalkAside:
    """A child walking ``repo`` (:func:`start`); :meth:`join` installs its walk, :meth:`parsed` hands over what it
    parsed after (``parses``, as told by :meth:`go`), :meth:`finish` lets it go. Its messages are frames
    (core/frames.py)."""

    def __init__(self, pid: int, fd: int, parses: NamedParses | None = None, go: int | None = None) -> None:
        self.parses = parses
        self._pid = pid
        self._fd: int | None = fd
        self._go = go
        self._messages = frames(iter(functools.partial(os.read, fd, 1 << 20), b""))
        self._parsed: dict[tuple[str, str], Record] | None = None

    def _message(self) -> Any:
        """The child's next message; None when it does not come whole (or at all)."""
        if self._fd is None:
            return None
        try:
            with no_gc():  # 20,000 lists and names, no cycles: a collection pass midway only costs (2 ms)
                return next(self._messages, None)
        except (OSError, EOFError, ValueError, TypeError):
            return None

    def join(self, repo: Repo) -> dict[str, bytes | None] | None:
        """The child's stats by file, its walk installed in ``repo``; None (``repo`` untouched) when the child
        failed (it is then let go)."""
        message = self._message()
        if type(message) is tuple and len(message) == 3 and message[0] == _TAG:
            _, listing, stats = message
            if is_listing(listing) and _are_stats(stats, len(listing[0])) and repo.adopt_listing(*listing):
                return dict(zip(listing[0], stats, strict=True))
        self.finish()
        return None

    def parsed(self) -> dict[tuple[str, str], Record]:
        """What the child parsed after its walk (:class:`NamedParses`), by (kind, file), read once (waiting for the
        child to finish); empty when it sent nothing whole. Each is a :class:`Record` as the cache absorbs one,
        used only once every dependency it names is found to hold (cache_entries.run_batch)."""
        if self._parsed is None:
            from aima_gate.pipeline.cache_recording import Record

            message = self._message()
            self.finish()
            self._parsed = {}
            try:
                tag, records = message
                if tag == _PARSED_TAG:
                    for kind, file, deps, stats, items, blobs, groups in records:
                        self._parsed[(kind, file)] = Record(deps, stats, items, blobs, groups)
            except (ValueError, TypeError):
                self._parsed = {}
        return self._parsed

    def go(self, todo: tuple[list[list[str]], list[str], list[str]] | None) -> None:
        """Tell the child, once its walk is sent, what to parse (:meth:`NamedParses.run`), or to leave (None: a run
        that will read every named file back, where a parse on the second core would only slow the first)."""
        go, self._go = self._go, None
        if go is not None:
            message = marshal.dumps(todo)
            with contextlib.suppress(OSError):  # (a part written is a message the child cannot read: it leaves)
                os.set_blocking(go, False)  # into an empty pipe: never waits for the child, which may be sending
                os.write(go, message if len(message) <= _MAX_GO else marshal.dumps(None))
            with contextlib.suppress(OSError):
                os.close(go)

    def finish(self) -> None:
        """Let the child go: it is stopped if it is still parsing (what it would send is not wanted), and reaped.
        Also what a run that stopped before the join calls."""
        self.go(None)
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.close(fd)
        with contextlib.suppress(OSError):
            os.kill(self._pid, signal.SIGKILL)  # (not reaped yet: the pid is still our child's)
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(self._pid, 0)


def is_listing(listing: Any) -> bool:
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
    """One value per listed file. Each is only ever compared whole with a stat row's first 40 bytes
    (cache_entries.lookup_many) or, when it is a :func:`~cache_recording.stat_key`'s 40 bytes, taken as the file's
    identity (ArtifactCache._hash): any other value is a row that does not hold, and that file is hashed as before."""
    return type(stats) is list and len(stats) == count


def _walk_and_stat(repo: Repo) -> bytes:
    # What cache_recording.stat_reader answers (a stat_key, or None), in one loop: calling it per file made the
    # child, the longer of the two sides, about 10 ms slower at 20,000 files.
    files = repo.files()
    prefix, lstat, is_regular, pack = f"{repo.root}/", os.lstat, stat.S_ISREG, STAT_KEY.pack
    stats: list[bytes | None] = []
    append = stats.append
    for rel in files:
        try:
            st = lstat(prefix + rel)
            append(pack(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
                   if is_regular(st.st_mode) else None)
        except (OSError, struct.error):
            append(None)
    return marshal.dumps((_TAG, repo.listing(), stats))


MAX_NAMED = 8
"""Files parsed aside at most: a hook run names a few; a run that needs one of them waits for all."""


@dataclass(frozen=True)
class NamedParses:
    """For a run that names its changed files (a hook run), the child's second task: parse those of ``files`` that
    the run may not read back (:func:`_to_parse`), each recorded as the cache records a parse
    (cache_recording.parse_recorded), as the run would itself on a miss: the first hook run after an edit then
    finds the edited file parsed on the second core while the first read the pack back. ``prepared(kind, repo)``
    is the run's (collector, context) for ``kind``; the run's kinds come with what to parse (:meth:`WalkAside.go`:
    the child is forked before the policies that decide them are loaded). At most :data:`MAX_NAMED` parses; any
    other miss the run parses itself."""

    files: frozenset[str]
    prepared: Callable[[str, Repo], tuple[Any, Any]]

    def run(self, repo: Repo, todo: tuple[list[list[str]], list[str], list[str]]) -> list[list[Any]]:
        """In the child: the records of each (kind, file) pair of ``todo`` (the kinds the pack holds the file as),
        then of each new file of ``todo`` as the kinds that glob it (of the run's kinds, ``todo``'s last), as
        :meth:`WalkAside.parsed` reads them."""
        from aima_gate.collectors import parse_file
        from aima_gate.pipeline.cache import CACHEABLE_KINDS, parse_recorded
        from aima_gate.safeio.globs import glob_filter

        pairs, new, run_kinds = todo
        walked, kinds = repo.walked(), [k for k in run_kinds if k in CACHEABLE_KINDS]
        prepared = {kind: self.prepared(kind, repo) for kind in kinds}
        wanted = [(k, f) for k, f in pairs if k in prepared and f in self.files]
        named = sorted(set(new) & self.files & walked)
        for kind in kinds if named else ():
            collector, ctx = prepared[kind]
            wanted.extend((kind, f) for f in glob_filter(named, ctx.options.get("paths") or collector.default_paths))
        out: list[list[Any]] = []
        for kind, file in wanted[:MAX_NAMED]:
            if file in walked:
                collector, ctx = prepared[kind]
                record = parse_recorded(functools.partial(parse_file, collector, file=file), ctx, repo)[-1]
                if record.items is not None:
                    out.append([kind, file, record.deps, dict(record.stats), record.items, record.blobs,
                                dict(record.groups)])
        return out


def start(repo: Repo, named: NamedParses | None = None) -> WalkAside | None:
    """Fork a child that walks ``repo`` and stats its files, then makes ``named``'s parses; None where fork is
    unavailable or fails, or with ``AIMA_GATE_JOBS=1`` (everything in one process): the caller then walks
    itself."""
    from aima_gate.core.parallel import workers

    if not sys.platform.startswith("linux") or not hasattr(os, "fork") or workers() < 2:
        return None
    pipes: list[int] = []
    try:
        for _ in range(1 if named is None else 2):
            pipes.extend(os.pipe())
        pid = os.fork()
    except OSError:
        for fd in pipes:
            os.close(fd)
        return None
    read_end, write_end, *go = pipes  # go: (the child's end, ours) of "parse the named files, or leave"
    if pid == 0:  # the child: walk, stat, send, maybe parse and send, and leave running nothing of the parent's
        code = 1
        try:
            os.close(read_end)
            if go:
                os.close(go[1])
            send(write_end, framed(_walk_and_stat(repo)))
            # (one write of at most PIPE_BUF bytes, or none: one read takes it whole; our parent's bytes)
            todo = marshal.loads(os.read(go[0], _MAX_GO + 1)) if named is not None else None  # noqa: S302
            if named is not None and todo is not None:  # (our parent's bytes)
                send(write_end, frame((_PARSED_TAG, named.run(repo, todo))))
            code = 0
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    if go:
        os.close(go[0])
    return WalkAside(pid, read_end, named, go[1] if go else None)


def opened_alongside(repo: Repo, open_cache: Callable[[], ArtifactCache | None], aside: WalkAside | None,
                     kinds: Sequence[str] = (), meanwhile: Callable[[], object] | None = None) -> ArtifactCache | None:
    """``open_cache()``, ``repo`` walked and its files stat'ed meanwhile by ``aside`` (a child :func:`start` forked,
    or None); the stats go to the cache's read-back check (:attr:`ArtifactCache.walk_stats`), the child to the cache
    (:attr:`ArtifactCache.aside`, let go when the cache closes) for what it parses after (its ``parses``, as the
    run's ``kinds``). ``meanwhile()``, work the run does next anyway, is done before the child is waited for: the
    child walks for longer than the pack takes to open."""
    try:
        cache = open_cache()
        if meanwhile is not None and aside is not None and cache is not None:
            meanwhile()
    except BaseException:
        if aside is not None:
            aside.finish()
        raise
    stats = aside.join(repo) if aside is not None else None  # (a child that failed is let go)
    if cache is not None:
        cache.check_blobs()  # on the second core, now that the child is done walking
        cache.walk_stats = stats
        if aside is not None and stats is not None:
            cache.aside = aside
            aside.go(_to_parse(cache, aside.parses, kinds) if aside.parses is not None else None)
    elif aside is not None:
        aside.finish()
    return cache


def _to_parse(cache: ArtifactCache, parses: NamedParses,
              kinds: Sequence[str]) -> tuple[list[list[str]], list[str], list[str]] | None:
    """What of the named files the run will likely parse (None: nothing): each (kind, file) the pack holds whose
    recorded digest is not the file's now (an edit), and each file it does not hold (a new file: parsed as the
    kinds that glob it, :meth:`NamedParses.run`). The digests asked here are the ones the read-back check asks next
    (memoized by the cache): no file is hashed twice. Only a guess at what is worth parsing aside: whatever the
    child parses is checked before it is used, and a miss it did not parse is parsed here."""
    from aima_gate.pipeline.cache_entries import expand

    entries = cache._entries
    pairs: list[list[str]] = []
    new: list[str] = []
    for rel in sorted(parses.files):
        held = [f"{kind}\0{rel}" for kind in kinds if f"{kind}\0{rel}" in entries]
        if not held:
            new.append(rel)
        now = cache.current_sha(rel) if held else None
        for name in held:
            try:  # the digest of ``rel`` the entry (either form) was parsed from, if it names one
                recorded = next((d[2] for d in expand(name, entries[name])[0] if d[:2] == ["read", rel]), None)
            except (ValueError, TypeError, IndexError):
                recorded = None
            if now is None or recorded != now:
                pairs.append([name.partition("\0")[0], rel])
        if len(pairs) + len(new) >= MAX_NAMED:
            break
    return (pairs[:MAX_NAMED], new[:MAX_NAMED], list(kinds)) if pairs or new else None
