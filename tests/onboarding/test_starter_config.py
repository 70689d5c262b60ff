"""``aima-gate init``: a starter configuration that validates, changes nothing for a conventional repository, is
idempotent and never overwrites without --force."""

from __future__ import annotations

import re
from pathlib import Path

from aima_gate.onboarding.plan import declared_params
from aima_gate.onboarding.starter_config import SUGGESTED_PARAMETERS, TEMPLATE
from tests.cli.test_exit_codes import check, mini_repo
from tests.conftest import run_cli


def test_init_writes_a_config_that_validates_and_never_overwrites(tmp_path: Path) -> None:
    repo = mini_repo(tmp_path / "repo")
    proc = run_cli("init", str(repo))
    assert proc.returncode == 0, proc.stderr
    assert "wrote" in proc.stdout and "model: 1 file(s), e.g. registry/models.yml" in proc.stdout
    assert "churn@1.0.0: registry/models.yml (registry-file)" in proc.stdout
    config = (repo / ".aima-gate.yml").read_text()
    assert "fail_on: low" in config
    assert not (repo / "registry" / "models.yml").read_text().startswith("# Model registry written by")
    assert run_cli("validate", str(repo)).returncode == 0
    assert check(repo).returncode == 0  # the starter config changes nothing for a conventional repo
    (repo / ".aima-gate.yml").write_text("# mine\n")
    again = run_cli("init", str(repo))  # idempotent: a second run keeps what is there and says so
    assert again.returncode == 0, again.stdout + again.stderr
    assert "already exists" in again.stdout and "--force" in again.stdout
    assert (repo / ".aima-gate.yml").read_text() == "# mine\n"
    forced = run_cli("init", str(repo), "--force")
    assert forced.returncode == 0 and (repo / ".aima-gate.yml").read_text() == config


def test_every_parameter_the_starter_config_suggests_is_declared_by_a_policy() -> None:
    declared = declared_params(Path("."))
    suggested = set(re.findall(r"^#\s+([a-z][a-z0-9_]*):\s*\d", TEMPLATE, re.M))
    assert suggested == set(SUGGESTED_PARAMETERS)
    assert suggested <= declared, suggested - declared
