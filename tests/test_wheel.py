"""The wheel is complete: built from this checkout, installed into a fresh virtualenv, it runs `aima-gate check`
on the shipped examples with the policy pack and schemas it carries (not the ones in this source tree)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, REPO_ROOT, TODAY

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO_ROOT)],
                   check=True, capture_output=True, text=True, timeout=600)
    (built,) = out.glob("aima_gate-*.whl")
    return built


def test_wheel_ships_policies_schemas_and_catalog(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    policies = {p for p in names if p.startswith("aima_gate/_data/policies/") and p.endswith(".yml")}
    source_policies = {p for p in (REPO_ROOT / "policies").rglob("*.yml")}
    assert len(policies) == len(source_policies) > 0
    assert "aima_gate/_data/schemas/policy.schema.json" in names
    assert "aima_gate/_data/schemas/report.schema.json" in names
    assert "aima_gate/aima/catalog/aima_v1.json" in names


def test_installed_wheel_checks_the_examples(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = venv / "bin" / "pip"
    subprocess.run([str(pip), "install", "-q", str(wheel)], check=True, capture_output=True, text=True, timeout=900)
    exe = venv / "bin" / "aima-gate"
    # Run from an unrelated folder so nothing can be found through the source tree.
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "from aima_gate.core.resources import data_dir; print(data_dir('policies'))"],
                           cwd=tmp_path, check=True, capture_output=True, text=True)
    assert str(venv) in where.stdout, where.stdout
    version = subprocess.run([str(exe), "--version"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert version.stdout.startswith("aima-gate, version ")
    ok = subprocess.run([str(exe), "check", str(EXAMPLES / "credit-scoring"), "--format", "json",
                         "--today", TODAY.isoformat()], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stdout[-3000:] + ok.stderr[-3000:]
    assert json.loads(ok.stdout)["verdict"] == "pass"
    bad = subprocess.run([str(exe), "check", str(EXAMPLES / "llm-assistant"), "--today", TODAY.isoformat()],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1, bad.stdout[-3000:] + bad.stderr[-3000:]
    assert "Verdict: FAIL" in bad.stdout
