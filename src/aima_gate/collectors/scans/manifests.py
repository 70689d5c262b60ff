"""Declared dependencies: what the repository's requirement and lock files say should be scanned.

Read: ``requirements*.txt`` (pins ``==``; ``-r`` includes inside the repository are followed), ``poetry.lock``,
``uv.lock``, ``Pipfile.lock``. A file whose name says dev/test/lint/docs (or Pipfile.lock's ``develop``, poetry's
non-main groups) declares *development* dependencies; a package declared only there is a development dependency.
Globs: ``artifacts.dependency_scan.requirements`` (default :data:`DEFAULT_REQUIREMENTS`).

Environment markers (``pywin32==306; sys_platform == "win32"``, uv.lock dependency ``marker``, poetry.lock and
Pipfile.lock ``markers``) make a package *conditional*: it is installed, and so scanned, only on the platforms
the marker names. One scan runs on one platform, so a conditional package is not demanded by coverage
(``conditional``); a package declared anywhere without a marker is unconditional. uv.lock forks
(``resolution-markers``: one package at two versions for two environments) keep every locked version.
Requirement files are decoded as pip decodes them: UTF-8, or UTF-16/UTF-32 when the file starts with that BOM
(what PowerShell's ``pip freeze > requirements.txt`` writes).
"""

from __future__ import annotations

import posixpath
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from aima_gate.collectors.scans import canonical
from aima_gate.core.errors import InputError
from aima_gate.safeio.repo import Repo

DEFAULT_REQUIREMENTS = ("requirements*.txt", "requirements/*.txt", "poetry.lock", "uv.lock", "Pipfile.lock")
_DEV_NAME = re.compile(r"(^|[-_./])(dev|devel|develop|test|tests|testing|lint|docs?|ci)([-_.]|$)", re.I)


