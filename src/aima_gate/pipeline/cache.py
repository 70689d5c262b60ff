"""The artifact cache: normalised artifacts of unchanged files are read back instead of parsed again.

Where: a folder named on the command line (``--cache-dir``) or by ``AIMA_GATE_CACHE_DIR``, else
``$XDG_CACHE_HOME/aima-gate`` or ``~/.cache/aima-gate``; never one inside the checked repository (the repository's
own config cannot name it). ``--no-cache`` or ``AIMA_GATE_NO_CACHE=1`` turns it off.

What: one pack per *identity*: the gate's version and the fingerprint of its code, the config as collectors see
it (Config.collector_settings: no waivers, fail_on, policy selection or policy thresholds), the command-line
options collectors see, the repository root and its limits; not the evaluation date (a recorded parse that reads
the clock is not cached: cache_recording.RecordedClock), nor the policies (no collector sees one).
A pack holds, per (kind, file), the collector's results and every dependency the parse recorded
(:mod:`cache_codec`): the SHA-256 of each file read, each ``exists`` answer, each listing. An entry is used only
when every dependency still holds; a file's hash is recomputed unless its (device, inode, size, mtime, ctime) are
those recorded when it was hashed and were already 2 s old then (git's rule against "racily clean" files).

Why it cannot change a verdict: a pack's index and the SHA-256 of its blobs are authenticated (HMAC-SHA256, with a
random key kept in the cache folder, which with the packs must belong to this user and be writable by no one else),
the index names the pack's identity, and no blob byte is read before the blobs match that digest
(cache_blobs.CheckedView; a pack whose blobs do not is removed and the run collects without it). Anything
unreadable, truncated, foreign, mismatched or tampered is a miss, never data. Packs are written to a fresh
temporary file as the run goes (cache_writer.py) and renamed into place once whole, and nothing in the folder is
opened through a symbolic link. A run that read a pack back writes only what it changed, as the pack's delta,
authenticated with the pack's tag and read with that pack only (cache_delta.py).
"""

from __future__ import annotations

import contextlib
import json
import marshal
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from aima_gate.core.errors import AimaGateError, ConfigError
from aima_gate.core.kept import release, set_aside
from aima_gate.pipeline import cache_delta as delta
from aima_gate.pipeline.cache_blobs import CheckedView
from aima_gate.pipeline.cache_checks import holding_holds
from aima_gate.pipeline.cache_codec import LISTING, listing_digest, listing_since, sha
from aima_gate.pipeline.cache_entries import (
    COMPACT,
    ROW_SIZE,
    group_holds,
    lookup_many,
    stored,
    with_spans,
)
from aima_gate.pipeline.cache_files import (  # noqa: F401 (cache_folder and the variables: the CLI's, the tests')
    CACHE_DIR_ENV,
    NO_CACHE_ENV,
    _private,
    _prune_folder,
    cache_folder,
    filesystem_now_ns,
    inside,
    mac,
    open_folder,
    read_private,
)
from aima_gate.pipeline.cache_identity import code_fingerprint
from aima_gate.pipeline.cache_recording import (
    KEY_SIZE,
    Record,
    forget_run,
    key_size,
    key_times,
    parse_recorded,
    stat_reader,
    walked,
)
from aima_gate.pipeline.cache_writer import PackWriter, as_json, authenticated
from aima_gate.safeio.globs import glob_filter
from aima_gate.safeio.repo import Repo

FORMAT = "aima-gate artifact cache 10"
MAGIC = (FORMAT + "\n").encode()
RACY_NS = 2_000_000_000
CACHEABLE_KINDS = frozenset({"model", "model_card", "explainability_report", "document", "threat_model",
                             "robustness_report", "drift_report", "data_validation", "attestation", "bias_report"})
"""Kinds whose collectors read the repository only through the recorded interface and keep no state between
files that the recording would miss (bias reports read every registry once per run, through
``RecordingRepo.shared``: one group of dependencies per pack)."""
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
INDEX = "the artifact cache's index"
"""What a hook run's cache sets aside (core/kept.py) when it closes."""


