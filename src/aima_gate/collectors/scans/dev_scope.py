"""Runtime or development: who says a declared dependency is never installed where the model runs.

A file name never does (``requirements-ci.txt`` is installed by ``pip install -r`` like any other file). A
dependency is *development* only when one of these declares it so, and every dependency is *runtime* otherwise:

- the config: ``artifacts.dependency_scan.development.files`` (globs of requirement files that are installed
  only for development) and ``.groups`` (uv.lock extras or poetry.lock groups the team declares development);
- the lock file's own metadata: Pipfile.lock ``develop``, poetry.lock ``category = "dev"`` (Poetry 1.x) or
  ``groups`` without ``main`` (Poetry's non-main groups are development by definition), uv.lock packages
  reachable only from a project's ``dev-dependencies`` (PEP 735 dependency groups, never part of the package).

Each development classification carries its reason (:data:`Reason`), which reports show as evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aima_gate.collectors.scans import canonical

CONFIG_SETTING = "artifacts.dependency_scan.development"


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
