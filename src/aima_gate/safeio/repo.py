"""Read-only, bounded access to the repository under evaluation.

Every path is repo-relative POSIX. Reading refuses symlinks and ``..`` references that leave the repository,
non-regular files and files over the size bound, with an :class:`InputError` naming the file.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

from aima_gate.core.errors import InputError
from aima_gate.safeio.globs import JoinedPaths
from aima_gate.safeio.globs import glob_filter as glob_filter  # re-exported: Repo.glob and the tests use it here
from aima_gate.safeio.loaders import decode_text

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
GLOB_ALL_SPREAD_FILES = 5_000
"""From this many listed files :meth:`Repo.glob_all` spreads its pattern lists over the cores."""
VCS_DIRS = frozenset({".git", ".hg", ".svn"})
"""Version-control metadata: never content, never listed."""
DEFAULT_EXCLUDED_DIRS = {
    "node_modules": "JavaScript dependencies", "site-packages": "installed Python packages",
    "__pycache__": "Python bytecode cache", ".tox": "tox environments", ".nox": "nox environments",
    ".mypy_cache": "tool cache", ".pytest_cache": "tool cache", ".ruff_cache": "tool cache",
    "build": "build output", "dist": "build output",
}
"""Folders that hold what tools installed or built, not the repository's evidence. Skipped by default and listed
in every report; ``default_exclusions: false`` in the config reads them. Files they hold that an artifact
references are still read."""


def _excluded_reason(dirpath: str, name: str) -> str | None:
    if name in DEFAULT_EXCLUDED_DIRS:
        return DEFAULT_EXCLUDED_DIRS[name]
    if name.endswith(".egg-info"):
        return "build output"
    if (Path(dirpath) / name / "pyvenv.cfg").is_file():
        return "Python virtualenv (pyvenv.cfg)"
    return None


class Repo:
    def __init__(self, root: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, exclude: Sequence[str] = (),
                 default_exclusions: bool = True) -> None:
        self.root = root.resolve()
        self.default_exclusions = default_exclusions
        self._excluded_dirs: list[tuple[str, str]] = []
        self.max_bytes = max_bytes
        self.exclude = tuple(exclude)
        self._files: list[str] | None = None
        self._walked_set: frozenset[str] | None = None
        self._escaping_links: list[tuple[str, str]] = []
        self._undecodable: list[str] = []
        self._root_slash = str(self.root).rstrip(os.sep) + os.sep
        self._globbed: dict[tuple[str, ...], list[str]] = {}
        self._joined: JoinedPaths | None = None
        self.glob_memo: Callable[[Sequence[str]], list[str]] | None = None
        """Set while the artifact cache is open (pipeline/cache.py): :meth:`glob` answered from the globs it keeps
        per file listing, verified there (a glob is a pure function of the listing and the patterns)."""

    # ------------------------------------------------------------------------------------------ listing
    def files(self) -> list[str]:
        """Every file below the root (symlinks included, not followed into directories), sorted."""
        if self._files is None:
            found: list[str] = []
            root = str(self.root)
            for dirpath, dirnames, filenames in os.walk(root):
                rel_dir = os.path.relpath(dirpath, root)
                prefix = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
                kept = []
                for d in sorted(dirnames):
                    why = None if d in VCS_DIRS or not self.default_exclusions else _excluded_reason(dirpath, d)
                    if why is not None and not (Path(dirpath) / d).is_symlink():
                        self._excluded_dirs.append((prefix + d, why))
                    elif d not in VCS_DIRS:
                        kept.append(d)
                dirnames[:] = kept
                # os.walk hands back a non-UTF-8 name with lone surrogates (surrogateescape); such a string cannot
                # be encoded into any report, so the file is listed as an error, never read. One check of the
                # folder's names together first (the encoder refuses any surrogate, paired or not): a folder of
                # 5,000 cards costs one encode, not 5,000 calls. (The prefix has none: such folders are not entered.)
                if not _has_surrogate("".join(filenames)):
                    found += [prefix + name for name in filenames]
                    filenames = []
                for name in filenames:
                    rel = prefix + name
                    (self._undecodable if _has_surrogate(rel) else found).append(rel)
                undecodable_dirs = [d for d in dirnames if _has_surrogate(prefix + d)]
                self._undecodable.extend(prefix + d + "/" for d in undecodable_dirs)
                dirnames[:] = [d for d in dirnames if d not in undecodable_dirs]
                for name in dirnames:  # the walk does not follow folder links; note the ones that leave
                    full = Path(dirpath, name)
                    if full.is_symlink():
                        target = full.resolve()
                        if not target.is_relative_to(self.root):
                            self._escaping_links.append((prefix + name, shown_name(str(target))))
            found.sort()
            if self.exclude:
                excluded = set(glob_filter(found, self.exclude))
                found = [f for f in found if f not in excluded]
                self._escaping_links = [(link, target) for link, target in self._escaping_links
                                        if not glob_filter([link, link + "/-"], self.exclude)]
            self._files = found
        return self._files

    def listing(self) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str]], list[str]]:
        """The walk's whole result (walking first if need be): files, skipped folders, escaping folder links and
        undecodable names, as :meth:`adopt_listing` takes them (pipeline/walk_aside.py)."""
        files = self.files()
        return files, self._excluded_dirs, self._escaping_links, self._undecodable

    def adopt_listing(self, files: list[str], excluded: list[tuple[str, str]], escaping: list[tuple[str, str]],
                      undecodable: list[str]) -> bool:
        """Take the result of this walk made by a copy of this object in a forked child (:meth:`listing`;
        pipeline/walk_aside.py checks its shape). False, and nothing taken, when this object has walked already."""
        if self._files is not None:
            return False
        self._files, self._excluded_dirs, self._escaping_links, self._undecodable = (
            files, excluded, escaping, undecodable)
        return True

    def adopt_globs(self, globbed: Sequence[tuple[tuple[str, ...], list[str]]]) -> bool:
        """Take globs of this object's listing made by a copy of it in a forked child (pipeline/globs_aside.py),
        each what :meth:`glob` finds for its patterns (a pure function of the listing and them)."""
        for key, found in globbed:
            self._globbed.setdefault(key, found)
        return True

    def excluded_folders(self) -> list[tuple[str, str]]:
        """(folder, why) of every folder the walk skipped by default (see :data:`DEFAULT_EXCLUDED_DIRS`)."""
        self.files()
        return sorted(self._excluded_dirs)

    def escaping_folder_links(self) -> list[tuple[str, str]]:
        """(link, target) of every folder symlink (not excluded) that points outside the repository.

        Nothing under such a link is read, so evidence there would go unchecked: the runner reports each one
        instead of silently skipping it.
        """
        self.files()
        return list(self._escaping_links)

    def undecodable_names(self) -> list[str]:
        """Files and folders (ending in ``/``) whose names are not valid UTF-8, shown with ``\\xNN`` escapes.

        They are not read (their names could not be reported), so the runner reports each one instead.
        """
        self.files()
        return [shown_name(n) for n in self._undecodable]

    def _walked(self) -> frozenset[str]:
        if self._walked_set is None:
            self._walked_set = frozenset(self.files())
        return self._walked_set

    def walked(self) -> frozenset[str]:
        """:meth:`files` as a set (walking first if not yet walked): a file in it :meth:`exists`."""
        self.files()
        return self._walked()

    def glob(self, patterns: Sequence[str]) -> list[str]:
        memo = self.glob_memo
        if memo is not None:
            return memo(patterns)
        # A glob is a pure function of the (walked once, fixed) listing and the patterns; several collectors glob
        # the same list (the registry globs: the model collector, manifests, protected attributes).
        key = tuple(patterns)
        found = self._globbed.get(key)
        if found is None:
            found = self._globbed[key] = glob_filter(self.joined_files(), key)
        return list(found)

    def joined_files(self) -> JoinedPaths:
        """:meth:`files` with their text joined, made once: globbing looks for rare literals in it (safeio/globs)."""
        files = self.files()
        if self._joined is None or self._joined.paths is not files:
            self._joined = JoinedPaths(files)
        return self._joined

    def glob_all(self, pattern_lists: Sequence[Sequence[str]]) -> None:
        """:meth:`glob` each of ``pattern_lists`` now (the results memoized for it), on all cores when the listing
        is large (core/parallel.py): a full run globs a list per artifact kind over every file, 115 ms at 20,000
        files on one core. Each list is translated here first, so a pattern that is refused fails here as it does
        in :meth:`glob`, and the workers inherit the translations."""
        if self.glob_memo is not None:
            return
        from aima_gate.core.parallel import map_in_order
        from aima_gate.safeio.globs import translated

        files = self.joined_files()
        todo = [key for key in dict.fromkeys(map(tuple, pattern_lists)) if key not in self._globbed]
        for key in todo:
            translated(key)
        if len(files.paths) < GLOB_ALL_SPREAD_FILES:
            found = [glob_filter(files, key) for key in todo]
        else:
            found = map_in_order(lambda key: glob_filter(files, key), todo, min_items=2)
        self._globbed.update(zip(todo, found, strict=True))

    def is_empty(self) -> bool:
        return not self.files()

    # --------------------------------------------------------------------------------------------- paths
    def resolve_reference(self, reference: str, *, base_file: str, line: int | None = None) -> str:
        """Turn a reference written inside ``base_file`` (relative to its folder) into a repo-relative path."""
        if not reference or "\0" in reference:
            raise InputError(f"empty or invalid file reference {reference!r}", file=base_file, line=line)
        if reference.startswith("/") or (len(reference) > 1 and reference[1] == ":"):
            raise InputError(f"reference {reference!r} is absolute; write it relative to {base_file}",
                             file=base_file, line=line)
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(base_file), reference))
        if joined == ".." or joined.startswith("../"):
            raise InputError(f"reference {reference!r} leaves the repository", file=base_file, line=line)
        return joined

    def exists(self, rel: str) -> bool:
        # Most references point at files the walk already found; only the others cost a stat.
        return (self._files is not None and rel in self._walked()) or (self.root / rel).is_file()

    def path(self, rel: str, *, referenced_from: tuple[str, int | None] | None = None) -> Path:
        """The checked absolute path of a repo file: inside the repo after symlinks, a regular file."""
        file, line = referenced_from if referenced_from else (rel, None)
        candidate = self.root / rel
        if self._files is not None and rel in self._walked():
            # Found by the walk, which never descends into symlinked folders: only the file itself can be a link.
            try:
                if stat.S_ISREG(os.lstat(candidate).st_mode):
                    return candidate
            except OSError:
                pass
        try:
            resolved = candidate.resolve(strict=True)
        except FileNotFoundError:
            msg = f"referenced file {rel} does not exist" if referenced_from else "file does not exist"
            raise InputError(msg, file=file, line=line) from None
        except (OSError, RuntimeError) as exc:
            raise InputError(f"cannot resolve {rel}: {exc}", file=file, line=line) from None
        if not resolved.is_relative_to(self.root):
            raise InputError(f"{rel} is a symlink that leaves the repository (-> {resolved})", file=file, line=line,
                             hint="aima-gate only reads files inside the repository")
        if not resolved.is_file():
            raise InputError(f"{rel} is not a regular file", file=file, line=line)
        return resolved

    # ------------------------------------------------------------------------------------------- reading
    def read_bytes(self, rel: str, *, max_bytes: int | None = None) -> bytes:
        limit = self.max_bytes if max_bytes is None else max_bytes
        if _FAST_READ and self._files is not None and rel in self._walked():
            data = self._read_walked(rel, limit)
            if data is not None:
                return data
        path = self.path(rel)
        size = path.stat().st_size
        if size > limit:
            raise InputError(f"file is {size:,} bytes, over the {limit:,}-byte limit", file=rel,
                             hint="raise limits.max_file_bytes in .aima-gate.yml if this file is legitimate")
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:  # grew while we read it
            raise InputError(f"file is over the {limit:,}-byte limit", file=rel)
        return data

    def _read_walked(self, rel: str, limit: int) -> bytes | None:
        """The bytes of a file the walk found, in one open and one ``fstat`` (the checked path costs a ``Path``,
        an ``lstat``, a ``stat``, a ``Path.open`` and a buffer the size of the limit per file: 169 ms against 36 ms
        for the 4,000 small files of the 1,000-model benchmark). Only the
        file itself can be a link (the walk never descends into linked folders): ``O_NOFOLLOW`` refuses one, and
        ``O_NONBLOCK`` keeps a FIFO from blocking the open. None when the file is not a plain regular file (a
        link, a FIFO, gone): then :meth:`path` decides, with its exact errors."""
        try:
            fd = os.open(self._root_slash + rel, _READ_FLAGS)
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return None
            if st.st_size > limit:
                raise InputError(f"file is {st.st_size:,} bytes, over the {limit:,}-byte limit", file=rel,
                                 hint="raise limits.max_file_bytes in .aima-gate.yml if this file is legitimate")
            # sized by the file, not the limit (a buffered read(limit + 1) allocates the whole limit every time)
            data = os.read(fd, st.st_size + 1)
            # A read that stops at the size fstat gave has met the end of the file: no second read to find it
            # (one system call per file). Any other length (a file that grew, a short read) reads on as before.
            while len(data) != st.st_size and len(data) <= limit:
                more = os.read(fd, limit + 1 - len(data))
                if not more:
                    break
                data += more
        finally:
            os.close(fd)
        if len(data) > limit:  # grew while we read it
            raise InputError(f"file is over the {limit:,}-byte limit", file=rel)
        return data

    def read_text(self, rel: str, *, max_bytes: int | None = None) -> str:
        return decode_text(self.read_bytes(rel, max_bytes=max_bytes), rel)

    def open_binary(self, rel: str) -> BinaryIO:
        """Open for streaming (digests, signatures, pickle scanning); no size bound, callers stream."""
        return self.path(rel).open("rb")


_FAST_READ = hasattr(os, "O_NOFOLLOW") and hasattr(os, "O_NONBLOCK")
"""Elsewhere (Windows) every read takes the checked path."""
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def _has_surrogate(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def shown_name(name: str) -> str:
    """A file name as printable text: undecodable bytes (surrogate-escaped by the OS layer) become ``\\xNN``."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
