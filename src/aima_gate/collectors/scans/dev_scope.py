"""Runtime or development: who says a declared dependency is never installed where the model runs.

A file name never does (``requirements-ci.txt`` is installed by ``pip install -r`` like any other file). A
dependency is *development* only when one of these declares it so, and every dependency is *runtime* otherwise:

- the config: ``artifacts.dependency_scan.development.files`` (globs of requirement files that are installed
  only for development) and ``.groups`` (uv.lock extras or poetry.lock groups the team declares development);
- the lock file's own metadata: Pipfile.lock ``develop``, poetry.lock ``category = "dev"`` (Poetry 1.x) or
  ``groups`` without ``main`` (Poetry's non-main groups are development by definition); for a poetry.lock that
  records no groups, the ``pyproject.toml`` beside it (``[tool.poetry.group.<name>]``) through the lock's
  dependency graph; uv.lock packages reachable only from a project's ``dev-dependencies`` (PEP 735 dependency
  groups, never part of the package).

Each development classification carries its reason (:data:`Reason`), which reports show as evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aima_gate.collectors.scans import canonical

CONFIG_SETTING = "artifacts.dependency_scan.development"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class DevDeclaration:
    """What the config declares development-only (``artifacts.dependency_scan.development``)."""

    files: tuple[str, ...] = ()
    groups: frozenset[str] = frozenset()

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> DevDeclaration:
        section = options.get("development") if isinstance(options, Mapping) else None
        if not isinstance(section, Mapping):
            return cls()
        files = tuple(str(f) for f in section.get("files") or ())
        groups = frozenset(str(g).strip().lower() for g in section.get("groups") or ())
        return cls(files, groups)

    def file_reason(self, pattern_file: str) -> str:
        return f"the config declares {pattern_file} development-only ({CONFIG_SETTING}.files)"

    def group_reason(self, groups: Iterable[str]) -> str:
        return f"the config declares group(s) {', '.join(sorted(groups))} development-only ({CONFIG_SETTING}.groups)"


def poetry_reason(pkg: Mapping[str, Any], declaration: DevDeclaration) -> str | None:
    """Why a poetry.lock package is development (None: runtime)."""
    if pkg.get("category") == "dev":
        return 'poetry.lock category = "dev" (Poetry dev-dependencies)'
    groups = pkg.get("groups")
    if not isinstance(groups, list) or not groups or not all(isinstance(g, str) for g in groups):
        return None
    names = {g.strip().lower() for g in groups}
    if "main" not in names:
        return f"poetry.lock groups {sorted(names)} (Poetry's non-main groups are development)"
    if names <= declaration.groups:
        return declaration.group_reason(names)
    return None


def _edges(pkg: Mapping[str, Any], section: str) -> dict[str, list[str]]:
    """Group name -> dependency names of a uv.lock ``[package.<section>]`` table (``dependencies``: one group)."""
    deps = pkg.get(section)
    if section == "dependencies":
        deps = {"": deps}
    out: dict[str, list[str]] = {}
    if not isinstance(deps, Mapping):
        return out
    for group, items in deps.items():
        if isinstance(items, list):
            out[str(group)] = [canonical(d["name"]) for d in items
                               if isinstance(d, Mapping) and isinstance(d.get("name"), str)]
    return out


def uv_dev_reasons(doc: Mapping[str, Any], packages: list[dict[str, Any]], file: str,
                   lines: Mapping[str, int], declaration: DevDeclaration) -> dict[str, tuple[int, str]]:
    """uv.lock: canonical name -> (line, reason) for the packages only a development group pulls in.

    Roots are the project's own packages (``editable``/``virtual`` sources) and the ``[manifest]`` of a
    non-project workspace. Runtime: what their ``dependencies`` and extras (``optional-dependencies``, unless the
    config declares the extra development) reach, following every dependency and every extra of what is reached
    (more than any one install needs, so never less runtime than there is). Development: what only their
    ``dev-dependencies`` groups (or declared extras) reach. Without a root, everything is runtime."""
    graph: dict[str, set[str]] = {}
    runtime_start: set[str] = set()
    dev_start: dict[str, tuple[str, str, str]] = {}  # name -> (group, root, why)
    roots_found = False
    for pkg in packages:
        name = canonical(pkg["name"])
        reach = graph.setdefault(name, set())
        source = pkg.get("source")
        if isinstance(source, Mapping) and ("editable" in source or "virtual" in source):
            roots_found = True
            runtime_start.add(name)
            reach.update(_starts(pkg, name, declaration, dev_start))
            continue
        for section in ("dependencies", "optional-dependencies"):
            for deps in _edges(pkg, section).values():
                reach.update(deps)
    manifest = doc.get("manifest")
    if isinstance(manifest, Mapping):
        roots_found = True
        runtime_start.update(canonical(r["name"]) for r in manifest.get("requirements") or []
                             if isinstance(r, Mapping) and isinstance(r.get("name"), str))
        groups = manifest.get("dependency-groups")
        for group, items in (groups.items() if isinstance(groups, Mapping) else ()):
            for item in items if isinstance(items, list) else []:
                if isinstance(item, Mapping) and isinstance(item.get("name"), str):
                    dev_start.setdefault(canonical(item["name"]), (str(group), "[manifest]", "dependency group"))
    if not roots_found:
        return {}
    runtime = _closure(graph, runtime_start)
    out: dict[str, tuple[int, str]] = {}
    for start, (group, root, why) in sorted(dev_start.items()):
        for name in sorted(_closure(graph, {start}) - runtime):
            reason = (declaration.group_reason([group]) + f" ({file}: extra {group!r} of {root})"
                      if why == "extra" else f"{file}: only in {why} {group!r} of {root} (dev-dependencies)")
            out.setdefault(name, (lines.get(name, 1), reason))
    return out


def _starts(pkg: Mapping[str, Any], root: str, declaration: DevDeclaration,
            dev_start: dict[str, tuple[str, str, str]]) -> set[str]:
    """A project's runtime edges (dependencies and undeclared extras); records its development starts."""
    runtime: set[str] = set()
    runtime.update(*_edges(pkg, "dependencies").values())
    for group, deps in _edges(pkg, "optional-dependencies").items():
        if group.strip().lower() in declaration.groups:
            for dep in deps:
                dev_start.setdefault(dep, (group, root, "extra"))
        else:
            runtime.update(deps)
    for group, deps in _edges(pkg, "dev-dependencies").items():
        for dep in deps:
            dev_start.setdefault(dep, (group, root, "dependency group"))
    return runtime


