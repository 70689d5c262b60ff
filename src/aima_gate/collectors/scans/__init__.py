"""Scanner report adapters: read the real JSON of dependency scanners, detect the tool by content, normalize.

One small module per tool or format (``safety``, ``pip_audit``, ``trivy``, ``osv``, ``dependency_check``,
``cyclonedx`` for vulnerability BOMs such as ``pip-audit -f cyclonedx-json``), registered in the
plain dict :data:`DETECTORS` (name -> "module"). Each module has ``detect(doc) -> bool`` (by content only, never
by file name) and ``normalize(doc, ctx) -> ScanReport``. A document no detector claims is an error naming the
file: a text report saved as ``.json``, a shields.io badge named ``trivy-fs.json`` or an OSV-like shape that
osv-scanner never writes is not a scan, and the gate does not pretend it is.

Reading (``documents.py``): noise around the JSON (deprecation banners, Markdown fences, stderr lines) is
tolerated and recorded; files up to the repository's size bound are parsed whole (with line numbers);
bigger reports, up to ``artifacts.dependency_scan.max_report_bytes``, are parsed as a stream with bulky
free-text fields dropped, so memory stays bounded by what the gate keeps, not by the file size.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import LineIndex

DETECTORS: dict[str, str] = {
    # order matters only for speed: detectors are disjoint by construction (tested)
    "safety": "aima_gate.collectors.scans.safety",
    "pip-audit": "aima_gate.collectors.scans.pip_audit",
    "trivy": "aima_gate.collectors.scans.trivy",
    "osv-scanner": "aima_gate.collectors.scans.osv",
    "dependency-check": "aima_gate.collectors.scans.dependency_check",
    "cyclonedx": "aima_gate.collectors.scans.cyclonedx",
}

SEVERITIES = ("critical", "high", "medium", "low", "unknown")


@dataclass
class Vuln:
    """One (package, advisory) pair as one scanner reported it."""

    package: str
    installed_version: str | None
    id: str
    aliases: tuple[str, ...] = ()
    severity: str = "unknown"
    cvss_score: float | None = None
    fixed_versions: tuple[str, ...] = ()
    ignored_by_scanner: bool = False
    pointer: str = ""
    """JSON pointer of the entry in the source document (for line numbers)."""
    location: str | None = None
    """Where the scanner found this copy, as the report says (Trivy ``PkgPath``, else a lock-file target)."""
    attributable: bool = True
    """The report shows this copy is the distribution a requirement/lock file declares (a lock-file target, a
    top-level installed distribution). False for a copy vendored inside another package, an OS package or an
    installed package of unknown origin: no pin can be said to supersede it (no stale-report claim)."""
    vendored_in: str | None = None
    """The installed package directory that vendors this copy (``setuptools`` for ``setuptools/_vendor/...``)."""


@dataclass
class ScanReport:
    tool: str
    tool_version: str | None
    format: str
    scan_time: str | None
    manifests: list[str]
    packages_listed: bool
    """True when the report lists every package it scanned (not only the vulnerable ones)."""
    packages: dict[str, str | None]
    """Canonical package name -> version, as scanned."""
    vulns: list[Vuln]
    pointers: dict[str, str] = field(default_factory=dict)
    """Normalized field -> pointer in the source (scan_time, tool_version)."""
    scan_time_source: str | None = None
    """Where scan_time came from: ``report``, ``scanner-run`` or ``git-commit`` (see scans/git_time.py)."""
    states_fixes: bool = True
    """False when the format has no field for fixed versions (CycloneDX: its ``recommendation`` is free text), so
    an empty ``fixed_versions`` does not mean none is published."""
    target: dict[str, str] | None = None
    """What was scanned when it is not a file (``{"type": "container_image", "name": "app:1"}``, from Trivy's
    ``ArtifactType``/``ArtifactName``); ``manifests`` holds only files."""


@dataclass(frozen=True)
class Document:
    value: Any
    lines: LineIndex
    noise: Mapping[str, Any] | None
    streamed: bool


def canonical(name: str) -> str:
    from packaging.utils import canonicalize_name

    return str(canonicalize_name(name))


def text(value: Any) -> str | None:
    """A non-empty string, else None (reports use "", null and missing interchangeably)."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def strings(values: Any) -> tuple[str, ...]:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        return ()
    return tuple(dict.fromkeys(s for s in (text(v) for v in values) if s))


def need(cond: bool, what: str, file: str, pointer: str = "") -> None:
    if not cond:
        raise ArtifactError(f"unexpected report shape: {what}", file=file, pointer=pointer,
                            hint="regenerate the report with the scanner's JSON output option")


def detect(doc: Any, file: str) -> tuple[str, Any]:
    """(tool name, adapter module) for a parsed document, by content. Raises ArtifactError otherwise."""
    hits = []
    for name, module_name in DETECTORS.items():
        module = importlib.import_module(module_name)
        if module.detect(doc):
            hits.append((name, module))
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:  # pragma: no cover - detectors are disjoint (tested)
        raise ArtifactError(f"report matches several scanners: {', '.join(n for n, _ in hits)}", file=file)
    if isinstance(doc, dict) and doc.get("bomFormat") == "CycloneDX":
        raise ArtifactError("a CycloneDX BOM without a vulnerabilities array: an inventory (SBOM) that does not "
                            "say it was checked for vulnerabilities, so it is not read as a clean scan",
                            file=file, line=1, hint="pip-audit omits the array when it finds nothing: use "
                            "`pip-audit -f json`, which records a clean result explicitly")
    raise ArtifactError(f"not a recognized dependency-scan report ({describe(doc)})", file=file, line=1,
                        hint=f"expected the JSON output of one of: {', '.join(DETECTORS)}; the tool is detected "
                             "from the content, not the file name")


def describe(doc: Any) -> str:
    if isinstance(doc, dict):
        keys = ", ".join(sorted(map(str, doc))[:8])
        return f"a JSON object with keys {keys}" if keys else "an empty JSON object"
    if isinstance(doc, list):
        return f"a JSON list of {len(doc)} items"
    return f"a JSON {type(doc).__name__}"


def normalize(doc: Document, file: str) -> ScanReport:
    _, module = detect(doc.value, file)
    # A CVSS score outside 0-10 is an error at its line; the adapters would read it as "no score" and let the
    # report pick its own severity (collectors/plausibility.py).
    from aima_gate.collectors.plausibility import implausible_cvss_scores

    implausible = implausible_cvss_scores(doc.value, file, doc.lines)
    if implausible:
        raise implausible[0]
    report: ScanReport = module.normalize(doc.value, file)
    return report


def dedupe(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))
