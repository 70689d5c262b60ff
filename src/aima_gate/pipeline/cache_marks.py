"""Schema marks: which policy files and configs, byte for byte, already passed their schema under this code.

Loading the policy set validates every policy file (71 for the built-in pack) against ``policy.schema.json`` and
the config against ``config.schema.json``; compiling those two validators is most of what loading costs, on
every run, for files that rarely change. A *mark* is the SHA-256 of (the gate's code fingerprint, the schema's
name, the document's exact bytes), noted only after the document passed. A run that finds a document's mark
skips its schema check and compiles everything else as before (``compile_policy(schema_checked=True)``); a
document that fails is never marked, so its errors are found and reported as without marks.

The marks live in the artifact cache's folder (``--no-cache`` reads and writes none; a folder inside the checked
repository is never used) in one file, ``schema-marks``, authenticated like a pack with the folder's key
(HMAC-SHA256 over the whole file) and opened without following links: a damaged, truncated, foreign or forged
file is no marks at all, so every document is validated. The code fingerprint covers the schemas and the
validator, so a new version of either marks nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from aima_gate.pipeline.cache import code_fingerprint
from aima_gate.pipeline.cache_files import _private, inside, mac, open_folder

MAGIC = b"aima-gate schema marks 1\n"
NAME = "schema-marks"
MAX_MARKS = 4096
"""Kept at most (newest last): a policy set and a config per repository and version, with room to spare."""
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class SchemaMarks:
    """The :class:`aima_gate.config.repo_config.SchemaMemo` of a run with the cache on."""

    def __init__(self, top: int, key: bytes) -> None:
        self._top = top
        self._key = key
        self._fingerprint = code_fingerprint().encode()
        self._marks: list[str] = self._load()
        self._known = frozenset(self._marks)
        self._new: list[str] = []

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

    def _load(self) -> list[str]:
        try:
            fd = os.open(NAME, os.O_RDONLY | _NOFOLLOW, dir_fd=self._top)
        except OSError:
            return []  # none yet, or a link (never followed)
        try:
            with os.fdopen(fd, "rb") as fh:
                data = fh.read(MAX_MARKS * 80 + 4096) if _private(fh.fileno()) else b""
            body, mac = data[:-32], data[-32:]
            if not body.startswith(MAGIC) or not hmac.compare_digest(self._mac(body), mac):
                return []
            marks = json.loads(body[len(MAGIC):].decode("utf-8"))
        except (OSError, ValueError):
            return []
        if type(marks) is not list or not all(type(m) is str for m in marks):
            return []
        return marks

    def _mark(self, schema: str, data: bytes) -> str:
        return hashlib.sha256(b"\0".join([self._fingerprint, schema.encode(), data])).hexdigest()

    def holds(self, schema: str, data: bytes) -> bool:
        """Whether exactly these bytes passed ``schema`` under this code before."""
        return self._mark(schema, data) in self._known

    def note(self, schema: str, data: bytes) -> None:
        """These bytes passed ``schema`` in this run."""
        mark = self._mark(schema, data)
        if mark not in self._known and mark not in self._new:
            self._new.append(mark)

    def save(self) -> None:
        """Write the marks if this run added any (atomically: a fresh file renamed into place); close the folder."""
        try:
            if self._new:
                self._write([*self._marks, *self._new][-MAX_MARKS:])
        finally:
            os.close(self._top)

    def _write(self, marks: list[str]) -> None:
        body = MAGIC + json.dumps(marks, separators=(",", ":")).encode()
        tmp = f".marks-{os.getpid()}-{secrets.token_hex(8)}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600, dir_fd=self._top)
            with os.fdopen(fd, "wb") as fh:
                fh.write(body + self._mac(body))
            os.replace(tmp, NAME, src_dir_fd=self._top, dst_dir_fd=self._top)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=self._top)


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
