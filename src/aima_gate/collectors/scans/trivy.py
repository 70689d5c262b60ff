"""Trivy ``fs|image|repo --format json`` (SchemaVersion 2); the pre-0.20 bare list of results is read too.

``Vulnerabilities`` is absent (not ``[]``) for a clean target and ``Results`` may be absent; ``FixedVersion`` may
be empty or a comma-separated list; severity comes from the CVSS score of ``SeveritySource`` (else NVD, else the
highest score), then from ``Severity`` unless it is ``UNKNOWN``. A shields.io badge (``schemaVersion`` 1,
lowercase) is not a Trivy report.

What a finding is a finding about: a result whose ``Type`` is a lock/manifest analyzer (``pip``, ``pipenv``,
``poetry``, ``uv``, ...) has a file as ``Target``: its packages are the ones that file declares, and the file
is listed in ``manifests``. Installed packages (``python-pkg``: ``Target`` "Python" in an image, or the
METADATA path) are attributable to a requirement only when ``PkgPath`` is a top-level distribution of
``site-packages``; a copy vendored inside another package (``setuptools/_vendor/wheel-0.45.1.dist-info``) and
OS packages are not: they are reported with their path, kept out of ``packages`` (they neither cover nor
outdate a declared requirement), and no pin can make them look stale. An image or other non-file artifact is
named in ``target``, not in ``manifests``.
"""

from __future__ import annotations

from typing import Any

from aima_gate.collectors.scans import ScanReport, Vuln, canonical, need, strings, text
from aima_gate.collectors.scans.severity import from_score, from_word, number

# Trivy analyzers that read installed packages (metadata files), not a lock/manifest file
_INSTALLED = frozenset({"python-pkg", "conda-pkg", "node-pkg", "gemspec", "jar", "gobinary", "rustbinary",
                        "dotnet-core", "packagist"})
_OS = frozenset({"alpine", "alma", "amazon", "azurelinux", "bottlerocket", "cbl-mariner", "centos", "chainguard",
                 "debian", "echo", "fedora", "minimos", "opensuse", "opensuse.leap", "opensuse.tumbleweed",
                 "oracle", "photon", "redhat", "rocky", "sles", "suse", "ubuntu", "wolfi"})
_SITE = ("site-packages/", "dist-packages/")


def _is_manifest(res: dict[str, Any]) -> bool:
    """A result whose Target is a lock/manifest file (old reports have no Class: judged by Type)."""
    kind, cls = text(res.get("Type")) or "", text(res.get("Class"))
    if cls is not None:
        return cls == "lang-pkgs" and kind not in _INSTALLED
    return kind not in _INSTALLED and kind not in _OS


def _installed_at(path: str | None) -> tuple[bool, str | None]:
    """(top-level distribution, vendoring package) for an installed package's metadata path.

    ``.../site-packages/wheel-0.48.0.dist-info/METADATA`` is top-level; ``.../site-packages/setuptools/_vendor/
    wheel-0.45.1.dist-info/METADATA`` is a copy inside ``setuptools``; a path without site-packages proves
    neither."""
    norm = (path or "").replace("\\", "/")
    for marker in _SITE:
        at = norm.find(marker)  # the first: a site-packages nested inside a package is inside that package
        if at < 0:
            continue
        first = norm[at + len(marker):].partition("/")[0]
        if first.endswith((".dist-info", ".egg-info", ".egg")):
            return True, None
        return False, first or None
    return False, None


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
        manifest = _is_manifest(res)
        installed = text(res.get("Type")) == "python-pkg"
        if manifest:
            manifests.append(str(res["Target"]))
        pkgs = res.get("Packages")
        if pkgs is None:
            listed = False
        for pkg in pkgs or []:
            if isinstance(pkg, dict) and text(pkg.get("Name")):
                where = text(pkg.get("FilePath")) or text(pkg.get("PkgPath")) or text(res["Target"])
                if manifest or (installed and _installed_at(where)[0]):
                    packages[canonical(pkg["Name"])] = text(pkg.get("Version"))
        for j, v in enumerate(res.get("Vulnerabilities") or []):
            ptr = f"{base}/{i}/Vulnerabilities/{j}"
            need(isinstance(v, dict) and bool(text(v.get("VulnerabilityID"))) and bool(text(v.get("PkgName"))),
                 "a vulnerability without VulnerabilityID or PkgName", file, ptr)
            score = _score(v)
            severity = from_score(score) if score is not None else from_word(v.get("Severity"))
            fixed = tuple(f.strip() for f in (text(v.get("FixedVersion")) or "").split(",") if f.strip())
            name = canonical(v["PkgName"])
            version_seen = text(v.get("InstalledVersion"))
            path = text(v.get("PkgPath"))
            top, owner = _installed_at(path or str(res["Target"])) if installed else (False, None)
            attributable = manifest or top
            if attributable:
                packages.setdefault(name, version_seen)
            vulns.append(Vuln(name, version_seen, str(v["VulnerabilityID"]).strip(), strings(v.get("VendorIDs")),
                              severity, score, fixed, False, ptr,
                              path or (str(res["Target"]) if manifest else None), attributable, owner))
    pointers = {"scan_time": "/CreatedAt", "tool_version": "/Trivy/Version"} if base else {}
    kind, artifact = (text(doc.get("ArtifactType")), text(doc.get("ArtifactName"))) if base else (None, None)
    target = {"type": kind, "name": artifact} if kind and artifact else None
    return ScanReport("trivy", version, fmt, stamp, manifests, listed, packages, vulns, pointers, target=target)
