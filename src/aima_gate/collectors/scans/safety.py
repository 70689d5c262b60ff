"""safety (pyupio/safety): 1.x bare list, 2.x/3.x ``check --json`` object, 3.x ``scan --output json``.

Pitfalls handled (see docs/artifacts.md): ``severity`` null (no API key) -> unknown; ``CVE`` a string, null or an
object ``{name, cvssv2, cvssv3}``; ``fixed_versions`` ``[""]``; ``ignored`` false / ``{}`` / a dict;
``vulnerable_spec`` string or list; ``json_version`` 1 or "1.1". Safety ids become ``PYUP-<n>``. Without
``fixed_versions`` (safety 3 ``scan``, safety 1.x), the fix is read from ``vulnerable_spec`` (``<22.0.0``).
"""

from __future__ import annotations

from typing import Any

from aima_gate.collectors.scans import ScanReport, Vuln, canonical, need, strings, text
from aima_gate.collectors.scans.severity import best, from_score, from_word, number

Doc = Any


def detect(doc: Doc) -> bool:
    if isinstance(doc, list):
        return bool(doc) and all(_legacy_row(r) for r in doc)
    if not isinstance(doc, dict):
        return False
    if isinstance(doc.get("report_meta"), dict) and isinstance(doc.get("vulnerabilities"), list):
        return True
    meta = doc.get("meta")
    return isinstance(meta, dict) and "schema_version" in meta and isinstance(doc.get("scan_results"), dict)


def _legacy_row(row: Any) -> bool:
    return (isinstance(row, list) and len(row) in (5, 6)
            and all(isinstance(row[i], str) for i in (0, 1, 2, 4)))


def pyup_id(raw: Any) -> str:
    value = text(raw) or "unknown"
    value = value.removeprefix("pyup.io-")
    return f"PYUP-{value}" if value.isdigit() else value