@dataclass
class Declared:
    files: list[str] = field(default_factory=list)
    runtime: dict[str, str | None] = field(default_factory=dict)
    """Canonical name -> pinned version (None when not pinned), from runtime files."""
    development: dict[str, str | None] = field(default_factory=dict)
    where: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Canonical name -> (file, line) where it is first declared (runtime files first)."""
    by_file: dict[str, set[str]] = field(default_factory=dict)
    """Runtime file -> canonical names it declares (coverage by scanned manifest, e.g. osv-scanner)."""
    conditional: dict[str, str] = field(default_factory=dict)
    """Runtime packages declared only under an environment marker -> the marker."""
    versions: dict[str, set[str]] = field(default_factory=dict)
    """Runtime package -> every pinned version (a uv.lock fork locks one per environment)."""

    def scope(self, package: str) -> str:
        return "development" if package in self.development and package not in self.runtime else "runtime"


Entry = tuple[str, str | None, str, int, bool, str | None]
"""(canonical name, pinned version, file, line, development, environment marker or None)."""

_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
         (b"\xfe\xff", "utf-16"))


def requirements_text(repo: Repo, file: str) -> str:
    """A requirements file as pip reads it: a UTF-16/32 BOM selects that encoding, else strict UTF-8."""
    raw = repo.read_bytes(file)
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(f"not valid {codec.upper()} after its byte-order mark: {exc.reason}",
                                 file=file) from None
    return repo.read_text(file)


def read_declared(repo: Repo, patterns: list[str] | tuple[str, ...]) -> Declared:
    out = Declared()
    files = repo.glob(list(patterns))
    unconditional: set[str] = set()
    for file in sorted(files, key=lambda f: (bool(_DEV_NAME.search(posixpath.basename(f))), f)):
        out.files.append(file)
        dev_file = bool(_DEV_NAME.search(posixpath.basename(file)))
        for name, version, where, line, dev, marker in _entries(repo, file, set()):
            target = out.development if (dev or dev_file) else out.runtime
            target.setdefault(name, version)
            out.where.setdefault(name, (where, line))
            if target is out.runtime:
                out.by_file.setdefault(file, set()).add(name)
                if version:
                    out.versions.setdefault(name, set()).add(version)
                if marker is None:
                    unconditional.add(name)
                else:
                    out.conditional.setdefault(name, marker)
    for name in unconditional:
        out.conditional.pop(name, None)
    return out


def _entries(repo: Repo, file: str, seen: set[str]) -> list[Entry]:
    if file in seen:
        return []
    seen.add(file)
    base = posixpath.basename(file)
    if base.endswith(".lock") and base != "Pipfile.lock":
        return _toml_lock(repo, file)
    if base == "Pipfile.lock":
        return _pipfile_lock(repo, file)
    return _requirements(repo, file, seen)


def _requirements(repo: Repo, file: str, seen: set[str]) -> list[Entry]:
    from packaging.requirements import InvalidRequirement, Requirement

    out: list[Entry] = []
    logical = ""
    start = 0
    for number, raw in enumerate(requirements_text(repo, file).splitlines(), 1):
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not logical:
            start = number
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        logical, text = "", (logical + line).strip()
        if not text:
            continue
        if text.startswith(("-r ", "--requirement ", "-c ", "--constraint ")):
            ref = text.split(None, 1)[1].strip()
            target = repo.resolve_reference(ref, base_file=file, line=start)
            if not repo.exists(target):
                raise InputError(f"{text} names {target}, which does not exist", file=file, line=start)
            out.extend(_entries(repo, target, seen) if text.startswith(("-r", "--req")) else [])
            continue
        if text.startswith("-"):
            continue  # --index-url, -e (editable local projects are not from an index), --hash lines
        text = re.split(r"\s--hash[=\s]", text)[0].strip()
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            raise InputError(f"invalid requirement {text!r}: {exc}", file=file, line=start) from None
        pins = [s.version for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
        marker = str(req.marker) if req.marker is not None else None
        out.append((canonical(req.name), pins[0] if pins else None, file, start, False, marker))
    return out


def _toml_lock(repo: Repo, file: str) -> list[Entry]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    text = repo.read_text(file)
    try:
        doc: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML: {exc}", file=file) from None
    lines = {m.group(1): text.count("\n", 0, m.start()) + 1
             for m in re.finditer(r'^name\s*=\s*"([^"]+)"', text, re.M)}
    out = []
    packages = [p for p in doc.get("package") or [] if isinstance(p, dict) and isinstance(p.get("name"), str)]
    edges = _uv_edge_markers(packages)
    for pkg in packages:
        source: dict[str, Any] = pkg["source"] if isinstance(pkg.get("source"), dict) else {}
        if "editable" in source or "virtual" in source:
            continue  # the project itself (uv.lock)
        groups = pkg.get("groups")
        dev = pkg.get("category") == "dev" or (isinstance(groups, list) and "main" not in groups and bool(groups))
        version = pkg.get("version") if isinstance(pkg.get("version"), str) else None
        name = canonical(pkg["name"])
        out.append((name, version, file, lines.get(pkg["name"], 1), dev, _lock_marker(pkg, edges.get(name))))
    return out


def _lock_marker(pkg: dict[str, Any], edge: str | None) -> str | None:
    """poetry.lock ``markers`` (a string, or per group since poetry 1.5), else the marker on every uv.lock
    dependency edge that pulls the package in. (uv.lock ``resolution-markers`` only say which of a package's
    locked versions applies where; one of them is always installed, so they do not make it conditional.)"""
    markers = pkg.get("markers")
    if isinstance(markers, dict):
        markers = " or ".join(f"({m})" for m in markers.values() if isinstance(m, str)) or None
    if isinstance(markers, str) and markers.strip():
        return markers.strip()
    return edge


def _uv_edge_markers(packages: list[dict[str, Any]]) -> dict[str, str]:
    """uv.lock: a package is conditional when every ``dependencies`` entry naming it carries a ``marker``."""
    markers: dict[str, list[str]] = {}
    unconditional: set[str] = set()
    for pkg in packages:
        for section in ("dependencies", "dev-dependencies", "optional-dependencies"):
            deps = pkg.get(section)
            items = [d for group in deps.values() for d in group] if isinstance(deps, dict) else deps
            for dep in items if isinstance(items, list) else []:
                if not isinstance(dep, dict) or not isinstance(dep.get("name"), str):
                    continue
                name = canonical(dep["name"])
                if isinstance(dep.get("marker"), str) and dep["marker"].strip():
                    markers.setdefault(name, []).append(dep["marker"].strip())
                else:
                    unconditional.add(name)
    return {n: " or ".join(dict.fromkeys(m)) for n, m in markers.items() if n not in unconditional}


def _pipfile_lock(repo: Repo, file: str) -> list[Entry]:
    from aima_gate.safeio.loaders import load_json

    doc, lines = load_json(repo.read_text(file), file)
    out = []
    for section, dev in (("default", False), ("develop", True)):
        entries = doc.get(section) if isinstance(doc, dict) else None
        for name, info in (entries or {}).items():
            pin = info.get("version", "") if isinstance(info, dict) else ""
            version = pin[2:] if isinstance(pin, str) and pin.startswith("==") else None
            marker = info.get("markers") if isinstance(info, dict) and isinstance(info.get("markers"), str) else None
            out.append((canonical(name), version, file, lines.line_of(f"/{section}/{name}") or 1, dev, marker))
    return out