def _closure(graph: Mapping[str, set[str]], start: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(start)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(graph.get(name, ()))
    return seen


def poetry_project_reasons(pyproject: Mapping[str, Any], pyproject_file: str, packages: list[dict[str, Any]],
                           declaration: DevDeclaration) -> dict[str, str]:
    """poetry.lock without groups (lock-version 2.0 and earlier record none): canonical name -> reason, for the
    packages that only the project's non-main Poetry groups pull in, following the lock's dependency graph.

    Runtime roots: ``[tool.poetry.dependencies]`` (except ``python``), ``[project.dependencies]`` and every extra
    of the project; development roots: ``[tool.poetry.group.<name>.dependencies]`` (``main`` excepted unless the
    config names it) and the legacy ``[tool.poetry.dev-dependencies]``. From a root, a package's required
    dependencies are followed, and its optional ones when an edge asks for the extra that lists them (as Poetry
    installs them); without a ``[tool.poetry]`` table, nothing is development."""
    tool = pyproject.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, Mapping) else None
    if not isinstance(poetry, Mapping):
        return {}
    runtime: list[tuple[str, frozenset[str]]] = _poetry_edges(poetry.get("dependencies"))
    project = pyproject.get("project")
    if isinstance(project, Mapping):
        items = list(project.get("dependencies") or [])
        for extra in (project.get("optional-dependencies") or {}).values():
            items += extra if isinstance(extra, list) else []
        runtime += [e for e in (_pep508_edge(i) for i in items) if e]
    dev: list[tuple[str, frozenset[str], str]] = []
    groups = poetry.get("group")
    tables = [(str(g), t.get("dependencies")) for g, t in (groups.items() if isinstance(groups, Mapping) else ())
              if isinstance(t, Mapping)] + [("", poetry.get("dev-dependencies"))]
    for group, table in tables:
        if group.strip().lower() == "main" and "main" not in declaration.groups:
            runtime += _poetry_edges(table)
            continue
        where = f"[tool.poetry.group.{group}]" if group else "[tool.poetry.dev-dependencies]"
        dev += [(n, x, f"{pyproject_file} {where} (Poetry's non-main groups are development; through "
                       "poetry.lock's dependency graph)") for n, x in _poetry_edges(table)]
    by_name = {canonical(p["name"]): p for p in packages}
    reached = _poetry_closure(by_name, runtime)
    out: dict[str, str] = {}
    for name, extras, reason in dev:
        for found in sorted(_poetry_closure(by_name, [(name, extras)]) - reached):
            out.setdefault(found, reason)
    return out


