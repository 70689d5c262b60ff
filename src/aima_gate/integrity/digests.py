"""SHA-256 digests computed by streaming (1 MiB chunks, never a whole file in memory) and SHA256SUMS parsing."""

from __future__ import annotations

import hashlib
import posixpath
import re
import weakref

from aima_gate.core.errors import ArtifactError
from aima_gate.safeio.repo import Repo

CHUNK = 1 << 20
MANIFEST_NAMES = ("SHA256SUMS", "SHA256SUMS.txt", "sha256sums.txt", "sha256sums")
_GNU = re.compile(r"^(?P<hex>[0-9a-fA-F]{64}) [ *](?P<path>.+)$")
_BSD = re.compile(r"^SHA256 ?\((?P<path>.+)\) ?= ?(?P<hex>[0-9a-fA-F]{64})$")
HEX64 = re.compile(r"^(?:sha256:)?([0-9a-fA-F]{64})$")

_CACHE: weakref.WeakKeyDictionary[Repo, dict[str, str]] = weakref.WeakKeyDictionary()


def sha256_file(repo: Repo, rel: str) -> str:
    """Hex SHA-256 of a repo file, streamed; cached for the run (one Repo object)."""
    cache = _CACHE.setdefault(repo, {})
    if rel not in cache:
        h = hashlib.sha256()
        with repo.open_binary(rel) as fh:
            for chunk in iter(lambda: fh.read(CHUNK), b""):
                h.update(chunk)
        cache[rel] = h.hexdigest()
    return cache[rel]


def parse_sums(repo: Repo, text: str, file: str) -> list[tuple[str, str, int]]:
    """``(expected hex, repo-relative path, line)`` per entry of a ``sha256sum``-style manifest.

    Accepts GNU (``<hex>  <path>``, ``<hex> *<path>``) and BSD (``SHA256 (<path>) = <hex>``) lines; blank lines
    and ``#`` comments are skipped. Paths are relative to the manifest's folder. Anything else is an error.
    """
    out: list[tuple[str, str, int]] = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _GNU.match(line) or _BSD.match(line)
        if m is None:
            raise ArtifactError(f"not a SHA-256 manifest line: {line[:80]!r}", file=file, line=n,
                                hint="write `<64 hex digits>  <path>` per line, as sha256sum does")
        rel_in = m.group("path")
        if rel_in.startswith("./"):
            rel_in = rel_in[2:]
        path = repo.resolve_reference(rel_in, base_file=file, line=n)
        if path in seen:
            raise ArtifactError(f"{rel_in} is listed twice (first on line {seen[path]})", file=file, line=n)
        seen[path] = n
        out.append((m.group("hex").lower(), path, n))
    if not out:
        raise ArtifactError("the manifest lists no files", file=file, line=1)
    return out


def is_manifest_name(rel: str) -> bool:
    return posixpath.basename(rel) in MANIFEST_NAMES