def fixed_from_spec(spec: Any) -> tuple[str, ...]:
    """Fixed versions a ``vulnerable_spec`` implies: every strict upper bound (``<22.0.0`` -> 22.0.0).

    safety 3 ``scan`` reports carry only the vulnerable range; the first version past it is the fix. A bound
    given with ``<=`` names a vulnerable version, not a fix, so it implies nothing."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    out: list[str] = []
    for raw in strings(spec):
        for part in raw.split("||"):
            try:
                specs = SpecifierSet(part.strip())
            except InvalidSpecifier:
                continue
            out.extend(s.version for s in specs if s.operator == "<")
    return tuple(dict.fromkeys(out))


def normalize(doc: Doc, file: str) -> ScanReport:
    if isinstance(doc, list):
        return _legacy(doc)
    if "report_meta" in doc:
        return _check(doc, file)
    return _scan(doc, file)


def _legacy(doc: list[Any]) -> ScanReport:
    vulns = []
    for i, row in enumerate(doc):
        aliases = (row[5],) if len(row) == 6 and text(row[5]) else ()
        vulns.append(Vuln(canonical(row[0]), text(row[2]), pyup_id(row[4]), aliases,
                          fixed_versions=fixed_from_spec(row[1]), pointer=f"/{i}"))
    packages = {v.package: v.installed_version for v in vulns}
    return ScanReport("safety", None, "safety-1-list", None, [], False, packages, vulns)


def _cve_and_severity(entry: dict[str, Any]) -> tuple[tuple[str, ...], str, float | None]:
    cve = entry.get("CVE")
    sources = [cve, entry.get("severity")]
    name = text(cve.get("name")) if isinstance(cve, dict) else text(cve)
    aliases = tuple(a.strip() for a in (name or "").split(",") if a.strip())
    scores: list[float | None] = []
    words = []
    for src in sources:
        if not isinstance(src, dict):
            continue
        for key in ("cvssv3", "cvssv2"):
            block = src.get(key)
            if isinstance(block, dict):
                scores.append(number(block.get("base_score")))
                words.append(from_word(block.get("base_severity")))
    score = best(scores)
    if score is not None:
        return aliases, from_score(score), score
    known = [w for w in words if w != "unknown"]
    return aliases, (known[0] if known else "unknown"), None


def _check(doc: dict[str, Any], file: str) -> ScanReport:
    meta = doc["report_meta"]
    packages: dict[str, str | None] = {}
    scanned = doc.get("scanned_packages")
    need(isinstance(scanned, (dict, type(None))), "scanned_packages is not an object", file, "/scanned_packages")
    for name, info in (scanned or {}).items():
        version = text(info.get("version")) if isinstance(info, dict) else None
        packages[canonical(name)] = version
    vulns = []
    for key in ("vulnerabilities", "ignored_vulnerabilities"):
        entries = doc.get(key) or []
        need(isinstance(entries, list), f"{key} is not a list", file, f"/{key}")
        for i, entry in enumerate(entries):
            need(isinstance(entry, dict) and bool(text(entry.get("package_name"))),
                 "a vulnerability without package_name", file, f"/{key}/{i}")
            aliases, severity, score = _cve_and_severity(entry)
            ignored = key == "ignored_vulnerabilities" or entry.get("ignored") not in (None, False, {}, "")
            vulns.append(Vuln(canonical(entry["package_name"]), text(entry.get("analyzed_version")),
                              pyup_id(entry.get("vulnerability_id")), aliases, severity, score,
                              strings(entry.get("fixed_versions")) or fixed_from_spec(entry.get("vulnerable_spec")),
                              ignored, f"/{key}/{i}"))
    stamp = text(meta.get("timestamp"))
    version = text(meta.get("safety_version"))
    fmt = f"safety-check-json-{meta.get('json_version', 'v0')}"
    scanned_files = [s for s in strings(meta.get("scanned"))]
    return ScanReport("safety", version, fmt, stamp.replace(" ", "T", 1) if stamp else None, scanned_files,
                      scanned is not None, packages, vulns,
                      {"scan_time": "/report_meta/timestamp", "tool_version": "/report_meta/safety_version"})


def _pinned(raw: Any) -> tuple[str | None, str | None]:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(str(raw))
    except InvalidRequirement:
        return None, None
    pins = [s.version for s in req.specifier if s.operator in ("==", "===")]
    return req.name, (pins[0] if pins else None)


def _scan(doc: dict[str, Any], file: str) -> ScanReport:
    meta = doc["meta"]
    results = doc["scan_results"]
    files: list[tuple[dict[str, Any], str]] = []
    for i, f in enumerate(results.get("files") or []):
        files.append((f, f"/scan_results/files/{i}"))
    for p, project in enumerate(results.get("projects") or []):
        need(isinstance(project, dict), "a project is not an object", file, f"/scan_results/projects/{p}")
        for i, f in enumerate(project.get("files") or []):
            files.append((f, f"/scan_results/projects/{p}/files/{i}"))
    packages: dict[str, str | None] = {}
    vulns: list[Vuln] = []
    manifests = []
    for f, ptr in files:
        need(isinstance(f, dict), "a file entry is not an object", file, ptr)
        if text(f.get("location")):
            manifests.append(str(f["location"]))
        deps = (f.get("results") or {}).get("dependencies") or []
        for d, dep in enumerate(deps):
            dptr = f"{ptr}/results/dependencies/{d}"
            need(isinstance(dep, dict) and bool(text(dep.get("name"))), "a dependency without name", file, dptr)
            for s, spec in enumerate(dep.get("specifications") or []):
                _, version = _pinned(spec.get("raw")) if isinstance(spec, dict) else (None, None)
                name = canonical(dep["name"])
                packages[name] = version
                known = ((spec.get("vulnerabilities") or {}).get("known_vulnerabilities") or []) \
                    if isinstance(spec, dict) else []
                for k, kv in enumerate(known):
                    need(isinstance(kv, dict) and bool(text(kv.get("id"))), "a vulnerability without id", file,
                         f"{dptr}/specifications/{s}")
                    aliases, severity, score = _cve_and_severity({"CVE": kv.get("cve"),
                                                                  "severity": kv.get("cve")})
                    vulns.append(Vuln(name, version, pyup_id(kv["id"]), aliases, severity, score,
                                      fixed_from_spec(kv.get("vulnerable_spec")),
                                      kv.get("ignored") not in (None, False, {}, ""),
                                      f"{dptr}/specifications/{s}/vulnerabilities/known_vulnerabilities/{k}"))
    telemetry: dict[str, Any] = meta["telemetry"] if isinstance(meta.get("telemetry"), dict) else {}
    return ScanReport("safety", text(telemetry.get("safety_version")), f"safety-scan-{meta.get('schema_version')}",
                      text(meta.get("timestamp")), manifests, True, packages, vulns,
                      {"scan_time": "/meta/timestamp", "tool_version": "/meta/telemetry/safety_version"})
