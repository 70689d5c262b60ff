"""CycloneDX JSON with a ``vulnerabilities`` array: ``pip-audit -f cyclonedx-json`` (CycloneDX 1.4) and other
vulnerability BOMs (1.4-1.6), read as the CycloneDX specification defines them.

- Packages: ``components`` (nested ``components`` too) by ``bom-ref``; a BOM lists its whole inventory, and
  pip-audit writes one component per audited dependency (skipped ones are left out, so they count as missing).
- Vulnerabilities: each ``vulnerabilities[]`` entry applies to every component its ``affects[].ref`` names; a
  ref that names no component of this BOM (a BOM-Link into another document) is an error: the package it is
  about is unknown, and dropping it would hide a vulnerability.
- Severity: the highest CVSS score among ``ratings`` (``score``, else the scored ``vector``), else the highest
  ``severity`` word; none (pip-audit writes no ratings) is ``unknown``, never low.
- Fixed versions: ``affects[].versions[]`` entries with ``status: unaffected`` and a single ``version`` above
  the installed one (a lower unaffected version predates the flaw; ranges are not guessed at).
  ``recommendation`` is free text ("Upgrade") and is not read as a version.
- A VEX ``analysis.state`` of ``not_affected``/``false_positive``/``resolved`` is a scanner-side ignore:
  recorded, but only an aima-gate waiver accepts a vulnerability.
- Tool: the producing tool named in ``metadata.tools`` (1.4 list, 1.5+ ``{components, services}``) when it is one
  the gate knows (pip-audit, trivy, ...), with its version; else ``cyclonedx`` (pip-audit 2.10 names no tool).
  No scan time: ``metadata.timestamp`` is when the BOM was serialized, which pip-audit does right after the
  audit, so it is taken as the scan time.

A BOM without a ``vulnerabilities`` key is an inventory (an SBOM), not a scan: nothing says it was checked for
vulnerabilities, so it is not read as a clean one (pip-audit omits the key when it finds nothing; its
``-f json`` output records a clean result explicitly).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aima_gate.collectors.scans import ScanReport, Vuln, canonical, need, strings, text
from aima_gate.collectors.scans.severity import RANK, best, from_score, from_word, number, vector_score

_KNOWN = {"pip-audit": "pip-audit", "trivy": "trivy", "osv-scanner": "osv-scanner", "safety": "safety",
          "dependency-check": "dependency-check"}
_IGNORED = frozenset({"not_affected", "false_positive", "resolved", "resolved_with_pedigree"})


def detect(doc: Any) -> bool:
    return (isinstance(doc, dict) and doc.get("bomFormat") == "CycloneDX" and "specVersion" in doc
            and "vulnerabilities" in doc)


def _components(items: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for i, comp in enumerate(items if isinstance(items, list) else []):
        if isinstance(comp, dict):
            yield f"{pointer}/{i}", comp
            yield from _components(comp.get("components"), f"{pointer}/{i}/components")


def _tool(metadata: dict[str, Any]) -> tuple[str, str | None]:
    raw = metadata.get("tools")
    entries = raw if isinstance(raw, list) else \
        [*(raw.get("components") or []), *(raw.get("services") or [])] if isinstance(raw, dict) else []
    for entry in entries:
        name = text(entry.get("name")) if isinstance(entry, dict) else None
        if name and name.lower() in _KNOWN:
            return _KNOWN[name.lower()], text(entry.get("version"))
    return "cyclonedx", None


def _severity(ratings: Any) -> tuple[str, float | None]:
    rows = [r for r in ratings if isinstance(r, dict)] if isinstance(ratings, list) else []
    score = best([number(r.get("score")) if number(r.get("score")) is not None else vector_score(r.get("vector"))
                  for r in rows if str(r.get("method", "")).upper().startswith("CVSS") or "vector" in r
                  or "score" in r])
    if score is not None:
        return from_score(score), score
    words = [from_word(r.get("severity")) for r in rows]
    return max(words, key=lambda w: RANK[w], default="unknown"), None


def _fixed(affect: dict[str, Any], installed: str | None) -> tuple[str, ...]:
    from packaging.version import InvalidVersion, Version

    out = []
    for entry in affect.get("versions") or []:
        version = text(entry.get("version")) if isinstance(entry, dict) else None
        if not version or entry.get("status") != "unaffected" or installed is None:
            continue
        try:
            if Version(version) > Version(installed):
                out.append(version)
        except InvalidVersion:
            continue
    return tuple(out)


def normalize(doc: dict[str, Any], file: str) -> ScanReport:
    spec = text(doc.get("specVersion")) or "?"
    need(spec.startswith("1.") and spec not in ("1.0", "1.1", "1.2", "1.3"),
         f"CycloneDX {spec} has no vulnerabilities (1.4 and later do)", file, "/specVersion")
    listed = isinstance(doc.get("components"), list)
    by_ref: dict[str, tuple[str, str | None]] = {}
    packages: dict[str, str | None] = {}
    for ptr, comp in _components(doc.get("components"), "/components"):
        name = text(comp.get("name"))
        need(name is not None, "a component without name", file, ptr)
        version = text(comp.get("version"))
        if comp.get("type", "library") in ("library", "framework"):
            packages[canonical(str(name))] = version
        ref = text(comp.get("bom-ref"))
        if ref:
            by_ref[ref] = (canonical(str(name)), version)
    raw_metadata = doc.get("metadata")
    metadata: dict[str, Any] = raw_metadata if isinstance(raw_metadata, dict) else {}
    tool, version = _tool(metadata)
    entries = doc["vulnerabilities"]
    need(isinstance(entries, list), "vulnerabilities is not a list", file, "/vulnerabilities")
    vulns = []
    for i, v in enumerate(entries):
        ptr = f"/vulnerabilities/{i}"
        need(isinstance(v, dict) and bool(text(v.get("id"))), "a vulnerability without id", file, ptr)
        affects = v.get("affects")
        need(isinstance(affects, list) and bool(affects), "a vulnerability that affects no component", file, ptr)
        severity, score = _severity(v.get("ratings"))
        analysis = v.get("analysis")
        ignored = isinstance(analysis, dict) and analysis.get("state") in _IGNORED
        aliases = strings([r.get("id") for r in v.get("references") or [] if isinstance(r, dict)])
        for j, affect in enumerate(affects):
            ref = text(affect.get("ref")) if isinstance(affect, dict) else None
            need(ref is not None and ref in by_ref, f"affects ref {ref!r} names no component of this BOM", file,
                 f"{ptr}/affects/{j}")
            name, installed = by_ref[str(ref)]
            vulns.append(Vuln(name, installed, str(v["id"]).strip(), aliases, severity, score,
                              _fixed(affect, installed), ignored, ptr))
    pointers = {"scan_time": "/metadata/timestamp"}
    return ScanReport(tool, version, f"cyclonedx-{spec}-json", text(metadata.get("timestamp")), [], listed,
                      packages, vulns, pointers, states_fixes=False)
