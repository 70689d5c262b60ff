"""One advisory from several scanners is one finding; waivers by advisory alias, package and version range;
stale advisory waivers; recorded outputs of safety 2.3.5 (real run), Dependency-Check and bandit."""

from __future__ import annotations

import json
from pathlib import Path

from aima_gate.core.clock import Clock
from tests.collectors.scans.helpers import SCANS, errors, findings, repo_with, run
from tests.conftest import run_cli

VULN = "vulnerability.none-at-or-above-severity"
TRIVY = SCANS / "trivy/trivy_fs_pip_requirements_golden.json"
SAFETY = SCANS / "recorded/safety_2.3.5_check_local_db_werkzeug.json"

PIP_AUDIT_WERKZEUG = json.dumps({"dependencies": [{"name": "Werkzeug", "version": "0.11", "vulns": [
    {"id": "PYSEC-2019-140", "fix_versions": ["0.15.3"], "aliases": ["CVE-2019-14806", "GHSA-gq9m-qvpx-68hc"]}]}],
    "fixes": []})


def _config(waiver: str) -> dict[str, str]:
    return {".aima-gate.yml": "waivers:\n" + waiver}


def test_same_advisory_from_three_scanners_is_one_finding(tmp_path: Path) -> None:
    root = repo_with(tmp_path, {"security/trivy-fs.json": TRIVY, "security/safety-report.json": SAFETY,
                                "security/pip-audit.json": PIP_AUDIT_WERKZEUG})
    code, report = run(root, VULN)
    assert code == 1
    werkzeug = [f for f in findings(report, VULN) if f["subject"]["name"].startswith("werkzeug|CVE-2019-14806")]
    assert len(werkzeug) == 1, [f["subject"]["name"] for f in findings(report, VULN)]
    summary = werkzeug[0]["evidence"][0]["actual"]
    assert "pip-audit, safety, trivy" in summary and "high (CVSS 7.5)" in summary and "0.15.3" in summary
    assert werkzeug[0]["subject"]["file"] == "security/safety-report.json"  # a precise line beats pip-audit's line 1


def test_waiver_by_alias_package_and_range(tmp_path: Path) -> None:
    waiver = ("  - {policy: %s, subject: '*', advisory: GHSA-gq9m-qvpx-68hc, package: Werkzeug,\n"
              "     versions: '<0.15.3', reason: debugger disabled in production builds, owner: sec-team,\n"
              "     expires: '2027-01-31'}\n").replace("%s", VULN)
    root = repo_with(tmp_path, {"security/trivy-fs.json": TRIVY, "security/safety-report.json": SAFETY,
                                "security/pip-audit.json": PIP_AUDIT_WERKZEUG}, _config(waiver))
    _, report = run(root, VULN)  # the GHSA alias is known from pip-audit only; it waives the merged finding
    by_name = {f["subject"]["name"]: f["status"] for f in findings(report, VULN)}
    assert by_name["werkzeug|CVE-2019-14806"] == "waived"
    assert by_name["werkzeug|CVE-2020-28724"] == "fail"  # the waiver names one advisory only


def test_waiver_outside_version_range_does_not_apply(tmp_path: Path) -> None:
    waiver = ("  - {policy: %s, subject: 'werkzeug|*', advisory: CVE-2019-14806, versions: '>=0.12',\n"
              "     reason: accepted for the 0.12 line, owner: sec-team, expires: '2027-01-31'}\n").replace("%s", VULN)
    root = repo_with(tmp_path, {"security/trivy-fs.json": TRIVY}, _config(waiver))
    _, report = run(root, VULN)
    statuses = {f["subject"]["name"]: f["status"] for f in findings(report, VULN)}
    assert statuses["werkzeug|CVE-2019-14806"] == "fail"
    unused = findings(report, "aima-gate.unused-waiver")
    assert unused and "stale" in unused[0]["evidence"][0]["message"]