def _pep508_edge(item: Any) -> tuple[str, frozenset[str]] | None:
    match = _NAME.match(item) if isinstance(item, str) else None
    if not match:
        return None
    rest = item[match.end():].lstrip()
    extras = rest[1:rest.index("]")].split(",") if rest.startswith("[") and "]" in rest else []
    return canonical(match.group(0)), frozenset(e.strip().lower() for e in extras if e.strip())


def _poetry_edges(table: Any) -> list[tuple[str, frozenset[str]]]:
    """A Poetry dependency table (name -> constraint, inline table or list of them) -> (name, extras asked)."""
    out = []
    for name, spec in (table.items() if isinstance(table, Mapping) else ()):
        if str(name).lower() == "python":
            continue
        extras: set[str] = set()
        for one in spec if isinstance(spec, list) else [spec]:
            if isinstance(one, Mapping) and isinstance(one.get("extras"), list):
                extras.update(str(e).strip().lower() for e in one["extras"])
        out.append((canonical(str(name)), frozenset(extras)))
    return out


def _poetry_closure(by_name: Mapping[str, Mapping[str, Any]], start: list[tuple[str, frozenset[str]]]) -> set[str]:
    """Packages installed for ``start``: required dependencies, and optional ones named by an extra asked for."""
    seen: set[tuple[str, str]] = set()
    todo = [(name, extra) for name, extras in start for extra in ("", *extras)]
    reached: set[str] = set()
    while todo:
        name, extra = todo.pop()
        if (name, extra) in seen:
            continue
        seen.add((name, extra))
        reached.add(name)
        pkg = by_name.get(name)
        if pkg is None:
            continue
        raw_requires, raw_extras = pkg.get("dependencies"), pkg.get("extras")
        requires: Mapping[str, Any] = raw_requires if isinstance(raw_requires, Mapping) else {}
        if extra:
            listed = raw_extras.get(extra) if isinstance(raw_extras, Mapping) else None
            names = {e[0] for e in (_pep508_edge(i) for i in (listed if isinstance(listed, list) else [])) if e}
            edges = [(n, x) for n, x in _poetry_edges(requires) if n in names]
        else:
            edges = [(n, x) for n, x in _poetry_edges(
                {k: v for k, v in requires.items() if not _optional(v)})]
        todo += [(n, e) for n, extras in edges for e in ("", *extras)]
    return reached


def _optional(spec: Any) -> bool:
    specs = spec if isinstance(spec, list) else [spec]
    return bool(specs) and all(isinstance(s, Mapping) and s.get("optional") is True for s in specs)
