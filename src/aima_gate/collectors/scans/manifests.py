"""Declared dependencies: what the repository's requirement and lock files say should be scanned.

Read: ``requirements*.txt`` (pins ``==``; ``-r`` includes inside the repository are followed), ``poetry.lock``,
``uv.lock``, ``Pipfile.lock``. Globs: ``artifacts.dependency_scan.requirements`` (default
:data:`DEFAULT_REQUIREMENTS`). A package is *development* only when every declaration of it is development by the
config or by the lock file's own metadata (``dev_scope.py``: a file name never decides); otherwise, and when it is
not declared at all, it is *runtime*. A ``-r`` include keeps the including file's development classification only
when the included file is itself declared development.

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
from aima_gate.collectors.scans.dev_scope import (
    DevDeclaration,
    poetry_project_reasons,
    poetry_reason,
    uv_dev_reasons,
)
from aima_gate.core.errors import InputError
from aima_gate.safeio.globs import glob_filter
from aima_gate.safeio.repo import Repo

DEFAULT_REQUIREMENTS = ("requirements*.txt", "requirements/*.txt", "poetry.lock", "uv.lock", "Pipfile.lock")
NOT_DECLARED = "not declared in any requirement or lock file the gate reads (an undeclared dependency is runtime)"


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
    dev_reasons: dict[str, tuple[str, int, str]] = field(default_factory=dict)
    """Development package -> (file, line, why) of its first development declaration (config or lock metadata)."""

    def scope(self, package: str) -> str:
        return "development" if package in self.development and package not in self.runtime else "runtime"

    def scope_source(self, package: str) -> dict[str, Any]:
        """Where the scope comes from: the declaration that makes it runtime or development (report evidence)."""
        if self.scope(package) == "development":
            file, line, why = self.dev_reasons[package]
            return {"scope": "development", "file": file, "line": line, "reason": why}
        if package in self.runtime:
            file, line = self.where[package]
            return {"scope": "runtime", "file": file, "line": line,
                    "reason": "declared in a requirement or lock file that no declaration makes development-only"}
        return {"scope": "runtime", "file": None, "line": None, "reason": NOT_DECLARED}


Entry = tuple[str, str | None, str, int, str | None, str | None]
"""(canonical name, pinned version, file, line, why it is development (None: runtime), environment marker)."""

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


def read_declared(repo: Repo, patterns: list[str] | tuple[str, ...],
                  development: DevDeclaration | None = None) -> Declared:
    out = Declared()
    declaration = development or DevDeclaration()
    files = repo.glob(list(patterns))
    unconditional: set[str] = set()
    for file in sorted(files, key=lambda f: (_declared_dev(declaration, f), f)):
        out.files.append(file)
        file_reason = declaration.file_reason(file) if _declared_dev(declaration, file) else None
        for name, version, where, line, dev, marker in _entries(repo, file, set(), declaration, file_reason):
            target = out.development if dev else out.runtime
            if name not in out.where or (not dev and name not in out.runtime):
                out.where[name] = (where, line)  # the first runtime declaration, else the first one
            target.setdefault(name, version)
            if dev:
                out.dev_reasons.setdefault(name, (where, line, dev))
            else:
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


def _declared_dev(declaration: DevDeclaration, file: str) -> bool:
    return bool(declaration.files) and bool(glob_filter([file], declaration.files))


def _entries(repo: Repo, file: str, seen: set[str], declaration: DevDeclaration,
             file_reason: str | None) -> list[Entry]:
    """Entries of one file; ``file_reason`` (the config declares the file development-only) covers them all."""
    if file in seen:
        return []
    seen.add(file)
    base = posixpath.basename(file)
    if base.endswith(".lock") and base != "Pipfile.lock":
        out = _toml_lock(repo, file, declaration)
    elif base == "Pipfile.lock":
        out = _pipfile_lock(repo, file)
    else:
        return _requirements(repo, file, seen, declaration, file_reason)
    return [(n, v, f, line, file_reason or dev, m) for n, v, f, line, dev, m in out]


def _requirements(repo: Repo, file: str, seen: set[str], declaration: DevDeclaration,
                  file_reason: str | None) -> list[Entry]:
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
            # an included file is development only when it is declared so too (pip installs it either way)
            reason = declaration.file_reason(target) if file_reason and _declared_dev(declaration, target) else None
            out.extend(_entries(repo, target, seen, declaration, reason) if text.startswith(("-r", "--req")) else [])
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
        out.append((canonical(req.name), pins[0] if pins else None, file, start, file_reason, marker))
    return out


def _toml_lock(repo: Repo, file: str, declaration: DevDeclaration) -> list[Entry]:
    text = repo.read_text(file)
    doc = _toml(text, file)
    lines = {m.group(1): text.count("\n", 0, m.start()) + 1
             for m in re.finditer(r'^name\s*=\s*"([^"]+)"', text, re.M)}
    out = []
    packages = [p for p in doc.get("package") or [] if isinstance(p, dict) and isinstance(p.get("name"), str)]
    edges = _uv_edge_markers(packages)
    uv_dev = uv_dev_reasons(doc, packages, file, {canonical(k): v for k, v in lines.items()}, declaration)
    project_dev = _poetry_project(repo, file, packages, declaration)
    for pkg in packages:
        source: dict[str, Any] = pkg["source"] if isinstance(pkg.get("source"), dict) else {}
        if "editable" in source or "virtual" in source:
            continue  # the project itself (uv.lock)
        version = pkg.get("version") if isinstance(pkg.get("version"), str) else None
        name = canonical(pkg["name"])
        dev = (poetry_reason(pkg, declaration) or project_dev.get(name)
               or (uv_dev[name][1] if name in uv_dev else None))
        out.append((name, version, file, lines.get(pkg["name"], 1), dev, _lock_marker(pkg, edges.get(name))))
    return out


def _toml(text: str, file: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    try:
        doc: dict[str, Any] = tomllib.loads(text)
        return doc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML: {exc}", file=file) from None


def _poetry_project(repo: Repo, file: str, packages: list[dict[str, Any]],
                    declaration: DevDeclaration) -> dict[str, str]:
    """A poetry.lock that records no category or groups: the groups of the pyproject.toml beside it."""
    if posixpath.basename(file) != "poetry.lock" or any("category" in p or "groups" in p for p in packages):
        return {}
    pyproject = posixpath.join(posixpath.dirname(file), "pyproject.toml")
    if not repo.exists(pyproject):
        return {}
    return poetry_project_reasons(_toml(repo.read_text(pyproject), pyproject), pyproject, packages, declaration)


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
    for section, dev in (("default", None), ("develop", "Pipfile.lock develop (Pipenv dev-packages)")):
        entries = doc.get(section) if isinstance(doc, dict) else None
        for name, info in (entries or {}).items():
            pin = info.get("version", "") if isinstance(info, dict) else ""
            version = pin[2:] if isinstance(pin, str) and pin.startswith("==") else None
            marker = info.get("markers") if isinstance(info, dict) and isinstance(info.get("markers"), str) else None
            out.append((canonical(name), version, file, lines.line_of(f"/{section}/{name}") or 1, dev, marker))
    return out