def test_expired_waiver_fails_again(tmp_path: Path) -> None:
    waiver = ("  - {policy: %s, subject: '*', advisory: CVE-2019-14806, reason: was accepted until the upgrade,\n"
              "     owner: sec-team, expires: '2026-01-31'}\n").replace("%s", VULN)
    root = repo_with(tmp_path, {"security/trivy-fs.json": TRIVY}, _config(waiver))
    code, report = run(root, VULN)
    f = {f["subject"]["name"]: f for f in findings(report, VULN)}["werkzeug|CVE-2019-14806"]
    assert code == 1 and f["status"] == "fail" and "expired" in f["evidence"][-1]["message"]


def test_waiver_for_advisory_no_scan_reports_is_stale(tmp_path: Path) -> None:
    waiver = ("  - {policy: %s, subject: '*', advisory: CVE-2099-0001, reason: fixed upstream long ago,\n"
              "     owner: sec-team, expires: '2027-01-31'}\n").replace("%s", VULN)
    root = repo_with(tmp_path, {"security/trivy-fs.json": TRIVY}, _config(waiver))
    _, report = run(root, VULN)
    stale = findings(report, "aima-gate.unused-waiver")
    assert len(stale) == 1 and "CVE-2099-0001" in stale[0]["evidence"][0]["message"]


def test_bad_version_range_is_a_config_error(tmp_path: Path) -> None:
    waiver = ("  - {policy: %s, subject: '*', versions: 'around 2', reason: a reason of some length,\n"
              "     owner: o, expires: '2027-01-31'}\n").replace("%s", VULN)
    root = repo_with(tmp_path, {"security/trivy-fs.json": TRIVY}, _config(waiver))
    proc = run_cli("check", str(root), "--today", "2026-11-24")
    assert proc.returncode == 2 and ".aima-gate.yml:2" in proc.stderr and "PEP 440" in proc.stderr


def test_unknown_severity_treatment_is_a_parameter(tmp_path: Path) -> None:
    reports = {"security/pip-audit.json": PIP_AUDIT_WERKZEUG}
    root = repo_with(tmp_path / "default", reports)
    assert run(root, VULN)[0] == 1  # unknown fails by default
    root = repo_with(tmp_path / "lenient", reports, {".aima-gate.yml": (
        "parameters:\n  vulnerability_unknown_severity_fails: false\n")})
    code, report = run(root, VULN)
    assert code == 0, report
    root = repo_with(tmp_path / "threshold", {"security/trivy-fs.json": TRIVY}, {".aima-gate.yml": (
        "parameters:\n  vulnerability_min_severity: critical\n")})
    assert run(root, VULN)[0] == 0  # high and medium are below critical


def test_development_only_dependency_is_not_applicable(tmp_path: Path) -> None:
    extra = {"requirements.txt": "click==8.0.0\n", "requirements-dev.txt": "werkzeug==0.11\n"}
    root = repo_with(tmp_path / "undeclared", {"security/trivy-fs.json": TRIVY}, extra)
    _, report = run(root, VULN)
    assert {f["status"] for f in findings(report, VULN)} == {"fail"}  # the file name alone declares nothing
    extra[".aima-gate.yml"] = ("artifacts:\n  dependency_scan:\n    development:\n"
                               "      files: [requirements-dev.txt]\n")
    root = repo_with(tmp_path / "declared", {"security/trivy-fs.json": TRIVY}, extra)
    _, report = run(root, VULN)
    mine = findings(report, VULN)
    assert {f["status"] for f in mine} == {"not_applicable"}
    narrowing = report["scope"]["narrowings"][0]
    assert (narrowing["setting"], narrowing["line"], narrowing["items"]) == (
        "artifacts.dependency_scan.development", 3, ["file requirements-dev.txt"])


def test_dependency_check_and_bandit_recorded(tmp_path: Path) -> None:
    root = repo_with(tmp_path, {
        "security/dependency-check-report.json": SCANS / "recorded/dependency_check_template_pypi_requests.json",
        "security/bandit.json": SCANS / "recorded/bandit/bandit_1.9.4_src_app.json",
        "src/app.py": SCANS / "recorded/bandit/app.py"})
    code, report = run(root, VULN, "sast_report.no-high-severity-issues")
    assert code == 1 and not errors(report)
    vulns = {f["subject"]["name"] for f in findings(report, VULN) if f["status"] == "fail"}
    assert vulns == {"requests|CVE-2023-32681", "requests|sonatype-2024-0001"}
    sast = findings(report, "sast_report.no-high-severity-issues")[0]
    assert sast["status"] == "fail"
    assert {(e["file"], e["line"]) for e in sast["evidence"]} == {("src/app.py", 6), ("src/app.py", 10)}


