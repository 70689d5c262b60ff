"""osv-scanner ``--format json``: ``results[].source`` + ``packages[].{package, vulnerabilities, groups}``.

Full OSV records are embedded: severity comes from the CVSS vectors in ``severity[]`` (scored), else the
group's numeric ``max_severity``, else ``database_specific.severity``, else ``unknown``. Records of one group
(``groups[].ids``) and records sharing an alias are one advisory. osv-scanner lists only vulnerable packages
unless run with ``--all-packages``; a report is taken to list every package only when it holds a package
without vulnerabilities. A ``results[].package`` (singular) document with SAFETY ids is not osv-scanner output.
"""

from __future__ import annotations

from typing import Any

from aima_gate.collectors.scans import ScanReport, Vuln, canonical, need, strings, text
from aima_gate.collectors.scans.severity import best, from_score, from_word, number, vector_score

_TOP = frozenset({"results", "experimental_config"})


def _result_like(item: Any) -> bool:
    if not isinstance(item, dict):
        return False
    source = item.get("source", item.get("packageSource"))
    packages = item.get("packages")
    return (isinstance(source, dict) and isinstance(packages, list)
            and all(isinstance(p, dict) and isinstance(p.get("package"), dict) for p in packages))


def detect(doc: Any) -> bool:
    return (isinstance(doc, dict) and "results" in doc and set(doc) <= _TOP and isinstance(doc["results"], list)
            and all(_result_like(r) for r in doc["results"]))


def _fixed(record: dict[str, Any], name: str) -> tuple[str, ...]:
    out = []
    for aff in record.get("affected") or []:
        if not isinstance(aff, dict) or canonical(str((aff.get("package") or {}).get("name", ""))) != name:
            continue
        for rng in aff.get("ranges") or []:
            for event in (rng.get("events") or []) if isinstance(rng, dict) else []:
                if isinstance(event, dict) and text(event.get("fixed")):
                    out.append(str(event["fixed"]))
    return tuple(dict.fromkeys(out))


def normalize(doc: dict[str, Any], file: str) -> ScanReport:
    packages: dict[str, str | None] = {}
    vulns: list[Vuln] = []
    manifests = []
    listed = False
    for i, res in enumerate(doc["results"]):
        source = res.get("source", res.get("packageSource"))
        if text(source.get("path")):
            manifests.append(str(source["path"]))
        for p, entry in enumerate(res["packages"]):
            pkg = entry["package"]
            need(bool(text(pkg.get("name"))), "a package without name", file, f"/results/{i}/packages/{p}/package")
            name, version = canonical(str(pkg["name"])), text(pkg.get("version"))
            packages[name] = version
            records = entry.get("vulnerabilities") or []
            if not records:
                listed = True
            group_scores: dict[str, float | None] = {}
            for group in entry.get("groups") or []:
                if isinstance(group, dict):
                    for gid in strings(group.get("ids")):
                        group_scores[gid] = number(group.get("max_severity"))
            for v, rec in enumerate(records):
                ptr = f"/results/{i}/packages/{p}/vulnerabilities/{v}"
                need(isinstance(rec, dict) and bool(text(rec.get("id"))), "a vulnerability without id", file, ptr)
                vid = str(rec["id"]).strip()
                scores = [vector_score(s.get("score")) for s in rec.get("severity") or [] if isinstance(s, dict)]
                score = best(scores) if best(scores) is not None else group_scores.get(vid)
                if score is not None:
                    severity = from_score(score)
                else:
                    specific = rec.get("database_specific")
                    severity = from_word(specific.get("severity")) if isinstance(specific, dict) else "unknown"
                vulns.append(Vuln(name, version, vid, strings(rec.get("aliases")), severity, score,
                                  _fixed(rec, name), False, ptr))
    fmt = "osv-scanner-json-v2" if "experimental_config" in doc else "osv-scanner-json"
    return ScanReport("osv-scanner", None, fmt, None, manifests, listed, packages, vulns)
