"""Normalized subjects: one ``dependency_scan`` per report (or scanner run), one ``vulnerability`` per package
and advisory merged across every report (shapes: schemas/dependency-scan.schema.json, docs/artifacts.md).

Merging: within one package, two reported entries are the same advisory when their id sets (id + aliases)
intersect, transitively (union-find), so CVE/GHSA/PYSEC/PYUP spellings of one advisory from two scanners are
one subject named ``<package>|<advisory>``; the advisory shown is the CVE id if any, else GHSA, else PYSEC,
else the smallest id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aima_gate.collectors.scans import SEVERITIES, ScanReport, Vuln
from aima_gate.collectors.scans.manifests import Declared
from aima_gate.collectors.scans.parsed import Parsed
from aima_gate.collectors.scans.severity import RANK, at_least
from aima_gate.core.model import Artifact, LineIndex

_PREFERRED = ("CVE-", "GHSA-", "PYSEC-")


def _vuln_line(parsed: Parsed, vuln: Vuln, declared: Declared | None) -> int:
    if parsed.source == "scanner" and declared is not None and vuln.package in declared.where:
        where_file, line = declared.where[vuln.package]
        if where_file == parsed.file:
            return line
    return parsed.lines.line_of(vuln.pointer) or 1


def _vuln_data(v: Vuln) -> dict[str, Any]:
    return {"package": v.package, "installed_version": v.installed_version, "id": v.id, "aliases": list(v.aliases),
            "severity": v.severity, "cvss_score": v.cvss_score, "fixed_versions": list(v.fixed_versions),
            "ignored_by_scanner": v.ignored_by_scanner, "location": v.location, "attributable": v.attributable}


def scan_artifact(parsed: Parsed, declared: Declared | None) -> Artifact:
    report: ScanReport = parsed.report  # type: ignore[assignment]
    counts = dict.fromkeys(SEVERITIES, 0)
    for v in report.vulns:
        counts[v.severity] += 1
    runtime = declared.runtime if declared else {}
    coverage, covered = _coverage(report, declared)
    conditional = declared.conditional if declared else {}
    absent = sorted(n for n in runtime if n not in covered)
    missing = [n for n in absent if n not in conditional]
    versions = declared.versions if declared else {}
    outdated = [{"name": n, "declared": pin, "scanned": report.packages[n]} for n, pin in sorted(runtime.items())
                if pin and n in report.packages and report.packages[n]
                and report.packages[n] not in versions.get(n, {pin})]
    data = {
        "tool": report.tool, "tool_version": report.tool_version, "format": report.format,
        "scan_time": report.scan_time,
        "scan_time_source": report.scan_time_source or ("scanner-run" if parsed.source == "scanner" else None),
        "manifests": report.manifests, "target": report.target, "source": parsed.source,
        "scanner": parsed.scanner, "noise": parsed.noise, "streamed": parsed.streamed,
        "packages_listed": report.packages_listed, "package_count": len(report.packages),
        "packages": [{"name": n, "version": v} for n, v in sorted(report.packages.items())],
        "vulnerability_count": len(report.vulns), "severity_counts": counts,
        "vulnerabilities": [_vuln_data(v) for v in report.vulns],
        "declared": {"files": declared.files if declared else [], "package_count": len(runtime)},
        "coverage": coverage, "covered_manifests": _covered_files(report, declared),
        "missing_packages": missing, "outdated_packages": outdated,
        # installed only where their environment marker holds: one scan runs on one platform (reported only)
        "missing_conditional_packages": [{"name": n, "marker": conditional[n]} for n in absent if n in conditional],
    }
    if report.scan_time is None:
        del data["scan_time"]  # missing, not null: "no scan time" fails freshness instead of erroring
    lines = {f"/vulnerabilities/{i}": _vuln_line(parsed, v, declared) for i, v in enumerate(report.vulns)}
    for field_name, ptr in report.pointers.items():
        line = parsed.lines.line_of(ptr) if parsed.source == "file" else None
        if line:
            lines[f"/{field_name}"] = line
    return Artifact(kind="dependency_scan", name=parsed.name, file=parsed.file, data=data, line=1,
                    lines=LineIndex(lines))


def _fixed_by_pin(package: str, scanned: list[str], fixed: list[str],
                  declared: Declared | None) -> dict[str, Any] | None:
    """The current pin, when it differs from every scanned version and is at or past a fixed version.

    Conservative about release branches: a pin is taken as fixed by the highest fixed version at or below it,
    unless a later fixed version exists in the pin's own major series (then the pin's branch is fixed later)."""
    from packaging.version import InvalidVersion, Version

    pin = declared.runtime.get(package) if declared else None
    if not pin or not fixed or pin in scanned or declared is None:
        return None
    try:
        p = Version(pin)
        fixes = sorted(Version(f) for f in fixed)
    except InvalidVersion:
        return None
    below = [f for f in fixes if f <= p]
    above_same_series = [f for f in fixes if f > p and f.release[:1] == p.release[:1]]
    if not below or above_same_series:
        return None
    where_file, line = declared.where.get(package, ("", 0))
    return {"file": where_file, "line": line, "pin": pin, "fixed_in": str(below[-1])}


def _covered_files(report: ScanReport, declared: Declared | None) -> list[str]:
    """Declared runtime files the report says it scanned as a whole (osv-scanner ``results[].source.path``)."""
    if declared is None:
        return []
    seen = [m.replace("\\", "/") for m in report.manifests]
    return [f for f in declared.by_file if any(m == f or m.endswith("/" + f) for m in seen)]


def _coverage(report: ScanReport, declared: Declared | None) -> tuple[str, set[str]]:
    """How the report shows what it scanned, and the packages that covers.

    ``packages``: it lists every package it scanned (pip-audit, Trivy with all packages, safety 2/3, osv-scanner
    ``--all-packages``); ``manifests``: it lists only vulnerable packages but names the requirement/lock files
    it scanned whole (osv-scanner lists a file only when something in it is vulnerable); ``none``: neither (a
    clean osv-scanner report without ``--all-packages``, safety 1.x), so it cannot show coverage."""
    covered = set(report.packages) if report.packages_listed else set()
    files = _covered_files(report, declared)
    for f in files:
        covered |= declared.by_file.get(f, set()) if declared else set()
    kind = "packages" if report.packages_listed else "manifests" if files else "none"
    return kind, covered


def _advisory(ids: Iterable[str]) -> str:
    def key(i: str) -> tuple[int, str]:
        upper = i.upper()
        rank = next((n for n, p in enumerate(_PREFERRED) if upper.startswith(p)), len(_PREFERRED))
        return rank, upper

    return min(ids, key=key)


def merge(scans: list[Parsed], declared: Declared | None) -> list[Artifact]:
    entries: list[tuple[Parsed, Vuln, frozenset[str]]] = []
    for parsed in scans:
        if parsed.report is None:
            continue
        for v in parsed.report.vulns:
            entries.append((parsed, v, frozenset(i.upper() for i in (v.id, *v.aliases))))
    parent = list(range(len(entries)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[str, str], int] = {}
    for i, (_, v, ids) in enumerate(entries):
        for ident in ids:
            j = owner.setdefault((v.package, ident), i)
            parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(entries)):
        groups.setdefault(find(i), []).append(i)
    out = [_merged([entries[i] for i in members], declared) for members in groups.values()]
    return sorted(out, key=lambda a: a.name)


def _merged(members: list[tuple[Parsed, Vuln, frozenset[str]]], declared: Declared | None) -> Artifact:
    ids = sorted({i for p, v, _ in members for i in (v.id, *v.aliases)})
    advisory = _advisory(ids)
    package = members[0][1].package
    known = [v.severity for _, v, _ in members if v.severity != "unknown"]
    severity = max(known, key=lambda s: RANK[s]) if known else "unknown"
    scores = [v.cvss_score for _, v, _ in members if v.cvss_score is not None]
    sources: list[dict[str, Any]] = sorted(
        ({"tool": p.report.tool if p.report else "", "tool_version": p.report.tool_version if p.report else None,
          "file": p.file, "line": _vuln_line(p, v, declared), "id": v.id, "severity": v.severity}
         for p, v, _ in members), key=lambda s: (s["file"], s["line"], s["id"]))
    versions = sorted({v.installed_version for _, v, _ in members if v.installed_version})
    fixed = sorted({f for _, v, _ in members for f in v.fixed_versions})
    tools = sorted({str(s["tool"]) for s in sources})
    data: dict[str, Any] = {
        "package": package, "installed_version": versions[0] if versions else None, "installed_versions": versions,
        "advisory": advisory, "ids": ids, "aliases": [i for i in ids if i != advisory],
        "severity": severity, "severity_at_least": at_least(severity),
        "cvss_score": max(scores) if scores else None, "fixed_versions": fixed, "fix_available": bool(fixed),
        "dependency_scope": declared.scope(package) if declared else "runtime",
        "dependency_scope_source": (declared.scope_source(package) if declared else
                                    {"scope": "runtime", "file": None, "line": None,
                                     "reason": "the requirement and lock files could not be read (see the error)"}),
        "ignored_by_scanner": all(v.ignored_by_scanner for _, v, _ in members),
        "sources": sources, "tools": tools,
    }
    locations = sorted({v.location for _, v, _ in members if v.location})
    vendors = sorted({v.vendored_in for _, v, _ in members if v.vendored_in})
    if locations:
        data["locations"] = locations
    if vendors:
        data["vendored_in"] = vendors
    score = data["cvss_score"]
    # A pin supersedes a scanned version only when every report shows the copy it saw is the one the
    # requirement/lock file declares: a vendored copy or an OS package of the same name stays as found.
    attributable = all(v.attributable for _, v, _ in members)
    stale = _fixed_by_pin(package, versions, fixed, declared) if attributable else None
    if stale is not None:
        data["fixed_by_current_pin"] = stale
        data["stale_report"] = (f"the report predates {stale['file']}:{stale['line']}, which now pins "
                                f"{package}=={stale['pin']} (fixed in {stale['fixed_in']}): re-run the scanner")
    data["summary"] = (f"{package} {data['installed_version'] or '(version unknown)'}: {advisory} severity {severity}"
                       + (f" (CVSS {score:g})" if score is not None else "")
                       + (f"; fixed in {', '.join(fixed)}" if fixed else _no_fix(members))
                       + (f"; stale: {stale['file']}:{stale['line']} now pins {stale['pin']}" if stale else "")
                       + _copy_note(members)
                       + _scope_note(data["dependency_scope_source"])
                       + f"; reported by {', '.join(tools)}")
    if severity == "unknown":
        data["severity_unknown"] = True  # present only when no report gives a severity (docs/artifacts.md)
    first = min(sources, key=lambda s: (int(s["line"]) <= 1, s["file"], s["line"]))  # a precise line first
    return Artifact(kind="vulnerability", name=f"{package}|{advisory}", file=str(first["file"]), data=data,
                    line=int(first["line"]))


def _no_fix(members: list[tuple[Parsed, Vuln, frozenset[str]]]) -> str:
    if all(p.report is None or p.report.states_fixes for p, _, _ in members):
        return "; no fixed version published"
    return "; the report names no fixed version (its format has no field for one)"


def _copy_note(members: list[tuple[Parsed, Vuln, frozenset[str]]]) -> str:
    """Where a copy no requirement declares was found and, when vendored, what fixes it (its vendoring package:
    a pin of the package's own name does not). Paths are shown from ``site-packages/`` on so the summary stays
    within the 200 characters evidence shows; ``locations`` has them whole."""
    notes = []
    for v in sorted((v for _, v, _ in members if not v.attributable), key=lambda v: (v.location or "", v.id)):
        where = v.location or ""
        at = max(where.find("site-packages/"), where.find("dist-packages/"))
        shown = where[at:].removesuffix("/METADATA").removesuffix("/PKG-INFO") if at >= 0 else where
        note = (f"; vendored copy {shown}: upgrade or remove {v.vendored_in}" if v.vendored_in
                else f"; found at {shown}" if shown else "")
        if note not in notes:
            notes.append(note)
    return "".join(notes)


def _scope_note(source: dict[str, Any]) -> str:
    """The summary says why a dependency is development (the policy skips it), never silently."""
    if source["scope"] != "development":
        return ""
    return f"; development-only ({source['file']}:{source['line']}: {source['reason']})"
