"""Trivy ``fs|image|repo --format json`` (SchemaVersion 2); the pre-0.20 bare list of results is read too.

``Vulnerabilities`` is absent (not ``[]``) for a clean target and ``Results`` may be absent; ``FixedVersion`` may
be empty or a comma-separated list; severity comes from the CVSS score of ``SeveritySource`` (else NVD, else the
highest score), then from ``Severity`` unless it is ``UNKNOWN``. A shields.io badge (``schemaVersion`` 1,
lowercase) is not a Trivy report.
"""

from __future__ import annotations

from typing import Any

from aima_gate.collectors.scans import ScanReport, Vuln, canonical, need, strings, text
from aima_gate.collectors.scans.severity import from_score, from_word, number


def _result_like(item: Any) -> bool:
    return isinstance(item, dict) and "Target" in item


def detect(doc: Any) -> bool:
    if isinstance(doc, list):
        return bool(doc) and all(_result_like(r) for r in doc)
    return isinstance(doc, dict) and "SchemaVersion" in doc and ("ArtifactName" in doc or "Results" in doc)


def _score(v: dict[str, Any]) -> float | None:
    raw = v.get("CVSS")
    cvss: dict[str, Any] = raw if isinstance(raw, dict) else {}
    order = [text(v.get("SeveritySource")), "nvd", *sorted(cvss)]
    for source in order:
        block = cvss.get(source) if source else None
        if isinstance(block, dict):
            score = number(block.get("V3Score")) or number(block.get("V40Score"))
            if score is not None:
                return score
    return None


def normalize(doc: Any, file: str) -> ScanReport:
    if isinstance(doc, list):
        results, base, fmt, stamp, version = doc, "", "trivy-legacy-list", None, None
    else:
        need(doc["SchemaVersion"] == 2, f"Trivy SchemaVersion {doc['SchemaVersion']!r} is not supported (2 is)",
             file, "/SchemaVersion")
        results = doc.get("Results") or []
        trivy: dict[str, Any] = doc["Trivy"] if isinstance(doc.get("Trivy"), dict) else {}
        base, fmt, stamp, version = "/Results", "trivy-json-2", text(doc.get("CreatedAt")), text(trivy.get("Version"))
    need(isinstance(results, list), "Results is not a list", file, base)
    packages: dict[str, str | None] = {}
    listed = bool(results)
    vulns = []
    manifests = []
    for i, res in enumerate(results):
        need(_result_like(res), "a result without Target", file, f"{base}/{i}")
        manifests.append(str(res["Target"]))
        pkgs = res.get("Packages")
        if pkgs is None:
            listed = False
        for pkg in pkgs or []:
            if isinstance(pkg, dict) and text(pkg.get("Name")):
                packages[canonical(pkg["Name"])] = text(pkg.get("Version"))
        for j, v in enumerate(res.get("Vulnerabilities") or []):
            ptr = f"{base}/{i}/Vulnerabilities/{j}"
            need(isinstance(v, dict) and bool(text(v.get("VulnerabilityID"))) and bool(text(v.get("PkgName"))),
                 "a vulnerability without VulnerabilityID or PkgName", file, ptr)
            score = _score(v)
            severity = from_score(score) if score is not None else from_word(v.get("Severity"))
            fixed = tuple(f.strip() for f in (text(v.get("FixedVersion")) or "").split(",") if f.strip())
            name = canonical(v["PkgName"])
            installed = text(v.get("InstalledVersion"))
            packages.setdefault(name, installed)
            vulns.append(Vuln(name, installed, str(v["VulnerabilityID"]).strip(), strings(v.get("VendorIDs")),
                              severity, score, fixed, False, ptr))
    pointers = {"scan_time": "/CreatedAt", "tool_version": "/Trivy/Version"} if base else {}
    return ScanReport("trivy", version, fmt, stamp, manifests, listed, packages, vulns, pointers)
