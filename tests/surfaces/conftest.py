"""Session-cached surface runs (installing aima-gate into each surface's environment is the slow part)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES
from tests.surfaces import surfaces


@pytest.fixture(scope="session")
def surface_cache(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("surfaces")
    for example in ("credit-scoring", "llm-assistant"):
        surfaces.SNAPSHOTS[example] = shutil.copytree(EXAMPLES / example, root / "examples" / example)
    return {"root": root}


def _cached(cache: dict[str, Any], key: str, make: Callable[[Path], Any]) -> Any:
    if key not in cache:
        work = cache["root"] / key
        # A previous attempt that skipped or failed (e.g. a tool missing) may have left the folder: start clean,
        # so every caller meets the same skip or failure instead of a FileExistsError.
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        cache[key] = make(work)
    return cache[key]


@pytest.fixture(scope="session")
def hooks_repo(surface_cache: dict[str, Any]) -> Path:
    return _cached(surface_cache, "hooks", lambda w: surfaces.hook_repo(w / "aima-gate"))  # type: ignore[no-any-return]


# Every surface installs aima-gate from the same snapshot of this checkout (hooks_repo), so they run the same code.


@pytest.fixture(scope="session")
def action_run(surface_cache: dict[str, Any], hooks_repo: Path) -> Callable[[str], Any]:
    temp = surface_cache["root"] / "runner-temp"
    temp.mkdir(exist_ok=True)
    return lambda example: _cached(surface_cache, f"action-{example}",
                                   lambda w: surfaces.run_action(example, w, temp, package=str(hooks_repo)))


@pytest.fixture(scope="session")
def gitlab_run(surface_cache: dict[str, Any], hooks_repo: Path) -> Callable[[str], Any]:
    pip_cache = surface_cache["root"] / "pip-cache"
    return lambda example: _cached(surface_cache, f"gitlab-{example}",
                                   lambda w: surfaces.run_gitlab(example, w, pip_cache, hooks_repo))


@pytest.fixture(scope="session")
def precommit_runs(surface_cache: dict[str, Any], hooks_repo: Path) -> Callable[[str, str], Any]:
    home = surface_cache["root"] / "pre-commit-home"
    runners = {"try-repo": surfaces.run_try_repo, "config": surfaces.run_precommit_config}
    return lambda mode, example: _cached(surface_cache, f"precommit-{mode}-{example}",
                                         lambda w: runners[mode](example, w, hooks_repo, home))
