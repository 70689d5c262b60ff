"""CycloneDX vulnerability BOMs (``pip-audit -f cyclonedx-json``), read as CycloneDX defines them.

Samples: the corpus file tests/realworld/repos/mlsec-lab-sigstore-bundle/repo/output/sbom-pip-audit.json (real,
CycloneDX 1.4, 15 vulnerabilities in 7 packages, no ratings) and tests/data/scans/recorded (PROVENANCE.md). The
formatter sample was made with pip-audit 2.10.1's own code, as this machine has no network for its database::

    from pip_audit._format.cyclonedx import CycloneDxFormat
    print(CycloneDxFormat(inner_format=CycloneDxFormat.InnerFormat.Json).format(results, []))
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aima_gate.collectors.scans import normalize
from aima_gate.collectors.scans.documents import parse_text
from aima_gate.core.errors import ArtifactError
from tests.collectors.scans.helpers import SCANS, errors, findings, repo_with, run
from tests.conftest import REPO_ROOT

CORPUS = REPO_ROOT / "tests/realworld/repos/mlsec-lab-sigstore-bundle/repo/output/sbom-pip-audit.json"
FORMATTER = SCANS / "recorded/pip_audit_2.10.1_cyclonedx_json_formatter_requests_jinja2.json"
NO_VULNS_KEY = SCANS / "recorded/pip_audit_2.10.1_cyclonedx_json_all_skipped_no_vulnerabilities_key.json"
POLICY = "vulnerability.none-at-or-above-severity"


def _read(text: str) -> Any:
    return normalize(parse_text(text, "bom.json"), "bom.json")


def test_corpus_bom_has_15_vulnerabilities_in_7_packages_of_unknown_severity() -> None:
    report = _read(CORPUS.read_text(encoding="utf-8"))
    assert (report.tool, report.tool_version, report.format) == ("cyclonedx", None, "cyclonedx-1.4-json")
    assert report.scan_time == "2026-05-25T20:39:01.988768+00:00"
    assert len(report.packages) == 177 and report.packages_listed
    assert len(report.vulns) == 15 and {v.severity for v in report.vulns} == {"unknown"}
    by_package: dict[str, set[str]] = {}
    for v in report.vulns:
        by_package.setdefault(f"{v.package} {v.installed_version}", set()).add(v.id)
    assert by_package == {
        "gitpython 3.1.46": {"CVE-2026-42215", "CVE-2026-42284", "CVE-2026-44244", "GHSA-mv93-w799-cj2w"},
        "mako 1.3.11": {"CVE-2026-44307"}, "idna 3.11": {"CVE-2026-45409"},
        "mlflow 3.10.0": {"CVE-2026-0545", "CVE-2026-2652", "PYSEC-2026-93", "PYSEC-2026-94"},
        "pip 26.0.1": {"CVE-2026-3219", "CVE-2026-6357"}, "starlette 1.0.0": {"PYSEC-2026-161"},
        "urllib3 2.6.3": {"PYSEC-2026-141", "PYSEC-2026-142"}}
    assert all(v.fixed_versions == () for v in report.vulns)  # "Upgrade" is text, not a version


def test_corpus_bom_through_the_cli_fails_closed_on_unknown_severity(tmp_path: Path) -> None:
    root = repo_with(tmp_path, {"output/sbom-pip-audit.json": CORPUS})
    code, report = run(root, POLICY)
    assert code == 1 and not errors(report), report
    found = findings(report, POLICY)
    assert len(found) == 15 and all(f["status"] == "fail" for f in found)
    text = json.dumps(found)
    assert "severity unknown" in text and "no fixed version published" not in text
    assert "the report names no fixed version" in text


def test_pip_audit_formatter_output() -> None:
    report = _read(FORMATTER.read_text(encoding="utf-8"))
    assert sorted(report.packages) == ["click", "jinja2", "requests"]  # the skipped private-pkg is left out
    assert {(v.package, v.id, v.severity) for v in report.vulns} == {
        ("requests", "PYSEC-2023-74", "unknown"), ("requests", "GHSA-9wx4-h78v-vm56", "unknown"),
        ("jinja2", "GHSA-h5c8-rqwp-cp95", "unknown")}


def test_bom_without_vulnerabilities_is_not_a_clean_scan(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="without a vulnerabilities array"):
        _read(NO_VULNS_KEY.read_text(encoding="utf-8"))
    root = repo_with(tmp_path, {"pip-audit-sbom.json": NO_VULNS_KEY})
    code, report = run(root, "dependency_scan.covers-requirements")
    assert code == 2 and "without a vulnerabilities array" in json.dumps(errors(report))


def _bom(vuln: dict[str, Any], tools: Any = None) -> str:
    comps = [{"bom-ref": "pkg:pypi/requests@2.25.0", "type": "library", "name": "requests", "version": "2.25.0",
              "components": [{"bom-ref": "inner", "type": "library", "name": "idna", "version": "2.10"}]}]
    meta: dict[str, Any] = {"timestamp": "2026-11-20T10:00:00Z"}
    if tools is not None:
        meta["tools"] = tools
    return json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "metadata": meta,
                       "components": comps, "vulnerabilities": [vuln]})


def test_ratings_fixes_nested_components_vex_and_tools() -> None:
    vuln = {"id": "CVE-2023-32681", "references": [{"id": "GHSA-j8r2-6x86-q33q"}],
            "ratings": [{"source": {"name": "nvd"}, "score": 6.1, "severity": "medium", "method": "CVSSv31"},
                        {"source": {"name": "ghsa"}, "severity": "high"}],
            "analysis": {"state": "not_affected"},
            "affects": [{"ref": "pkg:pypi/requests@2.25.0", "versions": [
                {"version": "2.0.0", "status": "unaffected"}, {"version": "2.31.0", "status": "unaffected"}]},
                {"ref": "inner"}]}
    tools = {"components": [{"type": "application", "name": "pip-audit", "version": "2.10.1"}]}
    report = _read(_bom(vuln, tools))
    assert (report.tool, report.tool_version, report.format) == ("pip-audit", "2.10.1", "cyclonedx-1.5-json")
    requests, idna = report.vulns
    assert (requests.package, requests.severity, requests.cvss_score) == ("requests", "medium", 6.1)
    assert requests.fixed_versions == ("2.31.0",)  # 2.0.0 is unaffected but older: it predates the flaw
    assert requests.aliases == ("GHSA-j8r2-6x86-q33q",) and requests.ignored_by_scanner
    assert (idna.package, idna.installed_version) == ("idna", "2.10")
    worded = _read(_bom({"id": "X-1", "ratings": [{"severity": "critical"}], "affects": [{"ref": "inner"}]},
                        [{"vendor": "x", "name": "some-sbom-tool", "version": "9"}]))
    assert (worded.tool, worded.tool_version, worded.vulns[0].severity) == ("cyclonedx", None, "critical")


def test_a_ref_to_no_component_is_an_error() -> None:
    with pytest.raises(ArtifactError, match="names no component"):
        _read(_bom({"id": "X-1", "affects": [{"ref": "urn:cdx:other/1#x"}]}))
