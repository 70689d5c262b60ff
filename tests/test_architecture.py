"""The package layout is the design: no import cycles, imports point from the edges toward the core, the engine
does no I/O, and every package says what lives in it. An AST walk, so imports inside functions count too."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "src" / "aima_gate"
# Lowest first. A module may import from its own package and from packages earlier in this list, never later.
LAYERS = ("core", "safeio", "aima", "engine", "integrity", "collectors", "config", "evidence", "onboarding",
          "pipeline", "reporters", "cli")
# What would let the engine touch the world: files, processes, the network, the clock's source, or the modules
# of ours that read files.
ENGINE_FORBIDDEN = ("os", "io", "pathlib", "shutil", "subprocess", "socket", "urllib", "tempfile", "glob",
                    "aima_gate.safeio.repo", "aima_gate.safeio.loaders", "aima_gate.core.clock")


def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imports(name: str, path: Path) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import in the module, resolving relative imports."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                yield (f"{base}.{alias.name}", node.lineno)
                yield (base, node.lineno)


def internal_graph() -> dict[str, set[str]]:
    mods = modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        for target, _line in imports(name, path):
            while target and target not in mods:
                target = target.rpartition(".")[0]
            # a module importing its own package's __init__ (its "face") is no cycle
            if target and target != name and not name.startswith(target + "."):
                graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    assert cycles(internal_graph()) == []


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_imports_point_toward_the_core() -> None:
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()} == set(LAYERS)
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py", "__main__.py"]
    wrong = []
    for name, targets in internal_graph().items():
        mine = _layer(name)
        for target in targets:
            theirs = _layer(target)
            if mine and theirs and mine != theirs and LAYERS.index(theirs) > LAYERS.index(mine):
                wrong.append(f"{name} imports {target} ({mine} sits below {theirs})")
    assert wrong == []


def test_the_engine_does_no_io() -> None:
    mods = modules()
    found = [f"{name}:{line} imports {target}"
             for name, path in mods.items() if name.startswith("aima_gate.engine")
             for target, line in imports(name, path)
             if any(target == bad or target.startswith(bad + ".") for bad in ENGINE_FORBIDDEN)]
    assert found == []
    calls = [f"{name}:{node.lineno}" for name, path in mods.items() if name.startswith("aima_gate.engine")
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open"]
    assert calls == []


def test_every_package_states_its_role() -> None:
    for init in sorted(PACKAGE.rglob("__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc.split()) >= 8, f"{init.relative_to(PACKAGE)} does not say what lives there"


def test_tests_mirror_the_package() -> None:
    for layer in LAYERS:
        assert (REPO_ROOT / "tests" / layer).is_dir() and any((REPO_ROOT / "tests" / layer).glob("test_*.py")), layer


MAX_MODULE_LINES = 400


def test_every_module_stays_readable_in_one_sitting() -> None:
    # A module over this size has stopped being one idea: split it along a seam with a name, don't raise the bar.
    lines = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules().items()}
    assert {name: n for name, n in lines.items() if n > MAX_MODULE_LINES} == {}
