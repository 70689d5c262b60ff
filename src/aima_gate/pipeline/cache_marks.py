"""Schema marks: which policy files and configs, byte for byte, already passed their schema under this code.

Loading the policy set parses every policy file (71 for the built-in pack) and validates it against
``policy.schema.json``, and the config against ``config.schema.json``; compiling those two validators and parsing
the YAML are most of what loading costs, on every run, for files that rarely change. A *mark* is the SHA-256 of
(the gate's code fingerprint, the schema's name, the document's exact bytes), noted only after the document
passed, with the document and line table the bytes parsed to (when they survive JSON exactly). A run that finds
a document's mark skips its schema check (``compile_policy(schema_checked=True)``) and, for a policy file, its
YAML parse; everything else is compiled as before. A document that fails is never marked, so its errors are
found and reported as without marks.

The marks live in the artifact cache's folder (``--no-cache`` reads and writes none; a folder inside the checked
repository is never used), one file per version of the code, ``schema-marks-<code fingerprint>``, authenticated
like a pack with the folder's key (HMAC-SHA256 over the whole file) and opened without following links: a
damaged, truncated, foreign or forged file is no marks at all, so every document is validated. The code
fingerprint covers the schemas and the validator, so a new version of either marks nothing; its own file means a
run reads only the marks it can use (one file for every version made each run parse them all: 2.5 MB after a
dozen versions), and two versions sharing the folder never overwrite each other's. Another version's file (or the
single file of versions before this rule) that no run wrote for ``PRUNE_AFTER_DAYS`` is removed when marks are
written.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aima_gate.core.model import LineIndex
from aima_gate.pipeline.cache_codec import Uncacheable, exact_json, line_table
from aima_gate.pipeline.cache_files import PRUNE_AFTER_DAYS, _private, filesystem_now_ns, inside, mac, open_folder
from aima_gate.pipeline.cache_identity import code_fingerprint

MAGIC = b"aima-gate schema marks 2\n"
NAME = "schema-marks"
"""The prefix of every marks file's name (and the whole name of the one file of versions before per-version files).
"""
MAX_MARKS = 4096
"""Kept at most (newest last): a policy set and a config per repository and version, with room to spare."""
MAX_BYTES = 16 * 1024 * 1024
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class SchemaMarks:
    """The :class:`aima_gate.config.repo_config.SchemaMemo` of a run with the cache on."""

    def __init__(self, top: int, key: bytes) -> None:
        self._top = top
        self._key = key
        fingerprint = code_fingerprint()
        self._fingerprint = fingerprint.encode()
        self.name = marks_name(fingerprint)
        self._marks: dict[str, Any] = self._load()
        self._new: dict[str, Any] = {}

    @classmethod
    def open(cls, folder: Path | None, root: Path) -> SchemaMarks | None:
        """The marks in the cache folder; None when the cache is off or the folder cannot be used (inside the
        repository: never read; :meth:`ArtifactCache.open` refuses it with an error later in the run)."""
        if folder is None or inside(folder, root.resolve()):
            return None
        opened = open_folder(folder)
        return None if opened is None else cls(*opened)

    def _mac(self, body: bytes) -> bytes:
        return mac(self._key, body)

    def _load(self) -> dict[str, Any]:
        try:
            fd = os.open(self.name, os.O_RDONLY | _NOFOLLOW, dir_fd=self._top)
        except OSError:
            return {}  # none yet, or a link (never followed)
        try:
            with os.fdopen(fd, "rb") as fh:
                data = fh.read(MAX_BYTES + 1) if _private(fh.fileno()) else b""
            body, tag = data[:-32], data[-32:]
            if not body.startswith(MAGIC) or not hmac.compare_digest(self._mac(body), tag):
                return {}
            marks = json.loads(body[len(MAGIC):].decode("utf-8"))
        except (OSError, ValueError):
            return {}
        return marks if type(marks) is dict else {}

    def _mark(self, schema: str, data: bytes) -> str:
        return hashlib.sha256(b"\0".join([self._fingerprint, schema.encode(), data])).hexdigest()

    def holds(self, schema: str, data: bytes) -> bool:
        """Whether exactly these bytes passed ``schema`` under this code before."""
        return self._mark(schema, data) in self._marks

    def parsed(self, schema: str, data: bytes) -> tuple[Any, LineIndex] | None:
        """The document these bytes parsed to when they passed ``schema``, and its line index (None: not marked,
        or marked without them). Parsing the same bytes with the same code gives the same document."""
        got = self._marks.get(self._mark(schema, data))
        if type(got) is not list or len(got) != 2 or type(got[1]) is not dict:
            return None
        return got[0], LineIndex(got[1])

    def note(self, schema: str, data: bytes, parsed: tuple[Any, LineIndex] | None = None) -> None:
        """These bytes passed ``schema`` in this run; with ``parsed``, the document and line index they parsed to
        (kept when they survive JSON exactly: call before anything could change the document)."""
        mark = self._mark(schema, data)
        if mark in self._marks or mark in self._new:
            return
        kept = None
        if parsed is not None:
            try:
                prefix, table = line_table(parsed[1])
                kept = None if prefix else json.loads(exact_json([parsed[0], table]))
            except Uncacheable:
                kept = None
        self._new[mark] = kept

    def save(self) -> None:
        """Write the marks if this run added any (atomically: a fresh file renamed into place); close the folder."""
        try:
            if self._new:
                marks = {**self._marks, **self._new}
                self._write(dict(list(marks.items())[-MAX_MARKS:]))
        finally:
            os.close(self._top)

    def _write(self, marks: dict[str, Any]) -> None:
        body = MAGIC + json.dumps(marks, ensure_ascii=False, separators=(",", ":")).encode()
        if len(body) > MAX_BYTES:
            return  # over the limit: not written (then read as no marks)
        tmp = f".marks-{os.getpid()}-{os.urandom(8).hex()}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600, dir_fd=self._top)
            with os.fdopen(fd, "wb") as fh:
                fh.write(body + self._mac(body))
            os.replace(tmp, self.name, src_dir_fd=self._top, dst_dir_fd=self._top)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=self._top)
        self._prune()

    def _prune(self) -> None:
        """Remove the marks files of other versions that no run wrote for ``PRUNE_AFTER_DAYS`` (on the folder's own
        clock: :func:`~aima_gate.pipeline.cache_files.filesystem_now_ns`)."""
        limit = filesystem_now_ns(self._top) / 1e9 - PRUNE_AFTER_DAYS * 86400
        for name in os.listdir(self._top):  # noqa: PTH208 (a folder opened as a descriptor, never by its path)
            if name.startswith(NAME) and name != self.name:
                with contextlib.suppress(OSError):
                    if os.stat(name, dir_fd=self._top, follow_symlinks=False).st_mtime < limit:
                        os.unlink(name, dir_fd=self._top)


def marks_name(fingerprint: str) -> str:
    """The marks file of the code with this fingerprint (:func:`.cache_identity.code_fingerprint`)."""
    return f"{NAME}-{fingerprint[:40]}"


@contextlib.contextmanager
def schema_marks(folder: Path | None, root: Path) -> Iterator[SchemaMarks | None]:
    """The run's schema marks (None: cache off or unusable), saved when the block ends, even by an error (what
    passed before the error stays marked)."""
    marks = SchemaMarks.open(folder, root)
    try:
        yield marks
    finally:
        if marks is not None:
            marks.save()
