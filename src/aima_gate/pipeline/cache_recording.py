"""How a collector's reads are recorded while its parse may be cached (see cache_codec.py for what is stored and
cache.py for the store): :class:`RecordingRepo` answers like the real :class:`Repo` and records every answer as a
dependency; any other access marks the parse uncacheable. :func:`parse_recorded` runs one parse that way and
appends its :class:`Record`."""

from __future__ import annotations

import json
import os
import stat
import struct
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from aima_gate.core.errors import AimaGateError
from aima_gate.pipeline.cache_codec import Dep, Uncacheable, encode_results, listing_digest, sha
from aima_gate.safeio.loaders import decode_text
from aima_gate.safeio.repo import Repo


class RecordingRepo:
    """The :class:`Repo` a collector sees while its parse may be cached: answers like the real one and records
    every answer. One per parse, so a per-repository memo inside a collector starts empty and its reads are
    recorded too."""

    def __init__(self, repo: Repo) -> None:
        self._repo = repo
        self.deps: list[Dep] = []
        self.cacheable = True
        self.stats: dict[str, bytes] = {}
        """The :func:`stat_key` of each file read, when unchanged during the read."""

        self.groups: dict[str, list[Any]] = {}
        """The dependencies of each ``("group", digest)`` in :attr:`deps`."""
        self._file_stat: Callable[[str], bytes | None] | None = None
        """:func:`stat_reader` of the repository, bound on the first read: a read asks it twice."""
        self.clock_reads = 0
        """How often the parse read the run's clock (:class:`RecordedClock`)."""

    def __getattr__(self, name: str) -> Any:
        # Anything not recorded below (root, path, open_binary, ...) may reach files the deps would not name.
        self.cacheable = False
        return getattr(self._repo, name)

    def uncacheable(self) -> None:
        """The collector depends on something the recording cannot name (a server, the environment)."""
        self.cacheable = False

    def clock_read(self) -> None:
        """The parse read the run's clock (:class:`RecordedClock`): its result may depend on the date, which the
        cache's packs do not (a pack serves every day's runs), so it is not cached."""
        self.cacheable = False
        self.clock_reads += 1

    def shared(self, key: str, compute: Callable[[RecordingRepo], Any]) -> Any:
        """``compute`` once per run and process for every parse that asks for ``key`` (a per-run read such as every
        registry, which many parses share), through a recorder of its own; its dependencies join this parse's
        as one ``("group", digest)``, and an uncacheable computation makes this parse uncacheable. ``key`` must
        name everything ``compute`` depends on besides the repository (the run's config is the same for all)."""
        memo = _SHARED.setdefault(self._repo, {})
        if key not in memo:
            sub = RecordingRepo(self._repo)
            reads = self.clock_reads  # (compute sees this parse's context, so its clock reads count here)
            try:
                value = compute(sub)
            except BaseException:
                self.cacheable = False
                raise
            deps = [list(d) for d in sub.deps]
            ok = sub.cacheable and not sub.groups and self.clock_reads == reads
            memo[key] = (value, sha(json.dumps(deps).encode()) if ok else None, deps)
        value, digest, deps = memo[key]
        if digest is None:
            self.cacheable = False
        else:
            self.deps.append(("group", digest))
            self.groups[digest] = deps
        return value

    def files(self) -> list[str]:
        found = self._repo.files()
        self.deps.append(("files", listing_digest(found)))
        return found

    def glob(self, patterns: Sequence[str]) -> list[str]:
        found = self._repo.glob(patterns)
        self.deps.append(("glob", list(patterns), listing_digest(found)))
        return found

    def exists(self, rel: str) -> bool:
        found = self._repo.exists(rel)
        self.deps.append(("exists", rel, found))
        return found

    def resolve_reference(self, reference: str, *, base_file: str, line: int | None = None) -> str:
        return self._repo.resolve_reference(reference, base_file=base_file, line=line)

    def read_bytes(self, rel: str, *, max_bytes: int | None = None) -> bytes:
        data, digest = self._read(rel, max_bytes)
        if digest is not None:
            self.deps.append(("read", rel, digest))
        return data

    def glob_holding(self, patterns: Sequence[str], needles: Sequence[bytes]) -> list[tuple[str, bytes]]:
        """(file, bytes) of each file of ``glob(patterns)``, in its order, whose bytes hold any of ``needles``
        (ASCII); a file that cannot be read is left out (this parse is then uncacheable). For a parse that uses
        only the files that mention a key (every registry file, for the few that declare protected attributes):
        the files that hold none take no part in its result, so they are recorded as such, in one dependency
        ``("holding", patterns, needles, {file: digest} holding, {file: digest} lacking)``, not by the glob's
        listing and their bytes. It holds while the holding files keep their bytes and every other file of the
        glob holds no needle (cache_checks.holding_holds): an edit that adds none (a new owner) or a new
        registry file that declares nothing (a new model) keeps it, where a glob's listing or a file's bytes would
        make every parse that shares it a miss (5,000 bias reports parsed again at 5,000 models)."""
        holding: dict[str, str] = {}
        lacking: dict[str, str] = {}
        out: list[tuple[str, bytes]] = []
        for rel in self._repo.glob(patterns):
            try:
                data, digest = self._read(rel, None)
            except AimaGateError:
                continue  # (the parse left it out; _read made this parse uncacheable)
            held = any(n in data for n in needles)
            if digest is not None:
                (holding if held else lacking)[rel] = digest
            if held:
                out.append((rel, data))
        self.deps.append(("holding", list(patterns), [n.decode("ascii") for n in needles], holding, lacking))
        return out

    def _read(self, rel: str, max_bytes: int | None) -> tuple[bytes, str | None]:
        """The bytes and their digest (None: the read is not one a digest can stand for, so this parse is
        uncacheable)."""
        identity = self._file_stat
        if identity is None:
            identity = self._file_stat = stat_reader(self._repo)
        before = identity(rel)
        try:
            data = self._repo.read_bytes(rel, max_bytes=max_bytes)
        except BaseException:
            self.cacheable = False  # a refused read depends on more than the bytes (links, limits)
            raise
        if before is None or len(data) != key_size(before):
            self.cacheable = False
            return data, None
        if identity(rel) == before:
            self.stats[rel] = before
        return data, sha(data)

    def read_text(self, rel: str, *, max_bytes: int | None = None) -> str:
        return decode_text(self.read_bytes(rel, max_bytes=max_bytes), rel)


