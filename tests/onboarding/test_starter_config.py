"""``aima-gate init``: a starter configuration that validates, changes nothing for a conventional repository and
never overwrites without --force."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_exit_codes import assert_clean_exit_2, check, mini_repo
from tests.conftest import run_cli


def test_init_writes_a_config_that_validates_and_refuses_to_overwrite(tmp_path: Path) -> None:
    repo = mini_repo(tmp_path / "repo")
    proc = run_cli("init", str(repo))
    assert proc.returncode == 0, proc.stderr
    assert "wrote" in proc.stdout and "model: 1 file(s), e.g. registry/models.yml" in proc.stdout
    config = (repo / ".aima-gate.yml").read_text()
    assert "fail_on: low" in config
    assert run_cli("validate", str(repo)).returncode == 0
    assert check(repo).returncode == 0  # the starter config changes nothing for a conventional repo
    (repo / ".aima-gate.yml").write_text("# mine\n")
    again = run_cli("init", str(repo))
    assert_clean_exit_2(again, "already exists", "--force")
    assert (repo / ".aima-gate.yml").read_text() == "# mine\n"
    forced = run_cli("init", str(repo), "--force")
    assert forced.returncode == 0 and (repo / ".aima-gate.yml").read_text() == config
