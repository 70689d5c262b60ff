"""Every file of the four sample folders (copied from shared/samples): valid ones parse to the right counts and
severities, EDGE_/INVALID ones (and lookalikes) end in exit 2 with an error naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from aima_gate.collectors.scans import normalize
from aima_gate.collectors.scans.documents import parse_text
from tests.collectors.scans.helpers import SCANS, errors, repo_with, run

FOLDERS = ("safety", "pip-audit", "trivy", "osv-scanner")
# file -> (tool, tool_version, packages, packages_listed, vulnerabilities, {severity: count}, scan_time)
VALID = {
    "safety1_legacy_list_with_cve.json": ("safety", None, 1, False, 3, {"unknown": 3}, None),
    "safety2.4_check_json_v1_policy_file_no_remediation.json":
        ("safety", "2.4.0.dev", 1, True, 1, {"unknown": 1}, "2022-12-14T14:54:47"),
    "safety2_check_report_severity_null.json": ("safety", "2.0b1", 3, True, 1, {"unknown": 1}, "2022-04-30T08:16:30"),
    "safety3_scan_json_schema3.0_in_markdown_report.md":
        ("safety", "3.6.1", 4, True, 1, {"unknown": 1}, "2026-01-24T21:10:06.161925"),
    "pip_audit_2.10.1_clean_no_vulns.json": ("pip-audit", None, 32, True, 0, {}, None),
    "pip_audit_requirements_many_vulns_multi_aliases.json": ("pip-audit", None, 11, True, 27, {"unknown": 27}, None),
    "trivy_fs_pip_requirements_golden.json":
        ("trivy", None, 7, True, 2, {"high": 1, "medium": 1}, "2021-08-25T12:20:30.000000005Z"),
    "trivy_fs_pipenv_lock_golden_older_layout.json":
        ("trivy", None, 1, True, 2, {"high": 1, "medium": 1}, "2021-08-25T12:20:30.000000005Z"),
    "osv_scanner_repo_fixture_results_groups_no_max_severity.json":
        ("osv-scanner", None, 2, False, 3, {"high": 2, "unknown": 1}, None),
}
INVALID = {
    "safety2_check_report_INVALID_json_decode_error.json": "invalid JSON",
    "safety3_scan_text_output_misnamed_as_json.json": "not JSON: the file holds text",
    "EDGE_trivy-fs.json_is_a_shields_badge_not_trivy.json": "not a recognized dependency-scan report",
    "EDGE_osv-lookalike_flat_results_SAFETY_ids.json": "not a recognized dependency-scan report",
}
ALL = sorted(p for folder in FOLDERS for p in (SCANS / folder).iterdir())


def test_every_sample_is_classified() -> None:
    names = {p.name for p in ALL}
    assert names == set(VALID) | set(INVALID), "a sample file has no expectation in this test"
    assert all(("EDGE_" in n or "INVALID" in n or "misnamed" in n) for n in INVALID)


@pytest.mark.parametrize("path", [p for p in ALL if p.name in VALID], ids=lambda p: p.name)
def test_valid_sample_normalizes(path: Path) -> None:
    tool, version, packages, listed, count, severities, scan_time = VALID[path.name]
    report = normalize(parse_text(path.read_text(encoding="utf-8"), path.name), path.name)
    assert (report.tool, report.tool_version, report.scan_time) == (tool, version, scan_time)
    assert (len(report.packages), report.packages_listed, len(report.vulns)) == (packages, listed, count)
    seen: dict[str, int] = {}
    for v in report.vulns:
        seen[v.severity] = seen.get(v.severity, 0) + 1
    assert seen == severities
    assert all(v.id and v.package for v in report.vulns)


def test_sample_details() -> None:
    trivy = normalize(parse_text((SCANS / "trivy/trivy_fs_pip_requirements_golden.json").read_text(), "t"), "t")
    v = {x.id: x for x in trivy.vulns}["CVE-2019-14806"]
    assert (v.package, v.installed_version, v.severity, v.cvss_score, v.fixed_versions) == \
        ("werkzeug", "0.11", "high", 7.5, ("0.15.3",))
    osv = normalize(parse_text(
        (SCANS / "osv-scanner/osv_scanner_repo_fixture_results_groups_no_max_severity.json").read_text(), "o"), "o")
    by_id = {x.id: x for x in osv.vulns}
    assert by_id["GO-2021-0053"].severity == "unknown"  # no severity anywhere: unknown, never low
    assert by_id["GHSA-m5pq-gvj9-9vr8"].cvss_score == 7.5  # scored from the CVSS vector
    assert by_id["RUSTSEC-2022-0013"].fixed_versions == ("1.5.5",)
    safety = normalize(parse_text((SCANS / "safety/safety2_check_report_severity_null.json").read_text(), "s"), "s")
    # fixed_versions [""] names no fix, but vulnerable_spec "<0.2.0" implies it
    assert safety.vulns[0].id == "PYUP-25853" and safety.vulns[0].fixed_versions == ("0.2.0",)
    legacy = normalize(parse_text((SCANS / "safety/safety1_legacy_list_with_cve.json").read_text(), "l"), "l")
    assert [v.aliases for v in legacy.vulns] == [("CVE-2011-4136",), ("CVE-2011-4137",), ("CVE-2011-4138",)]


def test_markdown_wrapped_json_records_noise() -> None:
    doc = parse_text((SCANS / "safety/safety3_scan_json_schema3.0_in_markdown_report.md").read_text(), "r.md")
    assert doc.noise is not None and doc.noise["before_lines"] > 0 and doc.noise["after_lines"] > 0
    assert doc.lines.line_of("/meta/timestamp") == 22  # lines are the file's, not the fence's


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_each_sample_through_the_cli(tmp_path: Path, path: Path) -> None:
    rel = f"security/scans/{path.name}" if path.suffix == ".json" else "security/scans/safety-report.json"
    root = repo_with(tmp_path, {rel: path})
    code, report = run(root, "dependency_scan.covers-requirements")
    if path.name in INVALID:
        assert code == 2, report
        errs = [e for e in errors(report) if e["policy_id"] == "aima-gate.input-error"]
        assert errs and all(e["subject"]["file"] == rel for e in errs)
        assert INVALID[path.name] in errs[0]["evidence"][0]["message"]
    else:
        assert code in (0, 1) and not errors(report), report
