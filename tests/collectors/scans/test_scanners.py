"""aima-gate runs real scanners when the config asks (``scanners:``), then gates on their output.

safety 2.3.5 (the last release that accepts a local database, offline) and pip-audit are installed from PyPI into
throw-away virtualenvs by the fixtures below: safety 2.3.5 pins ``packaging<22``, which conflicts with this
project, so neither can be a test dependency. The safety database is made inside the test and holds one real
advisory (CVE-2019-14806, Werkzeug < 0.15.3, NVD CVSS 3.0 7.5). pip-audit needs the network to audit, so it
is run here only on its failure path; its report parsing is tested on recorded outputs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.collectors.scans.helpers import errors, findings, repo_with, run

pytestmark = pytest.mark.slow
VULN = "vulnerability.none-at-or-above-severity"
POLICIES = (VULN, "dependency_scan.fresh", "dependency_scan.covers-requirements")


def _venv(root: Path, *packages: str) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, timeout=300)
    pip = root / "bin" / "pip"
    subprocess.run([str(pip), "install", "-q", "--disable-pip-version-check", *packages], check=True, timeout=600)
    return root / "bin"


@pytest.fixture(scope="session")
def safety_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _venv(tmp_path_factory.mktemp("safety-venv"), "safety==2.3.5") / "safety"


@pytest.fixture(scope="session")
def pip_audit_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _venv(tmp_path_factory.mktemp("pip-audit-venv"), "pip-audit==2.10.1") / "pip-audit"


def _safety_db(root: Path) -> None:
    db = root / "safety-db"
    db.mkdir(parents=True)
    advisory = ("Pallets Werkzeug before 0.15.3, when used with Docker, has insufficient debugger PIN randomness "
                "because Docker containers share the same machine id.")
    meta = {"advisory": "local test database", "timestamp": 1732406400, "base_domain": "https://example.invalid"}
    (db / "insecure.json").write_text(json.dumps({"werkzeug": ["<0.15.3"], "$meta": meta}))
    (db / "insecure_full.json").write_text(json.dumps({
        "werkzeug": [{"id": "pyup.io-90001", "specs": ["<0.15.3"], "advisory": advisory, "cve": "CVE-2019-14806",
                      "fixed_versions": ["0.15.3"], "affected_versions": ["0.11"], "transitive": False}],
        "$meta": {**meta, "cve": {"CVE-2019-14806": {
            "cvssv2": {"base_score": 5.0}, "cvssv3": {"base_score": 7.5, "base_severity": "HIGH"}}}}}))


def _config(command: str, tool: str = "safety", extra: str = "    db: safety-db\n") -> str:
    return f"scanners:\n  - tool: {tool}\n    requirements: requirements.txt\n    command: [{command}]\n" + extra


def test_real_safety_run_finds_the_advisory(tmp_path: Path, safety_bin: Path) -> None:
    root = repo_with(tmp_path, {}, {"requirements.txt": "click==8.0.0\nwerkzeug==0.11\n",
                                    ".aima-gate.yml": _config(str(safety_bin))})
    _safety_db(root)
    code, report = run(root, *POLICIES)
    assert code == 1 and not errors(report), report
    vuln = findings(report, VULN)
    assert [(f["subject"]["name"], f["status"]) for f in vuln] == [("werkzeug|CVE-2019-14806", "fail")]
    ev = vuln[0]["evidence"][0]
    assert (ev["file"], ev["line"]) == ("requirements.txt", 2)  # the requirement line, not a temp file
    assert "high (CVSS 7.5)" in ev["actual"] and "fixed in 0.15.3" in ev["actual"]
    assert {f["status"] for f in findings(report, "dependency_scan.fresh")} == {"pass"}
    assert {f["status"] for f in findings(report, "dependency_scan.covers-requirements")} == {"pass"}


def test_real_safety_run_clean_after_upgrade(tmp_path: Path, safety_bin: Path) -> None:
    root = repo_with(tmp_path, {}, {"requirements.txt": "click==8.0.0\nwerkzeug==0.15.3\n",
                                    ".aima-gate.yml": _config(str(safety_bin))})
    _safety_db(root)
    code, report = run(root, *POLICIES)
    assert code == 0, report


def test_failing_safety_is_an_error(tmp_path: Path, safety_bin: Path) -> None:
    root = repo_with(tmp_path, {}, {"requirements.txt": "werkzeug==0.11\n",
                                    ".aima-gate.yml": _config(str(safety_bin), extra="    db: no-such-db\n")})
    code, report = run(root, *POLICIES)
    assert code == 2
    messages = json.dumps(errors(report))
    assert "scanner safety failed (exit code" in messages and "requirements.txt" in messages


def test_failing_pip_audit_is_an_error(tmp_path: Path, pip_audit_bin: Path) -> None:
    root = repo_with(tmp_path, {}, {"requirements.txt": "this is not a requirement ===\n",
                                    ".aima-gate.yml": _config(str(pip_audit_bin), tool="pip-audit", extra="")})
    code, report = run(root, VULN)
    assert code == 2
    assert "scanner pip-audit exited 1 without a readable JSON report" in json.dumps(errors(report))


@pytest.mark.parametrize("tool", ["safety", "pip-audit"])
def test_missing_scanner_is_an_error(tmp_path: Path, tool: str) -> None:
    root = repo_with(tmp_path, {}, {"requirements.txt": "werkzeug==0.11\n",
                                    ".aima-gate.yml": _config(f"{tool}-not-installed-here", tool=tool, extra="")})
    code, report = run(root, *POLICIES)
    assert code == 2
    assert f"scanner {tool} is not installed" in json.dumps(errors(report))
