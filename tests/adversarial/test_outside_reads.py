"""Class 3: the configuration and policy files are confined to the repository like every artifact.

Each hostile repository points a file the gate must read (``.aima-gate.yml``, a policy file or folder) outside
the repository, or leaves it dangling. The outside file is a valid config or policy that, if read, would change
the verdict (switch off the built-in pack for a permissive policy): the gate must refuse it with exit 2 and name
the file, never read it and never fall back to defaults.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import check_json, run_cli, write

PERMISSIVE_POLICY = """\
id: outside.always-pass
title: Always passes
description: A policy that holds for any model.
severity: low
aima: {domain: governance, practice: strategy-and-metrics, stream: A, level: 1}
remediation: none
applies_to: {kind: model}
assert: {path: name, exists: true}
"""
OUTSIDE_CONFIG = "policies:\n  builtin: false\n  paths: [policies]\n"


def _repo(tmp_path: Path) -> tuple[Path, Path]:
    root, outside = tmp_path / "repo", tmp_path / "outside"
    write(root, "registry/models.yml", "models:\n  - name: m\n    version: '1'\n")
    outside.mkdir()
    return root, outside


def _refused(root: Path, name: str, why: str, *args: str) -> None:
    proc = run_cli("check", str(root), "--format", "json", *args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert name in proc.stderr and why in proc.stderr, proc.stderr


@pytest.mark.parametrize("name", [".aima-gate.yml", ".aima-gate.yaml"])
def test_config_symlink_leaving_the_repository_is_refused(tmp_path: Path, name: str) -> None:
    root, outside = _repo(tmp_path)
    write(outside, "config.yml", OUTSIDE_CONFIG)
    os.symlink(outside / "config.yml", root / name)
    _refused(root, name, "leaves the repository")


def test_config_symlink_by_relative_dotdot_is_refused(tmp_path: Path) -> None:
    root, outside = _repo(tmp_path)
    write(outside, "config.yml", OUTSIDE_CONFIG)
    os.symlink("../outside/config.yml", root / ".aima-gate.yml")
    _refused(root, ".aima-gate.yml", "leaves the repository")


def test_dangling_config_symlink_is_not_mistaken_for_no_config(tmp_path: Path) -> None:
    root, _ = _repo(tmp_path)
    os.symlink("/nonexistent/aima-gate-config.yml", root / ".aima-gate.yml")
    _refused(root, ".aima-gate.yml", "dangling")


def test_config_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    root, _ = _repo(tmp_path)
    (root / ".aima-gate.yml").mkdir()
    _refused(root, ".aima-gate.yml", "not a regular file")


def test_config_pointing_at_a_device_is_refused(tmp_path: Path) -> None:
    root, _ = _repo(tmp_path)
    os.symlink("/dev/zero", root / ".aima-gate.yml")
    _refused(root, ".aima-gate.yml", "leaves the repository")


def test_explicit_config_inside_the_repository_is_confined_too(tmp_path: Path) -> None:
    root, outside = _repo(tmp_path)
    write(outside, "config.yml", OUTSIDE_CONFIG)
    os.symlink(outside / "config.yml", root / "ci-config.yml")
    _refused(root, "ci-config.yml", "leaves the repository", "--config", str(root / "ci-config.yml"))


def test_policy_file_symlink_inside_a_policy_folder_is_refused(tmp_path: Path) -> None:
    root, outside = _repo(tmp_path)
    write(outside, "pass.yml", PERMISSIVE_POLICY)
    write(root, ".aima-gate.yml", OUTSIDE_CONFIG)
    (root / "policies").mkdir()
    os.symlink(outside / "pass.yml", root / "policies" / "pass.yml")
    _refused(root, "policies/pass.yml", "leaves the repository")


def test_dangling_policy_file_symlink_is_refused_not_skipped(tmp_path: Path) -> None:
    root, _ = _repo(tmp_path)
    write(root, ".aima-gate.yml", "policies:\n  paths: [policies]\n")
    (root / "policies").mkdir()
    os.symlink("/nonexistent/policy.yml", root / "policies" / "gone.yml")
    _refused(root, "policies/gone.yml", "dangling")


def test_policy_path_symlink_leaving_the_repository_is_refused(tmp_path: Path) -> None:
    root, outside = _repo(tmp_path)
    write(outside, "pol/pass.yml", PERMISSIVE_POLICY)
    write(root, ".aima-gate.yml", OUTSIDE_CONFIG)
    os.symlink(outside / "pol", root / "policies")
    _refused(root, ".aima-gate.yml", "leaves the repository")


def test_confined_config_and_policies_still_load(tmp_path: Path) -> None:
    """The rule refuses only what leaves: links inside the repository keep working."""
    root, _ = _repo(tmp_path)
    write(root, "conf/real.yml", "policies:\n  builtin: false\n  paths: [policies]\n")
    os.symlink("conf/real.yml", root / ".aima-gate.yml")
    write(root, "shared/pass.yml", PERMISSIVE_POLICY)
    (root / "policies").mkdir()
    os.symlink("../shared/pass.yml", root / "policies" / "pass.yml")
    code, report = check_json(root)
    assert code == 0, report
    assert [f["policy_id"] for f in report["findings"]] == ["outside.always-pass"]
