"""A report older than the current pins says so; safety's vulnerable_spec implies the fix; the human reports
show installed version, CVSS and fixed version (real reports from tests/data/scans, see PROVENANCE.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from aima_gate.collectors.scans.safety import fixed_from_spec, normalize
from tests.collectors.scans.helpers import SCANS, findings, repo_with, run
from tests.conftest import run_cli

MANY = SCANS / "pip-audit" / "pip_audit_requirements_many_vulns_multi_aliases.json"
SAFETY3 = SCANS / "safety" / "safety3_scan_json_schema3.0_in_markdown_report.md"
POLICY = "vulnerability.none-at-or-above-severity"


def test_a_pin_past_the_fix_makes_the_finding_a_stale_report(tmp_path: Path) -> None:
    root = repo_with(tmp_path, {"pip-audit-report.json": MANY}, {"requirements.txt": "requests==2.32.1\n"})
    _, report = run(root, POLICY)
    by_name = {f["subject"]["name"]: f for f in findings(report, POLICY)}
    stale = json.dumps(by_name["requests|CVE-2023-32681"])  # fixed in 2.31.0: 2.32.1 is past it
    assert "stale report" in stale and "requirements.txt:1 now pins 2.32.1" in stale
    assert "neither fixed nor waived" not in stale
    # fixed only in 2.32.4, in the pin's own 2.x series after 2.32.1: still vulnerable, not stale
    current = json.dumps(by_name["requests|CVE-2024-47081"])
    assert "neither fixed nor waived" in current and "stale report" not in current


def test_safety3_vulnerable_spec_implies_the_fixed_version() -> None:
    assert fixed_from_spec("<22.0.0") == ("22.0.0",)
    assert fixed_from_spec([">=1.0,<1.2.3", ">=2.0,<2.1"]) == ("1.2.3", "2.1")
    assert fixed_from_spec("<=1.2") == ()  # names a vulnerable version, not a fix
    text = SAFETY3.read_text(encoding="utf-8")
    doc = json.loads(re.search(r"```json\n(.*?)\n```", text, re.S).group(1))  # type: ignore[union-attr]
    report = normalize(doc, "safety.md")
    with_spec = [v for v in report.vulns if v.fixed_versions]
    assert with_spec and all(v.fixed_versions for v in report.vulns), [(v.id, v.fixed_versions) for v in report.vulns]


def test_text_markdown_and_sarif_show_installed_version_cvss_and_fix(tmp_path: Path) -> None:
    trivy = SCANS / "trivy" / "trivy_fs_pip_requirements_golden.json"
    root = repo_with(tmp_path, {"security/trivy-fs.json": trivy})
    out = {}
    for fmt in ("text", "markdown", "sarif"):
        proc = run_cli("check", str(root), "--today", "2026-11-24", "--policy", POLICY, "--format", fmt)
        out[fmt] = proc.stdout
    for fmt, text in out.items():
        assert re.search(r"found: \S+ [\d.]+: CVE-\d+-\d+ severity \w+ \(CVSS [\d.]+\); fixed in [\d.]+", text), fmt
