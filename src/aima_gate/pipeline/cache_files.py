"""The artifact cache's own files: the folder's MAC key, the ownership rule, and pruning of old packs.

Everything here is opened relative to a folder descriptor and never through a symbolic link (see cache.py).
"""

from __future__ import annotations

import contextlib
import hmac
import os
import time
from collections.abc import Sequence
from pathlib import Path

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
CACHE_DIR_ENV = "AIMA_GATE_CACHE_DIR"
NO_CACHE_ENV = "AIMA_GATE_NO_CACHE"
PRUNE_AFTER_DAYS = 30
TEMPORARY_PRUNE_AFTER_SECONDS = 86400
"""A pack's temporary file is written while a run collects (cache_writer.py): one a day old belongs to a run that
was killed, never to one still writing, and may hold tens of MB."""


def cache_folder(cli_value: Path | None, no_cache: bool) -> Path | None:
    """The folder the CLI or the environment names, the user cache folder by default, or None when off."""
    if no_cache or os.environ.get(NO_CACHE_ENV, "").strip().lower() in ("1", "true", "yes"):
        return None
    if cli_value is not None:
        return cli_value.absolute()
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env).absolute()
    base = os.environ.get("XDG_CACHE_HOME")
    try:
        root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    except (RuntimeError, KeyError):  # no home folder to put it in
        return None
    return root / "aima-gate"


def mac(key: bytes, body: bytes | memoryview) -> bytes:
    """The 32-byte tag that authenticates a pack or the schema marks: HMAC-SHA256 under the folder's key (each
    file starts with its own magic line, so one is never taken for the other). SHA-256 runs on the CPU's SHA
    instructions where it has them: 2-3x faster than keyed BLAKE2b over a 30 MB pack."""
    return hmac.digest(key, body, "sha256")


def filesystem_now_ns(fd: int) -> int:
    """The time the filesystem of the folder ``fd`` stamps on a write now, in ns.
    A file's age is read on the clock that dated it: the process clock can be another (shifted by libfaketime in
    CI, or an NFS server's), and an age taken across two clocks would prune a file just written or keep one a year
    old. The stamp comes from a file the kernel creates (``utime`` would take the process clock's "now"); the
    process clock when the folder cannot be written."""
    tmpfile = getattr(os, "O_TMPFILE", 0)
    try:
        if tmpfile:  # an unnamed file: nothing to remove, nothing left by a killed run
            with contextlib.suppress(OSError):
                made = os.open(".", os.O_WRONLY | tmpfile | _NOFOLLOW, 0o600, dir_fd=fd)
                try:
                    return os.fstat(made).st_mtime_ns
                finally:
                    os.close(made)
        name = f".tmp-clock-{os.getpid()}-{os.urandom(8).hex()}"  # pruned a day later if a killed run leaves it
        made = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600, dir_fd=fd)
        try:
            return os.fstat(made).st_mtime_ns
        finally:
            os.close(made)
            os.unlink(name, dir_fd=fd)
    except OSError:
        return time.time_ns()


def _prune_folder(fd: int, *keep: str) -> None:
    """Remove packs and deltas no run has written for :data:`PRUNE_AFTER_DAYS` (other versions, other
    repositories), and temporary files left by killed runs after :data:`TEMPORARY_PRUNE_AFTER_SECONDS`, both on the
    folder's own clock (:func:`filesystem_now_ns`). A run that writes a delta touches its pack (cache.py): a pack in
    use is never older than its delta."""
    now = filesystem_now_ns(fd) / 1e9
    for name in os.listdir(fd):
        if name in keep:
            continue
        if name.endswith((".pack", ".delta")):
            limit = now - PRUNE_AFTER_DAYS * 86400
        elif name.startswith(".tmp-"):
            limit = now - TEMPORARY_PRUNE_AFTER_SECONDS
        else:
            continue
        with contextlib.suppress(OSError):
            if os.stat(name, dir_fd=fd, follow_symlinks=False).st_mtime < limit:
                os.unlink(name, dir_fd=fd)


def read_private(folder: int, names: Sequence[str]) -> tuple[bytearray, list[int]] | None:
    """The files ``names`` in ``folder``, read one after the other into one buffer, with the size of each: None when
    the first is missing, a link or not :func:`_private`; any other that is (or is larger than the first) counts as
    empty. A file shorter than it was when opened is a miss (packs are renamed into place whole, never written in
    place)."""
    fds: list[int | None] = []
    try:
        for name in names:
            try:
                fd: int | None = os.open(name, os.O_RDONLY | _NOFOLLOW, dir_fd=folder)
            except OSError:
                fd = None
            if fd is not None and not _private(fd):
                os.close(fd)
                fd = None
            fds.append(fd)
            if fds[0] is None:
                return None
        sizes = [os.fstat(fd).st_size if fd is not None else 0 for fd in fds]
        sizes = [sizes[0], *(n if n <= sizes[0] else 0 for n in sizes[1:])]
        buf = bytearray(sum(sizes))
        at = 0
        with memoryview(buf) as view:
            for fd, size in zip(fds, sizes, strict=True):
                end = at + size
                while fd is not None and at < end:
                    got = os.readv(fd, [view[at:end]])
                    if not got:
                        return None
                    at += got
        return buf, sizes
    except OSError:
        return None
    finally:
        for fd in fds:
            if fd is not None:
                os.close(fd)


def _private(fd: int) -> bool:
    """Owned by this user and writable by no one else: otherwise another account could know the key or plant
    packs, and the cache is not used."""
    st = os.fstat(fd)
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def _key(top: int) -> bytes | None:
    """The folder's random MAC key (32 bytes, created once, atomically: written aside, then linked into place)."""
    for _ in range(2):
        try:
            fd = os.open("key", os.O_RDONLY | _NOFOLLOW, dir_fd=top)
        except FileNotFoundError:
            tmp = f".key-{os.getpid()}-{os.urandom(8).hex()}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600, dir_fd=top)
            with os.fdopen(fd, "wb") as fh:
                fh.write(os.urandom(32))  # what secrets.token_bytes(32) returns, without importing secrets
            try:
                os.link(tmp, "key", src_dir_fd=top, dst_dir_fd=top, follow_symlinks=False)
            except FileExistsError:
                pass  # another run made it first: use theirs
            finally:
                os.unlink(tmp, dir_fd=top)
            continue
        with os.fdopen(fd, "rb") as fh:
            key = fh.read(33) if _private(fh.fileno()) else b""
        return key if len(key) == 32 else None
    return None


def open_folder(folder: Path) -> tuple[int, bytes] | None:
    """The cache folder (created if need be) as a descriptor, with its key; None when it cannot be used safely
    (not this user's, writable by others, a linked key, unreadable). The caller closes the descriptor."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        top = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        key = _key(top) if _private(top) else None
    except OSError:
        key = None
    if key is None:
        os.close(top)
        return None
    return top, key


def inside(folder: Path, root: Path) -> bool:
    """Whether ``folder`` is (or would be) inside the checked repository at ``root``."""
    resolved = folder.resolve()
    return resolved == root or resolved.is_relative_to(root) or folder.absolute().is_relative_to(root)
