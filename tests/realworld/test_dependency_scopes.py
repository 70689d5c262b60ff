"""Runtime or development on real repositories (issue 13, class 5): the facts' ``dependency_scopes`` say what
the gate classifies development with no config (lock-file metadata only), which requirement files `init` points
out as development-looking, and what becomes development once the team declares those files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from aima_gate.collectors.scans.dev_scope import DevDeclaration
from aima_gate.collectors.scans.manifests import DEFAULT_REQUIREMENTS, read_declared
from aima_gate.onboarding.dev_dependencies import dev_looking_files
from aima_gate.safeio.repo import Repo

REPOS = Path(__file__).parent / "repos"


def _facts(name: str) -> dict[str, Any]:
    loaded = yaml.safe_load((REPOS / name / "facts.yaml").read_text(encoding="utf-8"))
    return dict(loaded)


NAMES = sorted(p.name for p in REPOS.iterdir() if (p / "repo").is_dir() and "dependency_scopes" in _facts(p.name))


def _development(repo: Repo, declaration: DevDeclaration | None = None) -> list[str]:
    declared = read_declared(repo, DEFAULT_REQUIREMENTS, declaration)
    return sorted(n for n in declared.development if declared.scope(n) == "development")


def test_the_corpus_has_scope_facts() -> None:
    assert len(NAMES) >= 4


@pytest.mark.parametrize("name", NAMES)
def test_dependency_scopes(name: str) -> None:
    facts = _facts(name)["dependency_scopes"]
    repo = Repo(REPOS / name / "repo")
    development = _development(repo)
    if "development" in facts:
        assert development == sorted(facts["development"])
    else:  # a long list: its size and the names the facts call out
        assert len(development) == facts["development_count"]
        assert set(facts["development_includes"]) <= set(development)
        assert not set(facts["runtime_includes"]) & set(development)
    assert dev_looking_files(repo) == facts["dev_looking_files"]
    if facts["dev_looking_files"]:
        declared = _development(repo, DevDeclaration(tuple(facts["dev_looking_files"])))
        assert declared == sorted(facts["development_when_declared"])


def test_no_real_repository_has_a_dev_looking_file_the_facts_miss() -> None:
    """Every repository of the corpus whose requirement files look like development ones carries the fact."""
    missing = [p.name for p in sorted(REPOS.iterdir()) if (p / "repo").is_dir() and p.name not in NAMES
               and dev_looking_files(Repo(p / "repo"))]
    assert missing == []
