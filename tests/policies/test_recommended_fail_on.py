"""The README recommends ``fail-on: medium`` in CI: that setting must enforce every built-in policy, or the
README's list of what is checked would include policies the recommended gate lets through."""

from __future__ import annotations

import re
from pathlib import Path

from aima_gate.config.policy_packs import load_policies
from aima_gate.config.repo_config import Config
from tests.conftest import REPO_ROOT


def test_readme_recommends_fail_on_medium() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert set(re.findall(r"fail-on: (\w+)", readme)) == {"medium"}


def test_every_builtin_policy_blocks_at_the_recommended_fail_on() -> None:
    loaded = load_policies(Config(file=None), Path("."))
    below = sorted(p.id for p in loaded.policies if p.severity.rank < 2)
    assert not below, f"policies the recommended `fail-on: medium` would let through: {below}"
