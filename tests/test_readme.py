"""The README's two set-up commands are real: the test command is what .ci/run runs, verbatim, and the first
command's check of the shipped example passes. Its console examples of `check` and `score` are true: each shown
output line is printed by the command, in that order ("..." stands for lines left out; a line ending in "..." is
cut short)."""

from __future__ import annotations

import re
import shlex

import pytest

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


def _console_examples() -> list[tuple[list[str], list[str]]]:
    """(arguments, shown output lines) of every ``$ aima-gate check|score`` example that prints to the console."""
    out = []
    for block in re.findall(r"```console\n(.*?)\n```", README, re.S):
        command: list[str] | None = None
        shown: list[str] = []
        for line in [*block.splitlines(), "$ end"]:
            if line.startswith("$ "):
                if command is not None:
                    out.append((command, shown))
                runs = line.startswith(("$ aima-gate check ", "$ aima-gate score "))
                args = shlex.split(line[2:], comments=True) if runs else []
                runs = runs and not {"-o", "--output"} & set(args)
                command, shown = (args[1:], []) if runs else (None, [])
            elif command is not None:
                shown.append(line)
    return out


@pytest.mark.parametrize(("args", "shown"), _console_examples(), ids=lambda v: " ".join(v)[:60])
def test_console_examples_are_true(args: list[str], shown: list[str]) -> None:
    printed = run_cli(*args, cwd=REPO_ROOT).stdout.splitlines()
    assert shown, "an example without output proves nothing"
    at = 0
    for line in shown:
        if line == "...":
            continue
        cut = line.endswith(" ...")
        matches = [i for i in range(at, len(printed))
                   if (printed[i].startswith(line[:-4]) if cut else printed[i] == line)]
        assert matches, f"README shows {line!r}, which `aima-gate {' '.join(args)}` no longer prints (in order)"
        at = matches[0] + 1