def test_bandit_issue_outside_the_repository_is_an_error(tmp_path: Path) -> None:
    root = repo_with(tmp_path, {"security/bandit.json": SCANS / "recorded/bandit/bandit_1.9.4_src_app.json"})
    code, report = run(root, "sast_report.no-high-severity-issues")
    assert code == 2
    assert any("not a file in the repository" in e["evidence"][0]["message"] for e in errors(report))


def test_not_bandit_is_an_error(tmp_path: Path) -> None:
    root = repo_with(tmp_path, {"security/bandit.json": '{"results": []}'})
    code, report = run(root, "sast_report.no-high-severity-issues")
    assert code == 2 and "not a bandit JSON report" in json.dumps(errors(report))


def test_banner_around_json_is_tolerated(tmp_path: Path) -> None:
    banner = "+" + "=" * 40 + "+\n DEPRECATED: this command (`check`) has been DEPRECATED\n+" + "=" * 40 + "+\n"
    root = repo_with(tmp_path, {"security/safety-report.json": banner + SAFETY.read_text() + "\n" + banner},
                     {"requirements.txt": "click==8.0.0\nwerkzeug==0.11\n"})
    code, report = run(root, "dependency_scan.covers-requirements", VULN)
    assert not errors(report) and code == 1
    assert findings(report, "dependency_scan.covers-requirements")[0]["status"] == "pass"


def test_two_documents_in_one_file_is_an_error(tmp_path: Path) -> None:
    root = repo_with(tmp_path, {"security/safety-report.json": SAFETY.read_text() + "\n" + SAFETY.read_text()})
    code, report = run(root, VULN)
    assert code == 2 and "more than one JSON document" in json.dumps(errors(report))


def test_normalized_shapes_match_the_schemas(tmp_path: Path) -> None:
    """The schemas are the boundary: every subject of the three kinds validates against them."""
    import jsonschema

    from aima_gate.config.repo_config import Config
    from aima_gate.pipeline.runner import collect
    from aima_gate.safeio.repo import Repo
    from tests.conftest import REPO_ROOT, TODAY

    root = repo_with(tmp_path, {
        "security/trivy-fs.json": TRIVY, "security/safety-report.json": SAFETY,
        "security/pip-audit.json": PIP_AUDIT_WERKZEUG,
        "security/osv.json": SCANS / "osv-scanner/osv_scanner_repo_fixture_results_groups_no_max_severity.json",
        "security/dependency-check-report.json": SCANS / "recorded/dependency_check_template_pypi_requests.json",
        # an image report with vendored copies (target, locations, vendored_in) and a CycloneDX vulnerability BOM
        "security/trivy-image.json": REPO_ROOT / "tests/realworld/repos/trivy-image-vendored-mlops/repo/trivy.json",
        "security/pip-audit-cdx.json":
            SCANS / "recorded/pip_audit_2.10.1_cyclonedx_json_formatter_requests_jinja2.json",
        "security/bandit.json": SCANS / "recorded/bandit/bandit_1.9.4_src_app.json",
        "src/app.py": SCANS / "recorded/bandit/app.py"}, {"requirements.txt": "werkzeug==0.11\n"})
    artifacts, errs = collect(Repo(root), Config(file=None), ["dependency_scan", "sast_report", "vulnerability"],
                              Clock.at(TODAY), {})
    assert not errs
    dep = json.loads((REPO_ROOT / "schemas/dependency-scan.schema.json").read_text())
    sast = json.loads((REPO_ROOT / "schemas/sast-report.schema.json").read_text())
    schemas = {"dependency_scan": dep, "vulnerability": {**dep, **dep["$defs"]["vulnerability"]},
               "sast_report": sast, "sast_issue": {**sast, **sast["$defs"]["issue"]}}
    kinds = set()
    for art in artifacts:
        jsonschema.validate(json.loads(json.dumps(dict(art.data))), schemas[art.kind])
        kinds.add(art.kind)
    assert kinds == set(schemas)
