"""``aima-gate init``: suggest declaring development-only requirement files, never assume it from their names.

The gate treats every declared dependency as runtime unless the config or lock metadata says otherwise
(collectors/scans/dev_scope.py). A file named ``requirements-dev.txt`` is usually development-only, so ``init``
points it out and writes the declaration, commented out: the team, not the file name, decides.
"""

from __future__ import annotations

import json
import posixpath
import re

from aima_gate.collectors.scans.manifests import DEFAULT_REQUIREMENTS
from aima_gate.safeio.repo import Repo

_DEV_LOOKING = re.compile(r"(^|[-_./])(dev|devel|develop|test|tests|testing|lint|docs?|ci)([-_.]|$)", re.I)
_LOCKS = ("poetry.lock", "uv.lock", "Pipfile.lock")


def dev_looking_files(repo: Repo) -> list[str]:
    """Requirement files whose name or folder reads like development (lock files carry their own metadata)."""
    out = []
    for file in repo.glob(list(DEFAULT_REQUIREMENTS)):
        base = posixpath.basename(file)
        if base in _LOCKS:
            continue
        name = base if posixpath.dirname(file) != "requirements" else file
        if _DEV_LOOKING.search(name.removeprefix("requirements")):
            out.append(file)
    return out


def suggestion_lines(files: list[str]) -> list[str]:
    """Commented YAML for ``artifacts.dependency_scan`` (indented under ``artifacts:``), or nothing."""
    if not files:
        return []
    # JSON strings are YAML strings: a hostile file name (a newline, a quote) stays inside its comment and quotes
    shown = ", ".join(json.dumps(f) for f in files)
    return [
        "#    # Requirement files named like development ones, but a name decides nothing: until declared here,",
        "#    # their packages are runtime dependencies and their vulnerabilities block. If these files are never",
        "#    # installed where the model runs, uncomment (every report lists this declaration):",
        "#    development:",
        f"#      files: [{shown}]",
        "#      reason: test, lint and CI tools, never installed where the model runs",
    ]


def found_note(files: list[str]) -> str | None:
    if not files:
        return None
    return (f"development-looking requirement files (runtime until declared; see artifacts.dependency_scan."
            f"development in the config): {', '.join(json.dumps(f) for f in files)}")
