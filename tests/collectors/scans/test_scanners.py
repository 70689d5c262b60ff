"""aima-gate runs real scanners when the command line asks (``--run-scanners``) for the ``scanners:`` the config
lists, then gates on their output. The executables come from the gate's side (``--scanner-dir``), never the config.

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


def _config(tool: str = "safety", extra: str = "    db: safety-db\n") -> str:
    return f"scanners:\n  - tool: {tool}\n    requirements: requirements.txt\n" + extra


def _opt_in(exe: Path) -> tuple[str, ...]:
    return ("--run-scanners", "--scanner-dir", str(exe.parent))


def test_real_safety_run_finds_the_advisory(tmp_path: Path, safety_bin: Path) -> None:
    root = repo_with(tmp_path, {}, {"requirements.txt": "click==8.0.0\nwerkzeug==0.11\n",
                                    ".aima-gate.yml": _config()})
    _safety_db(root)
    code, report = run(root, *POLICIES, extra=_opt_in(safety_bin))
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
                                    ".aima-gate.yml": _config()})
    _safety_db(root)
    code, report = run(root, *POLICIES, extra=_opt_in(safety_bin))
    assert code == 0, report


def test_failing_safety_is_an_error(tmp_path: Path, safety_bin: Path) -> None:
    root = repo_with(tmp_path, {}, {"requirements.txt": "werkzeug==0.11\n",
                                    ".aima-gate.yml": _config(extra="    db: no-such-db\n")})
    (root / "no-such-db").mkdir()  # an empty folder: safety finds no database in it
    code, report = run(root, *POLICIES, extra=_opt_in(safety_bin))
    assert code == 2
    messages = json.dumps(errors(report))
    assert "scanner safety failed (exit code" in messages and "requirements.txt" in messages


def test_failing_pip_audit_is_an_error(tmp_path: Path, pip_audit_bin: Path) -> None:
    root = repo_with(tmp_path, {}, {"requirements.txt": "this is not a requirement ===\n",
                                    ".aima-gate.yml": _config(tool="pip-audit", extra="")})
    code, report = run(root, VULN, extra=_opt_in(pip_audit_bin))
    assert code == 2
    assert "scanner pip-audit exited 1 without a readable JSON report" in json.dumps(errors(report))


@pytest.mark.parametrize("tool", ["safety", "pip-audit"])
def test_missing_scanner_is_an_error(tmp_path: Path, tool: str) -> None:
    root = repo_with(tmp_path, {}, {"requirements.txt": "werkzeug==0.11\n",
                                    ".aima-gate.yml": _config(tool=tool, extra="")})
    empty = tmp_path.parent / f"{tmp_path.name}-empty-bin"
    empty.mkdir()
    code, report = run(root, *POLICIES, extra=("--run-scanners", "--scanner-dir", str(empty)))
    assert code == 2
    assert f"scanner {tool} is not installed in the gate's environment" in json.dumps(errors(report))
