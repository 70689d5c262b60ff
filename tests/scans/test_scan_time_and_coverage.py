"""Scan time from git for undated reports, coverage per tool, lock-file markers, stale reports and UTF-16
requirement files, on real scanner outputs (tests/data/scans, see PROVENANCE.md)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from tests.scans.helpers import SCANS, findings, run

CLEAN = SCANS / "pip-audit" / "pip_audit_2.10.1_clean_no_vulns.json"


def _requirements_for(report: Path) -> str:
    deps = json.loads(report.read_text(encoding="utf-8"))["dependencies"]
    return "".join(f"{d['name']}=={d['version']}\n" for d in deps)


def git(root: Path, *args: str, date: str = "2026-11-20T10:00:00+00:00") -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def committed_repo(tmp_path: Path) -> Path:
    shutil.copyfile(CLEAN, tmp_path / "pip-audit-report.json")
    (tmp_path / "requirements.txt").write_text(_requirements_for(CLEAN), encoding="utf-8")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "scan")
    return tmp_path


def test_pip_audit_report_is_dated_by_its_commit(tmp_path: Path) -> None:
    code, report = run(committed_repo(tmp_path), "dependency_scan.fresh")
    (finding,) = findings(report, "dependency_scan.fresh")
    assert code == 0 and finding["status"] == "pass", json.dumps(finding)[:1500]
    assert "2026-11-20" in json.dumps(finding["evidence"])


def test_modified_or_untracked_report_has_no_scan_time(tmp_path: Path) -> None:
    root = committed_repo(tmp_path)
    (root / "pip-audit-report.json").write_text(CLEAN.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    code, report = run(root, "dependency_scan.fresh")
    (finding,) = findings(report, "dependency_scan.fresh")
    assert code == 1 and finding["status"] == "fail" and "records no scan time" in json.dumps(finding)
    (root / "more").mkdir()
    shutil.copyfile(CLEAN, root / "more" / "pip-audit-new.json")  # untracked
    code, report = run(root, "dependency_scan.fresh")
    statuses = {f["subject"]["name"]: f["status"] for f in findings(report, "dependency_scan.fresh")}
    assert statuses["more/pip-audit-new.json"] == "fail" and code == 1


def test_old_commit_fails_freshness(tmp_path: Path) -> None:
    shutil.copyfile(CLEAN, tmp_path / "pip-audit-report.json")
    (tmp_path / "requirements.txt").write_text(_requirements_for(CLEAN), encoding="utf-8")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "scan", date="2026-01-05T10:00:00+00:00")
    code, report = run(tmp_path, "dependency_scan.fresh")
    (finding,) = findings(report, "dependency_scan.fresh")
    assert code == 1 and finding["status"] == "fail" and "2026-01-05" in json.dumps(finding["evidence"])
