"""pip-audit ``-f json``: ``{"dependencies": [{name, version, vulns: [{id, fix_versions, aliases}]}], "fixes"}``.

pip-audit records no severity (every vulnerability is ``unknown``), no scan time and no tool version. A
dependency it skipped (``skip_reason``) was not audited, so it does not count as scanned. pip-audit < 2.0
wrote a bare list of dependency objects; it is read too.
"""

from __future__ import annotations

from typing import Any

from aima_gate.collectors.scans import ScanReport, Vuln, canonical, need, strings, text

_TOP = frozenset({"dependencies", "fixes"})
_DEP = frozenset({"name", "version", "vulns", "skip_reason"})


def _dep_like(item: Any) -> bool:
    return (isinstance(item, dict) and "name" in item and set(item) <= _DEP
            and ("vulns" in item or "skip_reason" in item))


def detect(doc: Any) -> bool:
    if isinstance(doc, list):
        return bool(doc) and all(_dep_like(d) for d in doc)
    return (isinstance(doc, dict) and "dependencies" in doc and set(doc) <= _TOP
            and isinstance(doc["dependencies"], list) and all(_dep_like(d) for d in doc["dependencies"]))


def normalize(doc: Any, file: str) -> ScanReport:
    deps, base, fmt = (doc, "", "pip-audit-1-list") if isinstance(doc, list) else \
        (doc["dependencies"], "/dependencies", "pip-audit-json")
    packages: dict[str, str | None] = {}
    vulns = []
    for i, dep in enumerate(deps):
        if "skip_reason" in dep:
            continue
        name = canonical(str(dep["name"]))
        version = text(dep.get("version"))
        packages[name] = version
        entries = dep.get("vulns") or []
        need(isinstance(entries, list), "vulns is not a list", file, f"{base}/{i}/vulns")
        for j, v in enumerate(entries):
            need(isinstance(v, dict) and bool(text(v.get("id"))), "a vulnerability without id", file,
                 f"{base}/{i}/vulns/{j}")
            vulns.append(Vuln(name, version, str(v["id"]).strip(), strings(v.get("aliases")), "unknown", None,
                              strings(v.get("fix_versions")), False, f"{base}/{i}/vulns/{j}"))
    return ScanReport("pip-audit", None, fmt, None, [], True, packages, vulns)