_SHARED: weakref.WeakKeyDictionary[Repo, dict[str, tuple[Any, str | None, list[Any]]]] = weakref.WeakKeyDictionary()


STAT_KEY = struct.Struct("<QQQqq")
"""A regular file's identity as the cache keeps it: its (device, inode, size, mtime_ns, ctime_ns) packed in 40
bytes, compared whole. One object per file, not a list of five numbers: a pack's stat rows and the walk's stats
are 20,000 each in a hook run at 5,000 models, decoded in a quarter of the time."""
KEY_SIZE = STAT_KEY.size
_pack_key, _unpack_key = STAT_KEY.pack, STAT_KEY.unpack


def stat_key(st: os.stat_result) -> bytes | None:
    """The identity of a regular file's stat (None: not a regular file, or a field out of range)."""
    if not stat.S_ISREG(st.st_mode):
        return None
    try:
        return _pack_key(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    except struct.error:  # no identity: the file is hashed on every run
        return None


def key_size(key: bytes) -> int:
    """The file size a :func:`stat_key` holds."""
    return int(_unpack_key(key)[2])


def key_times(key: bytes) -> tuple[int, int]:
    """The (mtime_ns, ctime_ns) a :func:`stat_key` holds."""
    _, _, _, mtime, ctime = _unpack_key(key)
    return mtime, ctime


def file_stat(repo: Repo, rel: str) -> bytes | None:
    """The identity (:func:`stat_key`) of a regular file found by the walk (so no folder on its path is a link),
    else None."""
    return stat_reader(repo)(rel)


def stat_reader(repo: Repo) -> Callable[[str], bytes | None]:
    """:func:`file_stat` for one repository, its walk and root looked up once: the cache asks it for every file
    of a run (20,000 at 5,000 models), where the per-call look-ups were a third of the cost of the ``lstat``."""
    files, prefix, lstat, key = walked(repo), f"{repo.root}/", os.lstat, stat_key

    def identity(rel: str) -> bytes | None:
        if rel not in files:
            return None
        try:
            return key(lstat(prefix + rel))
        except OSError:
            return None

    return identity


_WALKED: weakref.WeakKeyDictionary[Repo, frozenset[str]] = weakref.WeakKeyDictionary()


def walked(repo: Repo) -> frozenset[str]:
    got = _WALKED.get(repo)
    if got is None:
        got = _WALKED[repo] = repo.walked()  # the repository's own set of its walk: not a second one of 20,000
    return got


def forget_run(repo: Repo) -> None:
    """Drop this process's per-run memos of ``repo`` (its walk, the shared computations): once the cache is saved
    no parse is recorded any more, and the run keeps ``repo`` until it ends."""
    _WALKED.pop(repo, None)
    _SHARED.pop(repo, None)


@dataclass(frozen=True)
class Record:
    """What one cacheable parse left: its dependencies, the file stats seen, and its encoded results."""

    deps: tuple[Dep, ...]
    stats: Mapping[str, bytes]
    items: list[Any] | None
    blobs: list[bytes]
    groups: Mapping[str, list[Any]]


class RecordedClock:
    """The run's clock as a recorded parse sees it (``CollectContext.clock``): each read tells the recorder
    (:meth:`RecordingRepo.clock_read`), which then does not cache the parse. A pack's identity names no date, so
    that the first run of a day reads back what the day before parsed; by construction, then, nothing cached can
    depend on the date (no cacheable collector reads the clock today; one that does is parsed on every run)."""

    __slots__ = ("_clock", "_recorder")

    def __init__(self, clock: Any, recorder: RecordingRepo) -> None:
        self._clock = clock
        self._recorder = recorder

    @property
    def today(self) -> Any:
        self._recorder.clock_read()
        return self._clock.today

    @property
    def pinned(self) -> bool:
        self._recorder.clock_read()
        return bool(self._clock.pinned)

    def now(self) -> Any:
        self._recorder.clock_read()
        return self._clock.now()


def with_repo(ctx: Any, repo: RecordingRepo) -> Any:
    """``dataclasses.replace(ctx, repo=repo, clock=RecordedClock(ctx.clock, repo))``: for a :class:`CollectContext`
    (a frozen dataclass whose fields are all set by ``__init__`` as given, no ``__post_init__``) its field values
    copied as they are, without replace's inspection of the fields on every call (once per recorded parse: 20,000
    at 5,000 models)."""
    from aima_gate.collectors import CollectContext

    clock = RecordedClock(ctx.clock, repo)
    if type(ctx) is not CollectContext:
        return replace(ctx, repo=repo, clock=clock)
    new = object.__new__(CollectContext)
    fields = vars(new)
    fields.update(vars(ctx))
    fields["repo"] = repo
    fields["clock"] = clock
    return new


def parse_recorded(parse: Callable[[Any], list[Any]], ctx: Any, repo: Repo) -> list[Any]:
    """Run ``parse`` on a context whose repository records every answer; the results end with a :class:`Record`."""
    recorder = RecordingRepo(repo)
    results = parse(with_repo(ctx, recorder))
    items: list[Any] | None = None
    blobs: list[bytes] = []
    if recorder.cacheable:
        try:
            items, blobs = encode_results(results)
        except Uncacheable:
            items = None
    return [*results, Record(tuple(recorder.deps), recorder.stats, items, blobs, recorder.groups)]