class ArtifactCache:
    def __init__(self, repo: Repo, fd: int, name: str, identity: str, key: bytes) -> None:
        self.repo = repo
        self._fd = fd
        self._name = name
        self._identity = identity
        self._key = key
        self._stat: dict[str, bytes] = {}
        self._entries: dict[str, list[Any]] = {}
        self._view = CheckedView(memoryview(b""))
        self._new_stat: dict[str, bytes] = {}
        """The next pack's stat rows read back from the last pack (:meth:`_hash`)."""
        self._remembered = bytearray()
        """The next pack's stat rows of files hashed this run (:meth:`_remember`), as the marshal bytes of each (path,
        row) pair, put before :attr:`_new_stat`'s in the index (a path in both keeps the row read back, which held):
        one buffer, not 50,000 small objects freed among the artifacts at 12,500 models."""
        self._new_entries: dict[str, tuple[list[Any], list[bytes | memoryview] | None]] = {}
        """Each entry read back for the next pack (stored form) with its blobs (None: at its spans in the view)."""
        self._base: Sequence[Mapping[str, list[Any]]] = ({}, {}, {}, {})
        """The pack's own tables (cache_delta.TABLES) before its delta: what the next delta is relative to."""
        self._base_size = 0
        self._delta: dict[str, Any] = {}  # the index of the pack's delta as read (cache_delta.py), or empty
        self._writer = PackWriter(fd, key, MAGIC)  # once a pack is read back, its next delta's writer (_load)
        self._absorbed = bytearray()
        """The next pack's entries for the files parsed this run, their blobs already written (:meth:`absorb`):
        marshal bytes of each (name, entry) pair, a fraction of the memory of the lists they stand for."""
        self._dirty = False
        self._globs: dict[str, list[Any]] = {}
        self._new_globs: dict[str, list[Any]] = {}
        self._groups: dict[str, list[Any]] = {}
        self._new_groups: dict[str, list[Any]] = {}
        self._listing: str | None = None
        self._last_listing: str | None = None  # the last run's listing's digest when it differs (_listed)
        self._added: list[str] = []  # the paths listed now that the last run's listing lacked
        self._valid: dict[Any, bool] = {}
        self._shas: dict[str, str | None] = {}
        self._file_stat: Callable[[str], bytes | None] | None = None
        self.walk_stats: dict[str, bytes | None] | None = None
        """Each listed file's stat_key (None: not a regular file) as a child took them with the walk
        (pipeline/walk_aside.py), for :func:`~cache_entries.lookup_many`; None: it takes its own."""
        self.aside: Any = None
        """That child (a walk_aside.WalkAside, which imports this module), for what it parsed after its walk
        (cache_entries.run_batch); let go by :meth:`close`."""
        # The racy-file guard (_remember) compares a file's mtime with the start of the run: the earlier of the
        # process clock and the filesystem's, so a clock that runs ahead of the one dating files never counts a file
        # being written now as settled.
        self._started = min(time.time_ns(), filesystem_now_ns(fd))
        from aima_gate.core.parallel import no_gc

        with no_gc():  # the index is one large document of long-lived objects
            self._load()
        repo.glob_memo = self.glob  # every glob of the run (external sources too) until save()

    # ------------------------------------------------------------------------------------------ opening
    @classmethod
    def open(cls, folder: Path, repo: Repo, identity_parts: Sequence[Any]) -> ArtifactCache | None:
        """The cache for this run, or None when it cannot be used safely (never an error for the verdict)."""
        if inside(folder, repo.root):
            raise ConfigError(f"the cache folder {folder} is inside the checked repository",
                              hint="name a folder outside it with --cache-dir, or use --no-cache")
        try:
            identity = json.dumps([FORMAT, code_fingerprint(), *identity_parts], sort_keys=True,
                                  ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            return None
        opened = open_folder(folder)
        if opened is None:
            return None
        top, key = opened
        try:
            with contextlib.suppress(FileExistsError):
                os.mkdir("packs", 0o700, dir_fd=top)
            fd = os.open("packs", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW, dir_fd=top)
        except OSError:
            return None
        finally:
            os.close(top)
        if not _private(fd):
            os.close(fd)
            return None
        name = sha(identity.encode())[:40] + ".pack"
        return cls(repo, fd, name, identity, key)

    def _load(self) -> None:
        # The pack and its delta (if any) are read into one buffer, the delta right after the pack: the view blobs
        # are read from covers both (cache_delta.py).
        read = read_private(self._fd, (self._name, delta.delta_name(self._name)))
        if read is None:
            return  # none yet, or a link (never followed)
        buf, (size, _) = read
        data = memoryview(buf)  # a view: no copy of a pack of tens of MB
        try:
            layout = authenticated(self._key, data[:size], MAGIC)  # the index; the blobs by their digest, below
            if layout is None:
                return
            # S302: the bytes of a pack's index that just authenticated under our key (written by write_pack)
            header = marshal.loads(layout[0])  # noqa: S302
            if header.get("identity") != self._identity:
                return
            tables = [header[table] for table in delta.TABLES]
            if all(isinstance(x, dict) for x in tables):
                tag = bytes(data[size - 32:size])
                self._base_size, self._view = size, CheckedView(data[len(MAGIC):], layout[1], layout[2])
                self._writer = PackWriter(self._fd, self._key, delta.magic(tag), delta.origin(size, MAGIC))
                self._delta = delta.read_delta(data[size:], self._key, tag, self._identity) or {}
                self._base = delta.merged(tables, self._delta)  # (the tables get the delta in place)
                self._stat, self._entries, self._globs, self._groups = tables
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return

    def check_blobs(self) -> None:  # on a thread from now on (cache_blobs.CheckedView.start)
        self._view.start()

    def blobs_hold(self) -> bool:
        """Whether the blobs of the pack read back are the ones its index names (True when none was read). False:
        nothing read back from it may be used (the run collects again without it)."""
        return self._view.holds()

    # ------------------------------------------------------------------------------------------- lookup
    def current_sha(self, rel: str) -> str | None:
        """The SHA-256 of the file's bytes now (None: not a regular file found by the walk, or unreadable)."""
        shas = self._shas
        if rel in shas:
            return shas[rel]
        digest = shas[rel] = self._hash(rel)
        return digest

    def _hash(self, rel: str) -> str | None:
        if self._file_stat is None:  # file_stat with the walk and root bound (the walk is made by then)
            self._file_stat = stat_reader(self.repo)
        # The stat before the read: the one the walk took (walk_aside.py; a listed regular file's only), else our
        # own. The one after the read is always our own.
        taken = self.walk_stats.get(rel) if self.walk_stats is not None else None
        st = taken if type(taken) is bytes and len(taken) == KEY_SIZE else self._file_stat(rel)  # (no link on its path)
        if st is None:
            return None
        old = self._stat.get(rel)
        # The index row is the file's stat_key and its SHA-256 (hex), recorded only for a file older than the run
        # that recorded it (_remember): when the key holds, the file is the one that was hashed.
        if type(old) is bytes and len(old) == ROW_SIZE and old[:KEY_SIZE] == st:
            self._new_stat[rel] = old
            return old[KEY_SIZE:].decode("ascii", "replace")  # (a row not ASCII names no real digest: a miss)
        if key_size(st) > self.repo.max_bytes:
            return None
        try:
            data = self.repo.read_bytes(rel)
        except (AimaGateError, OSError):
            return None
        digest = sha(data)
        if self._file_stat(rel) == st:
            self._remember(rel, st, digest)
        return digest

    def _remember(self, rel: str, st: bytes, digest: str) -> None:
        if (type(st) is bytes and len(st) == KEY_SIZE and len(digest) == 64 and digest.isascii()
                and max(key_times(st)) < self._started - RACY_NS):
            self._remembered += marshal.dumps(rel, 2) + marshal.dumps(st + digest.encode("ascii"), 2)
            self._dirty = True

    def glob(self, patterns: Sequence[str]) -> list[str]:
        """``repo.glob(patterns)``, a pure function of the file listing and the patterns: kept per listing. When the
        listing changed (a file added or removed), from the glob kept for the last one: a glob keeps each path on
        its own (glob_filter), so only the paths that listing lacked are matched (all 21 default glob lists over
        20,000 paths were 120 ms of the first hook run after a model was added at 5,000 models)."""
        if self._listing is None:
            self._listed()
        key = json.dumps(list(patterns))
        done = self._new_globs.get(key)
        if done is not None:  # asked before in this run (same listing): Repo.glob's own memo, which this replaces
            return list(done[1])
        old = self._globs.get(key)
        if (isinstance(old, list) and len(old) == 2 and isinstance(old[1], list)
                and all(isinstance(f, str) for f in old[1]) and type(old[0]) is str
                and old[0] in (self._listing, self._last_listing)):
            found: list[str] = old[1]
            if old[0] != self._listing:  # the last listing's, which _listed kept: its paths still listed, and the new
                walked = self.repo.walked()  # paths that match (the listing is sorted, so is the glob)
                found = sorted([f for f in found if f in walked] + glob_filter(self._added, patterns))
                self._dirty = True
        else:
            found = glob_filter(self.repo.files(), patterns)  # not repo.glob: that asks this method
            self._dirty = True
        self._new_globs[key] = [self._listing, found]
        return list(found)

    def _listed(self) -> None:
        """The listing's digest, and the listing kept in the pack (under :data:`LISTING`, among the globs) for the
        next run's :meth:`glob`; when the last run's differs, the paths it lacked (:attr:`_added`)."""
        files = self.repo.files()
        self._listing = listing_digest(files)
        self._new_globs[LISTING], self._last_listing, self._added = listing_since(
            self._globs.get(LISTING), files, self._listing)

    def _holds(self, dep: Any) -> bool:
        if dep[0] == "read" and len(dep) == 3:
            return bool(self.current_sha(dep[1]) == dep[2])
        if dep[0] == "holding":  # (only in a group, which is checked once per run: no JSON key of 5,000 files)
            return self._check(dep)
        # A group (one per shared read, named by every entry that made it) is keyed by its name without
        # re-encoding the dependency; anything else by its JSON text.
        key = ("group", dep[1]) if dep[0] == "group" and len(dep) == 2 and type(dep[1]) is str else json.dumps(dep)
        if key not in self._valid:
            self._valid[key] = self._check(dep)
        return self._valid[key]

    def _check(self, dep: Any) -> bool:
        what = dep[0]
        if what == "read":
            return bool(self.current_sha(dep[1]) == dep[2])
        if what == "holding" and len(dep) == 5:
            return holding_holds(self, *dep[1:])
        if what == "exists":
            return self.repo.exists(dep[1]) is dep[2]
        if what == "glob":
            return bool(listing_digest(self.glob(list(dep[1]))) == dep[2])
        if what == "files":
            return bool(listing_digest(self.repo.files()) == dep[1])
        if what == "group" and len(dep) == 2:
            return group_holds(self._holds, self._groups.get(dep[1]))
        return False

    def lookup(self, kind: str, file: str) -> list[Any] | None:
        """The cached results of parsing ``file`` as ``kind``, when every dependency holds; else None."""
        return self.lookup_many([(kind, file)])[0]

    def lookup_many(self, pairs: Sequence[tuple[str, str]]) -> list[list[Any] | None]:
        """:meth:`lookup` for each (kind, file) pair, in order (cache_entries.py: an entry in either form)."""
        return lookup_many(self, pairs, CACHEABLE_KINDS)

    # ------------------------------------------------------------------------------------------ storing
    def absorb(self, kind: str, file: str, record: Record) -> None:
        for rel, st in record.stats.items():
            digest = next((d[-1] for d in record.deps if d[0] == "read" and d[1] == rel), None)
            if digest is not None:
                self._remember(rel, st, digest)
        if record.items is None:
            return
        self._new_groups.update(record.groups)
        name = f"{kind}\0{file}"
        self._dirty = True
        # The blobs go to the next pack's file now (cache_writer.py): the run keeps only the entry with their spans.
        spans = self._writer.add(record.blobs)  # None once the pack has failed
        if spans is None:
            return
        try:
            entry = with_spans(name, stored(name, record.deps, record.items, len(record.blobs)), spans)
            if len(entry) != COMPACT:
                entry = as_json(entry)
            # A compact entry is JSON's reading of itself already (no JSON round trip): its file digest and groups
            # are str (stored() checks), its spans ints, the rest the artifact's index head, which encode_results
            # admitted only as exactly what JSON reads back (exact_head).
            self._absorbed += marshal.dumps(name, 2) + marshal.dumps(entry, 2)
        except (ValueError, TypeError):  # an entry that could not be read back: no pack rather than one without it
            self._writer.discard()
        delta.outgrown(self, MAGIC)  # a delta that would be too large turns into a whole pack as soon as it is

    def save(self, *, free: bool = True) -> None:
        """Write the pack of this run (atomically; a run that changed nothing writes nothing). ``free``: see
        :meth:`close`."""
        self.repo.glob_memo = None
        try:
            # The same as comparing the two sets of names, without building them (20,000 names each at 5,000 models).
            new, old = self._new_entries, self._entries
            changed = self._dirty or len(new) != len(old) or not new.keys() <= old.keys()
            if changed and (not self._base_size or not delta.write_delta(self, MAGIC)):  # a delta, else a whole pack
                delta.write_pack(self)
        finally:
            self.close(free=free)

    def close(self, *, free: bool = True, drop: bool = False) -> None:
        """Let the pack go without writing (:meth:`save` ends here). With ``free`` False, the index is set aside
        rather than freed (core/kept.py): a hook run evaluates a few subjects and ends, and freeing the 20,000
        entries of its index one by one took 9 ms of its 0.35 s at 5,000 models. With ``drop``, the pack and its
        delta are removed (blobs that are not the ones the index names: the next run makes a new pack)."""
        self.repo.glob_memo = None
        aside, self.aside = self.aside, None
        if aside is not None:
            aside.finish()
        self._writer.discard()  # no-op once written; else the temporary file goes
        for name in (self._name, delta.delta_name(self._name)) if drop else ():
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=self._fd)
        os.close(self._fd)
        self._release(free)

    def _release(self, free: bool = True) -> None:
        """Drop the index and the next pack's blobs once the pack is written: the run keeps this object until
        it ends, and at 12,500 models they were about 200 MB held through evaluation. Read-back artifacts that
        still decode lazily keep the pack's bytes through their own views."""
        if free:
            release(INDEX)
        else:
            set_aside(INDEX, (self._stat, self._entries, self._new_stat, self._new_entries, self._base, self._globs,
                              self._new_globs, self._delta))
        self._stat, self._entries, self._new_stat, self._new_entries, self._base = {}, {}, {}, {}, ({}, {}, {}, {})
        self._globs, self._new_globs, self._groups, self._new_groups = {}, {}, {}, {}
        self._valid, self._shas, self._delta, self._added = {}, {}, {}, []
        self._absorbed, self._remembered = bytearray(), bytearray()
        self._view = CheckedView(memoryview(b""))
        # Its copies of the walk (and its stats), and the per-run memos of the recording (the shared registry reads
        # and their dependencies): a few MB at 12,500 models, unused after.
        self._file_stat = self.walk_stats = None
        forget_run(self.repo)

    def _prune(self, *also: str) -> None:
        _prune_folder(self._fd, self._name, *also)


__all__ = ["CACHEABLE_KINDS", "ArtifactCache", "cache_folder", "code_fingerprint", "parse_recorded", "stat_reader",
           "walked"]
