"""Class 1: the repository under test never chooses code that the gate runs.

The hostile repositories commit a fake scanner: a script that writes a marker file (proof it ran) and prints a
clean scanner report (which would pass). Each case first shows the script really is a working fake scanner, then
that the gate refuses the repository (exit 2, the file named) and that the marker is never written.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.collectors.scans.test_scanners import _safety_db, pip_audit_bin, safety_bin  # noqa: F401 (fixtures)
from tests.conftest import check_json, run_cli, write

CLEAN_PIP_AUDIT = {"dependencies": [{"name": "werkzeug", "version": "0.11", "vulns": []}], "fixes": []}
POLICY = ("--policy", "vulnerability.none-at-or-above-severity")


def _fake_scanner(path: Path, marker: Path) -> Path:
    """An executable that records it ran (and in which folder) and prints a clean pip-audit report."""
    write(path.parent, path.name, f"""#!{sys.executable}
import json, os, sys
with open({str(marker)!r}, "a") as fh:
    fh.write(os.getcwd() + "\\n")
print(json.dumps({CLEAN_PIP_AUDIT!r}))
""")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def _hostile_repo(tmp_path: Path, config: str = "") -> tuple[Path, Path]:
    root, marker = tmp_path / "repo", tmp_path / "ran.marker"
    write(root, "requirements.txt", "werkzeug==0.11\n")
    write(root, ".aima-gate.yml", config or "scanners:\n  - {tool: pip-audit, requirements: requirements.txt}\n")
    _fake_scanner(root / "tools" / "pip-audit", marker)
    _fake_scanner(root / "pip-audit", marker)
    return root, marker


def _really_runs(script: Path, marker: Path) -> None:
    """The committed script is a working fake scanner: run on its own it writes the marker and a clean report."""
    out = subprocess.run([str(script)], capture_output=True, text=True, timeout=60, check=True).stdout
    assert json.loads(out) == CLEAN_PIP_AUDIT and marker.exists()
    marker.unlink()


def _errors(report: dict[str, Any]) -> str:
    return json.dumps([f for f in report["findings"] if f["status"] == "error"])


@pytest.mark.parametrize("command", ["[tools/pip-audit]", "tools/pip-audit", "[./pip-audit]",
                                     "[/bin/sh, -c, 'tools/pip-audit']"])
def test_config_command_is_refused(tmp_path: Path, command: str) -> None:
    root, marker = _hostile_repo(tmp_path)
    write(root, ".aima-gate.yml",
          f"scanners:\n  - tool: pip-audit\n    requirements: requirements.txt\n    command: {command}\n")
    _really_runs(root / "tools" / "pip-audit", marker)
    proc = run_cli("check", str(root), *POLICY, "--run-scanners", cwd=root)
    assert proc.returncode == 2 and ".aima-gate.yml" in proc.stderr and "command" in proc.stderr, proc.stderr
    assert not marker.exists()


def test_config_extra_args_are_refused(tmp_path: Path) -> None:
    root, marker = _hostile_repo(tmp_path, "scanners:\n  - tool: pip-audit\n    requirements: requirements.txt\n"
                                           "    args: ['--cache-dir', '/tmp/x']\n")
    proc = run_cli("check", str(root), *POLICY, "--run-scanners", cwd=root)
    assert proc.returncode == 2 and ".aima-gate.yml" in proc.stderr and "args" in proc.stderr, proc.stderr
    assert not marker.exists()


def test_unknown_tool_is_refused(tmp_path: Path) -> None:
    root, marker = _hostile_repo(tmp_path, "scanners:\n  - {tool: ./pip-audit, requirements: requirements.txt}\n")
    proc = run_cli("check", str(root), *POLICY, "--run-scanners", cwd=root)
    assert proc.returncode == 2 and ".aima-gate.yml" in proc.stderr, proc.stderr
    assert not marker.exists()


def test_listed_scanner_without_the_command_line_opt_in_never_runs(tmp_path: Path) -> None:
    root, marker = _hostile_repo(tmp_path)
    gate_bin = tmp_path / "gate-bin"
    _fake_scanner(gate_bin / "pip-audit", tmp_path / "gate.marker")
    code, report = check_json(root, *POLICY, "--scanner-dir", str(gate_bin))
    assert code == 2 and "--run-scanners" in _errors(report), report
    assert not marker.exists() and not (tmp_path / "gate.marker").exists()


@pytest.mark.parametrize("path_entries", [[".", "{bin}"], ["", "{bin}"], ["{root}", "{bin}"], ["{root}/tools"]])
def test_scanner_found_first_on_a_path_into_the_repository_never_runs(tmp_path: Path,
                                                                     path_entries: list[str]) -> None:
    """PATH entries that name the repository (relative ones resolve against the working folder, the repository
    here) never supply the scanner: relative entries are not searched, absolute ones inside the repo are refused."""
    root, marker = _hostile_repo(tmp_path)
    _really_runs(root / "pip-audit", marker)
    bin_dir = str(Path(sys.executable).parent)
    path = os.pathsep.join(e.format(root=root, bin=bin_dir) for e in path_entries) + os.pathsep + "/usr/bin:/bin"
    exe = Path(sys.executable).with_name("aima-gate")
    proc = subprocess.run([sys.executable, "-m", "aima_gate", "check", str(root), "--format", "json", *POLICY,
                           "--run-scanners"], cwd=root, env={**os.environ, "PATH": path}, capture_output=True,
                          text=True, timeout=120, check=False)
    assert exe.exists()
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr
    errors = _errors(json.loads(proc.stdout))
    assert "inside the repository under test" in errors or "is not installed in the gate's environment" in errors
    assert not marker.exists()


def test_gate_side_link_into_the_repository_is_refused(tmp_path: Path) -> None:
    root, marker = _hostile_repo(tmp_path)
    gate_bin = tmp_path / "gate-bin"
    gate_bin.mkdir()
    os.symlink(root / "tools" / "pip-audit", gate_bin / "pip-audit")
    code, report = check_json(root, *POLICY, "--run-scanners", "--scanner-dir", str(gate_bin))
    assert code == 2 and "inside the repository under test" in _errors(report), report
    assert not marker.exists()


def test_scanner_dir_inside_the_repository_is_refused(tmp_path: Path) -> None:
    root, marker = _hostile_repo(tmp_path)
    code, report = check_json(root, *POLICY, "--run-scanners", "--scanner-dir", str(root / "tools"))
    assert code == 2 and "inside the repository under test" in _errors(report), report
    assert not marker.exists()


@pytest.mark.parametrize("field,value", [("requirements", "../outside/requirements.txt"), ("db", "../outside"),
                                         ("requirements", "/etc/hostname")])
def test_scanner_inputs_leaving_the_repository_are_refused(tmp_path: Path, field: str, value: str) -> None:
    root, _ = _hostile_repo(tmp_path)
    write(tmp_path, "outside/requirements.txt", "werkzeug==0.11\n")
    gate_marker = tmp_path / "gate.marker"
    _fake_scanner(tmp_path / "gate-bin" / "safety", gate_marker)
    entry = {"tool": "safety", "requirements": "requirements.txt", field: value}
    write(root, ".aima-gate.yml", "scanners:\n  - " + json.dumps(entry) + "\n")
    code, report = check_json(root, *POLICY, "--run-scanners", "--scanner-dir", str(tmp_path / "gate-bin"))
    assert code == 2, report
    assert not gate_marker.exists()


def test_gate_side_scanner_runs_outside_the_repository(tmp_path: Path) -> None:
    """The one legitimate path: the operator's scanner, opted in on the command line, runs in an empty folder (so
    files the repository commits, such as a .safety-policy.yml, are not picked up from the working folder)."""
    root, marker = _hostile_repo(tmp_path)
    gate_marker = tmp_path / "gate.marker"
    _fake_scanner(tmp_path / "gate-bin" / "pip-audit", gate_marker)
    code, report = check_json(root, *POLICY, "--run-scanners", "--scanner-dir", str(tmp_path / "gate-bin"))
    assert code == 0, report
    ran_in = Path(gate_marker.read_text().strip())
    assert not ran_in.is_relative_to(root) and not ran_in.exists()  # a temporary folder, removed afterwards
    assert not marker.exists()


# ----------------------------------------------------------------------------- real scanners (slow: virtualenvs)

@pytest.mark.slow
def test_committed_safety_policy_file_cannot_hide_an_advisory(tmp_path: Path, safety_bin: Path) -> None:  # noqa: F811
    """safety reads ``.safety-policy.yml`` from its working folder: run there, the repository's own policy file
    ignores the advisory and the real safety reports clean. The gate runs it elsewhere, so the advisory fails."""
    root = tmp_path / "repo"
    write(root, "requirements.txt", "werkzeug==0.11\n")
    write(root, ".aima-gate.yml", "scanners:\n  - {tool: safety, requirements: requirements.txt, db: safety-db}\n")
    write(root, ".safety-policy.yml", "security:\n  ignore-vulnerabilities:\n    90001:\n"
                                      "      reason: hidden by the repository\n")
    _safety_db(root)
    hidden = subprocess.run([str(safety_bin), "check", "-r", "requirements.txt", "--json", "--db", "safety-db"],
                            cwd=root, capture_output=True, text=True, timeout=300, check=False)
    assert hidden.returncode == 0, "run in the repository, safety honours the committed policy file"
    code, report = check_json(root, "--policy", "vulnerability.none-at-or-above-severity", "--run-scanners",
                              "--scanner-dir", str(safety_bin.parent))
    assert code == 1, report
    assert [f["subject"]["name"] for f in report["findings"] if f["status"] == "fail"] == ["werkzeug|CVE-2019-14806"]


@pytest.mark.slow
def test_pip_audit_never_builds_a_local_requirement(tmp_path: Path, pip_audit_bin: Path) -> None:  # noqa: F811
    """pip-audit's default mode installs the requirements into a temporary virtualenv, which runs a local
    project's setup.py. The gate runs it with --no-deps --disable-pip: nothing is built, the marker stays away."""
    root, marker = tmp_path / "repo", tmp_path / "setup-ran.marker"
    write(root, "evil/setup.py", f"open({str(marker)!r}, 'w').write('ran')\n"
                                 "from setuptools import setup\nsetup(name='evil', version='1.0')\n")
    write(root, "requirements.txt", "./evil\n")
    write(root, ".aima-gate.yml", "scanners:\n  - {tool: pip-audit, requirements: requirements.txt}\n")
    subprocess.run([str(pip_audit_bin), "-r", "requirements.txt", "-f", "json", "--progress-spinner", "off"],
                   cwd=root, capture_output=True, timeout=600, check=False)
    assert marker.exists(), "pip-audit's default mode really runs the repository's setup.py"
    marker.unlink()
    proc = run_cli("check", str(root), *POLICY, "--run-scanners", "--scanner-dir", str(pip_audit_bin.parent),
                   timeout=600)
    assert not marker.exists(), proc.stdout[-2000:] + proc.stderr
