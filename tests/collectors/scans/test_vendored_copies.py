"""A pin supersedes a scanned version only when the report shows the scanned copy is the declared one.

Corpus: tests/realworld/repos/trivy-image-vendored-mlops (a real Trivy image report whose two HIGH findings are
copies of jaraco.context and wheel vendored inside setuptools, beside a requirements.txt pinning newer
top-level versions; see its facts.yaml). Re-running Trivy gives the same findings, so no staleness is claimed.
"""

from __future__ import annotations

import json
from pathlib import Path

from aima_gate.collectors.scans import normalize
from aima_gate.collectors.scans.documents import parse_text
from aima_gate.collectors.scans.trivy import _installed_at
from tests.collectors.scans.helpers import findings, repo_with, run
from tests.conftest import REPO_ROOT

CORPUS = REPO_ROOT / "tests/realworld/repos/trivy-image-vendored-mlops/repo"
POLICY = "vulnerability.none-at-or-above-severity"
JARACO = "usr/local/lib/python3.11/site-packages/setuptools/_vendor/jaraco.context-5.3.0.dist-info/METADATA"
WHEEL = "usr/local/lib/python3.11/site-packages/setuptools/_vendor/wheel-0.45.1.dist-info/METADATA"


def _image(pkg_path: str, version: str = "5.3.0") -> str:
    """A Trivy image report (SchemaVersion 2 shape of the corpus file) with one jaraco.context finding."""
    return json.dumps({"SchemaVersion": 2, "CreatedAt": "2026-11-20T10:00:00Z", "ArtifactName": "app:1",
                       "ArtifactType": "container_image", "Results": [
                           {"Target": "app:1 (debian 12.15)", "Class": "os-pkgs", "Type": "debian"},
                           {"Target": "Python", "Class": "lang-pkgs", "Type": "python-pkg", "Vulnerabilities": [
                               {"VulnerabilityID": "CVE-2026-23949", "PkgName": "jaraco.context", "PkgPath": pkg_path,
                                "InstalledVersion": version, "FixedVersion": "6.1.0", "Severity": "HIGH"}]}]})


def test_site_packages_paths() -> None:
    assert _installed_at(JARACO) == (False, "setuptools")
    assert _installed_at("usr/local/lib/python3.11/site-packages/wheel-0.48.0.dist-info/METADATA") == (True, None)
    assert _installed_at("venv\\Lib\\site-packages\\wheel-0.48.0.dist-info\\METADATA") == (True, None)
    assert _installed_at("Python") == (False, None)  # no path: nothing shows it is the declared distribution


def test_corpus_report_reads_as_written() -> None:
    report = normalize(parse_text((CORPUS / "trivy.json").read_text(encoding="utf-8"), "trivy.json"), "trivy.json")
    assert report.manifests == []  # "local/mlops:verify (debian 12.15)" and "Python" are not files
    assert report.target == {"type": "container_image", "name": "local/mlops:verify"}
    assert report.packages == {}  # vendored copies neither cover nor outdate a requirement
    got = {(v.package, v.installed_version, v.id, v.severity, v.fixed_versions, v.location, v.attributable,
            v.vendored_in) for v in report.vulns}
    assert got == {("jaraco-context", "5.3.0", "CVE-2026-23949", "high", ("6.1.0",), JARACO, False, "setuptools"),
                   ("wheel", "0.45.1", "CVE-2026-24049", "high", ("0.46.2",), WHEEL, False, "setuptools")}


def test_corpus_claims_no_staleness_and_shows_the_copy(tmp_path: Path) -> None:
    _, report = run(CORPUS)
    scans = [f for f in report["findings"] if f["subject"].get("kind") in ("vulnerability", "dependency_scan")]
    assert scans and all(f["status"] == "fail" for f in scans)  # the corpus has no model: that error is not ours
    text = json.dumps(scans)
    for claim in ("stale report", "stale:", "now pins", "predates", "re-run the scanner on the current"):
        assert claim not in text, claim
    vulns = {f["subject"]["name"]: f for f in findings(report, POLICY)}
    assert set(vulns) == {"jaraco-context|CVE-2026-23949", "wheel|CVE-2026-24049"}
    for name, path in (("jaraco-context|CVE-2026-23949", JARACO), ("wheel|CVE-2026-24049", WHEEL)):
        finding = vulns[name]
        assert finding["status"] == "fail"
        assert "neither fixed nor waived" in finding["evidence"][0]["message"]
        summary = finding["evidence"][0]["actual"]
        shown = path[path.index("site-packages/"):].removesuffix("/METADATA")
        assert f"vendored copy {shown}: upgrade or remove setuptools" in summary, summary
    (fresh,) = findings(report, "dependency_scan.fresh")
    assert "other versions than" not in json.dumps(fresh)  # outdated_packages is empty
    (covers,) = findings(report, "dependency_scan.covers-requirements")
    assert "Trivy --list-all-pkgs" in json.dumps(covers)


def test_vulnerability_data_keeps_the_whole_pkg_path(tmp_path: Path) -> None:
    root = repo_with(tmp_path, {"trivy.json": _image(JARACO)}, {"requirements.txt": "jaraco.context==6.1.2\n"})
    _, report = run(root, POLICY)
    (finding,) = findings(report, POLICY)
    assert finding["status"] == "fail" and "stale report" not in json.dumps(finding)
    from aima_gate.collectors.scans.artifacts import merge
    from aima_gate.collectors.scans.parsed import Parsed

    parsed = Parsed("trivy.json", "trivy.json", normalize(parse_text(_image(JARACO), "t"), "t"))
    (art,) = merge([parsed], None)
    assert art.data["locations"] == [JARACO] and art.data["vendored_in"] == ["setuptools"]
    assert "fixed_by_current_pin" not in art.data


def test_top_level_distribution_in_an_image_can_still_be_stale(tmp_path: Path) -> None:
    top = "usr/local/lib/python3.11/site-packages/jaraco.context-5.3.0.dist-info/METADATA"
    root = repo_with(tmp_path, {"trivy.json": _image(top)}, {"requirements.txt": "jaraco.context==6.1.2\n"})
    _, report = run(root, POLICY, "dependency_scan.fresh")
    (finding,) = findings(report, POLICY)
    assert "stale report" in json.dumps(finding) and "requirements.txt:1 now pins 6.1.2" in json.dumps(finding)
    (fresh,) = findings(report, "dependency_scan.fresh")
    assert "other versions than the requirement/lock files now pin" in json.dumps(fresh)
