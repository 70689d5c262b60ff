"""``aima-gate init`` points out development-looking requirement files and writes their declaration commented
out: the team decides, the file name does not (issue 13, class 5)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from aima_gate.onboarding.dev_dependencies import dev_looking_files, suggestion_lines
from aima_gate.safeio.repo import Repo
from tests.conftest import run_cli, write


def uncomment_dependency_scan(config: str) -> str:
    """The config as a user who accepts the suggestion leaves it: only artifacts.dependency_scan uncommented."""
    lines, out, inside = config.splitlines(), [], False
    for line in lines:
        if line == "# artifacts:":
            out.append("artifacts:")
            continue
        if line.startswith("#  ") and not line.startswith("#   "):
            inside = line == "#  dependency_scan:"
        out.append(line[1:] if inside and line.startswith("#  ") and "paths:" not in line else line)
    return "\n".join(out) + "\n"


def test_dev_looking_files_are_found_by_name_and_folder(tmp_path: Path) -> None:
    for name in ("requirements.txt", "requirements-dev.txt", "requirements_test.txt", "requirements-ci.txt",
                 "requirements-serve.txt", "requirements/dev.txt", "requirements/base.txt", "poetry.lock",
                 "requirements-training.txt"):
        write(tmp_path, name, "")
    assert dev_looking_files(Repo(tmp_path)) == ["requirements-ci.txt", "requirements-dev.txt",
                                                 "requirements/dev.txt", "requirements_test.txt"]


def test_init_suggests_the_declaration_and_accepting_it_makes_them_development(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo, "requirements.txt", "flask==3.0.3\n")
    write(repo, "requirements-dev.txt", "pytest==8.3.4\n")
    proc = run_cli("init", str(repo))
    assert proc.returncode == 0, proc.stderr
    assert 'development-looking requirement files' in proc.stdout and '"requirements-dev.txt"' in proc.stdout
    config = (repo / ".aima-gate.yml").read_text(encoding="utf-8")
    assert '#      files: ["requirements-dev.txt"]' in config
    assert yaml.safe_load(config).get("artifacts") is None  # nothing is declared until a person uncomments it
    accepted = uncomment_dependency_scan(config)
    assert yaml.safe_load(accepted)["artifacts"]["dependency_scan"]["development"]["files"] == [
        "requirements-dev.txt"]
    (repo / ".aima-gate.yml").write_text(accepted, encoding="utf-8")
    assert run_cli("validate", str(repo)).returncode == 0


def test_no_suggestion_without_dev_looking_files(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "flask==3.0.3\n")
    proc = run_cli("init", str(tmp_path))
    assert proc.returncode == 0 and "development-looking" not in proc.stdout
    assert "development:" not in (tmp_path / ".aima-gate.yml").read_text(encoding="utf-8")


def test_hostile_file_names_stay_inside_their_comment() -> None:
    name = 'requirements-dev\n  x: "y".txt'
    lines = suggestion_lines([name])
    assert all(line.startswith("#") for line in lines) and len(lines) == 6
    assert json.dumps(name) in lines[4]
