"""Declared dependencies: what the repository's requirement and lock files say should be scanned.

Read: ``requirements*.txt`` (pins ``==``; ``-r`` includes inside the repository are followed), ``poetry.lock``,
``uv.lock``, ``Pipfile.lock``. A file whose name says dev/test/lint/docs (or Pipfile.lock's ``develop``, poetry's
non-main groups) declares *development* dependencies; a package declared only there is a development dependency.
Globs: ``artifacts.dependency_scan.requirements`` (default :data:`DEFAULT_REQUIREMENTS`).
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

    def scope(self, package: str) -> str:
        return "development" if package in self.development and package not in self.runtime else "runtime"


Entry = tuple[str, str | None, str, int, bool]
"""(canonical name, pinned version, file, line, development)."""


def read_declared(repo: Repo, patterns: list[str] | tuple[str, ...]) -> Declared:
    out = Declared()
    files = repo.glob(list(patterns))
    for file in sorted(files, key=lambda f: (bool(_DEV_NAME.search(posixpath.basename(f))), f)):
        out.files.append(file)
        dev_file = bool(_DEV_NAME.search(posixpath.basename(file)))
        for name, version, where, line, dev in _entries(repo, file, set()):
            target = out.development if (dev or dev_file) else out.runtime
            target.setdefault(name, version)
            out.where.setdefault(name, (where, line))
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
    for number, raw in enumerate(repo.read_text(file).splitlines(), 1):
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
        text = re.split(r"\s--hash[=\s]", text)[0].split(";")[0].strip()
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            raise InputError(f"invalid requirement {text!r}: {exc}", file=file, line=start) from None
        pins = [s.version for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
        out.append((canonical(req.name), pins[0] if pins else None, file, start, False))
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
    for pkg in doc.get("package") or []:
        if not isinstance(pkg, dict) or not isinstance(pkg.get("name"), str):
            continue
        source: dict[str, Any] = pkg["source"] if isinstance(pkg.get("source"), dict) else {}
        if "editable" in source or "virtual" in source:
            continue  # the project itself (uv.lock)
        groups = pkg.get("groups")
        dev = pkg.get("category") == "dev" or (isinstance(groups, list) and "main" not in groups and bool(groups))
        version = pkg.get("version") if isinstance(pkg.get("version"), str) else None
        out.append((canonical(pkg["name"]), version, file, lines.get(pkg["name"], 1), dev))
    return out


def _pipfile_lock(repo: Repo, file: str) -> list[Entry]:
    from aima_gate.safeio.loaders import load_json

    doc, lines = load_json(repo.read_text(file), file)
    out = []
    for section, dev in (("default", False), ("develop", True)):
        entries = doc.get(section) if isinstance(doc, dict) else None
        for name, info in (entries or {}).items():
            pin = info.get("version", "") if isinstance(info, dict) else ""
            version = pin[2:] if isinstance(pin, str) and pin.startswith("==") else None
            out.append((canonical(name), version, file, lines.line_of(f"/{section}/{name}") or 1, dev))
    return out
