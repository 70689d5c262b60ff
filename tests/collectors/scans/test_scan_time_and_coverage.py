"""Scan time from git for undated reports, coverage per tool, lock-file markers, stale reports and UTF-16
requirement files, on real scanner outputs (tests/data/scans, see PROVENANCE.md)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from tests.collectors.scans.helpers import SCANS, findings, run

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


MARKERS = SCANS / "recorded" / "uv-markers"


def _declared(tmp_path: Path, files: dict[str, bytes]) -> object:
    from aima_gate.collectors.scans.manifests import DEFAULT_REQUIREMENTS, read_declared
    from aima_gate.safeio.repo import Repo

    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    return read_declared(Repo(tmp_path), DEFAULT_REQUIREMENTS)


def test_uv_lock_markers_make_platform_packages_conditional(tmp_path: Path) -> None:
    declared = _declared(tmp_path, {"uv.lock": (MARKERS / "uv.lock").read_bytes()})
    assert declared.conditional == {"pywin32": "sys_platform == 'win32'",  # type: ignore[attr-defined]
                                    "uvloop": "sys_platform == 'linux'", "colorama": "sys_platform == 'win32'"}
    assert {"requests", "click", "certifi"} <= set(declared.runtime)  # type: ignore[attr-defined]


def test_poetry_lock_markers_make_platform_packages_conditional(tmp_path: Path) -> None:
    declared = _declared(tmp_path, {"poetry.lock": (MARKERS / "poetry.lock").read_bytes()})
    assert declared.conditional == {"pywin32": 'sys_platform == "win32"',  # type: ignore[attr-defined]
                                    "uvloop": 'sys_platform == "linux"', "colorama": 'platform_system == "Windows"'}


def test_linux_scan_covers_a_lock_with_windows_only_packages(tmp_path: Path) -> None:
    shutil.copyfile(MARKERS / "uv.lock", tmp_path / "uv.lock")
    (tmp_path / "security" / "scans").mkdir(parents=True)
    shutil.copyfile(MARKERS / "safety-linux.json", tmp_path / "security" / "scans" / "safety-linux.json")
    code, report = run(tmp_path, "dependency_scan.covers-requirements")
    (finding,) = findings(report, "dependency_scan.covers-requirements")
    assert code == 0 and finding["status"] == "pass"


def test_requirement_marker_in_requirements_txt(tmp_path: Path) -> None:
    declared = _declared(tmp_path, {"requirements.txt": b'click==8.1.7\npywin32==306; sys_platform == "win32"\n'})
    assert declared.conditional == {"pywin32": 'sys_platform == "win32"'}  # type: ignore[attr-defined]
    assert declared.runtime == {"click": "8.1.7", "pywin32": "306"}  # type: ignore[attr-defined]


def test_utf16_requirements_with_bom_as_powershell_writes_it(tmp_path: Path) -> None:
    text = _requirements_for(CLEAN).replace("\n", "\r\n")
    shutil.copyfile(CLEAN, tmp_path / "pip-audit-report.json")
    (tmp_path / "requirements.txt").write_bytes(text.encode("utf-16"))  # BOM + UTF-16LE, as `pip freeze >` in PS 5
    code, report = run(tmp_path, "dependency_scan.covers-requirements")
    (finding,) = findings(report, "dependency_scan.covers-requirements")
    assert code == 0 and finding["status"] == "pass", json.dumps(report["findings"])[:1500]


def _osv(path: str, package: str, version: str) -> str:
    return json.dumps({"results": [{"source": {"path": path, "type": "lockfile"}, "packages": [{
        "package": {"name": package, "version": version, "ecosystem": "PyPI"},
        "vulnerabilities": [{"id": "GHSA-9wx4-h78v-vm56", "aliases": ["CVE-2024-35195"], "affected": [
            {"package": {"name": package, "ecosystem": "PyPI"},
             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.32.0"}]}]}]}],
        "groups": [{"ids": ["GHSA-9wx4-h78v-vm56"], "max_severity": "5.6"}]}]}]})


def test_osv_scanner_covers_the_files_it_names_as_sources(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.31.0\nclick==8.1.7\n", encoding="utf-8")
    (tmp_path / "osv-results.json").write_text(_osv("/ci/work/requirements.txt", "requests", "2.31.0"))
    _, report = run(tmp_path, "dependency_scan.covers-requirements")
    (finding,) = findings(report, "dependency_scan.covers-requirements")
    assert finding["status"] == "pass", json.dumps(finding)[:1500]


def test_clean_osv_scanner_report_cannot_show_coverage(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("click==8.1.7\n", encoding="utf-8")
    (tmp_path / "osv-results.json").write_text('{"results": []}')
    code, report = run(tmp_path, "dependency_scan.covers-requirements")
    (finding,) = findings(report, "dependency_scan.covers-requirements")
    assert code == 1 and finding["status"] == "fail" and "--all-packages" in json.dumps(finding)
