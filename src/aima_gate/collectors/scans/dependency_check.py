"""OWASP Dependency-Check ``--format JSON`` (``reportSchema`` 1.1, template ``jsonReport.vsl``).

Python packages are identified by their ``pkg:pypi/name@version`` package URL; a dependency without one is
named by its ``fileName``. Severity: ``cvssv3.baseScore``, else ``cvssv2.score``, else the unscored
``severity`` word. Some releases' template writes the key as ``"baseSeverity>"``; both spellings are read.
Suppressed vulnerabilities are kept, marked ``ignored_by_scanner`` (only an aima-gate waiver accepts them).
"""

from __future__ import annotations

from typing import Any

from aima_gate.collectors.scans import ScanReport, Vuln, canonical, need, text
from aima_gate.collectors.scans.severity import best, from_score, from_word, number


def detect(doc: Any) -> bool:
    return (isinstance(doc, dict) and "reportSchema" in doc and isinstance(doc.get("scanInfo"), dict)
            and isinstance(doc.get("dependencies", []), list))


def _purl(dep: dict[str, Any]) -> tuple[str | None, str | None]:
    for pkg in dep.get("packages") or []:
        ident = text(pkg.get("id")) if isinstance(pkg, dict) else None
        if ident and ident.startswith("pkg:pypi/"):
            body = ident[len("pkg:pypi/"):].split("?")[0].split("#")[0]
            name, _, version = body.partition("@")
            return canonical(name), (version or None)
    return None, None


def _severity(v: dict[str, Any]) -> tuple[str, float | None]:
    v3: dict[str, Any] = v["cvssv3"] if isinstance(v.get("cvssv3"), dict) else {}
    v2: dict[str, Any] = v["cvssv2"] if isinstance(v.get("cvssv2"), dict) else {}
    score = best([number(v3.get("baseScore"))]) or number(v2.get("score"))
    if score is not None:
        return from_score(score), score
    for word in (v3.get("baseSeverity"), v3.get("baseSeverity>"), v.get("severity"), v2.get("severity")):
        if from_word(word) != "unknown":
            return from_word(word), None
    return "unknown", None


def normalize(doc: dict[str, Any], file: str) -> ScanReport:
    packages: dict[str, str | None] = {}
    vulns = []
    manifests = []
    for i, dep in enumerate(doc.get("dependencies") or []):
        need(isinstance(dep, dict), "a dependency is not an object", file, f"/dependencies/{i}")
        name, version = _purl(dep)
        if name is None:
            name = canonical(text(dep.get("fileName")) or f"dependency-{i}")
        packages[name] = version
        if text(dep.get("filePath")):
            manifests.append(str(dep["filePath"]))
        for key in ("vulnerabilities", "suppressedVulnerabilities"):
            for j, v in enumerate(dep.get(key) or []):
                ptr = f"/dependencies/{i}/{key}/{j}"
                need(isinstance(v, dict) and bool(text(v.get("name"))), "a vulnerability without name", file, ptr)
                severity, score = _severity(v)
                vulns.append(Vuln(name, version, str(v["name"]).strip(), (), severity, score, (),
                                  key == "suppressedVulnerabilities", ptr))
    info = doc["scanInfo"]
    project: dict[str, Any] = doc["projectInfo"] if isinstance(doc.get("projectInfo"), dict) else {}
    return ScanReport("dependency-check", text(info.get("engineVersion")), f"dependency-check-{doc['reportSchema']}",
                      text(project.get("reportDate")), sorted(set(manifests)), True, packages, vulns,
                      {"scan_time": "/projectInfo/reportDate", "tool_version": "/scanInfo/engineVersion"})
