"""The README's two set-up commands are real: the test command is what .ci/run runs, verbatim, and the first
command's check of the shipped example passes."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT, run_cli

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def _setup_commands() -> list[str]:
    section = README.split("## Set up and run (two commands)", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)\n```", section, re.S)


def test_readme_opens_with_two_commands() -> None:
    first_section = re.search(r"^## (.*)$", README, re.M)
    assert first_section is not None and first_section.group(1) == "Set up and run (two commands)"
    assert len(_setup_commands()) == 2


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_command = _setup_commands()[1]
    assert "pip install -e '.[test]'" in test_command and "pytest" in test_command
    assert test_command in (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_first_command_checks_the_compliant_example() -> None:
    first = _setup_commands()[0]
    check = first.split("&& .venv/bin/aima-gate ", 1)[1].split()
    assert check[:2] == ["check", "examples/credit-scoring"]
    proc = run_cli(*check, cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "Verdict: PASS" in proc.stdout
