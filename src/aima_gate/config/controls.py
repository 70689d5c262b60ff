"""``aima-gate controls`` and ``explain``: the loaded policy packs seen through the AIMA catalog."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from aima_gate.aima.catalog import load_catalog
from aima_gate.config.policy_packs import policy_summary
from aima_gate.engine.policy import Policy


def controls_dict(policies: Sequence[Policy]) -> dict[str, Any]:
    catalog = load_catalog()
    domains = []
    covered = 0
    for dom in catalog.domains:
        practices = []
        for prac in dom.practices:
            mine = [policy_summary(p) for p in policies if p.aima.domain == dom.slug and p.aima.practice == prac.slug]
            cells = sorted({f"{p['aima']['stream']}{p['aima']['level']}" for p in mine})
            covered += bool(mine)
            practices.append({"slug": prac.slug, "name": prac.name, "section": prac.section,
                              "covered": bool(mine), "cells": cells, "policies": mine})
        domains.append({"slug": dom.slug, "name": dom.name, "practices": practices})
    total = len(catalog.practices())
    return {"framework": catalog.framework, "version": catalog.version, "policies": len(policies),
            "practices_covered": covered, "practices_total": total, "domains": domains}


def controls_text(data: dict[str, Any]) -> str:
    lines = [f"{data['framework']} {data['version']}", ""]
    for dom in data["domains"]:
        lines.append(dom["name"])
        for prac in dom["practices"]:
            mark = "x" if prac["covered"] else " "
            cells = f" [{', '.join(prac['cells'])}]" if prac["cells"] else ""
            lines.append(f"  [{mark}] {prac['section']} {prac['name']}{cells}")
            for p in prac["policies"]:
                lines.append(f"        {p['id']} ({p['severity']}, {p['kind']}): {p['title']}")
        lines.append("")
    covered = f"{data['practices_covered']}/{data['practices_total']}"
    lines.append(f"{data['policies']} policies; practices covered: {covered}")
    return "\n".join(lines)


def explain_text(policy: Policy) -> str:
    catalog = load_catalog()
    prac = catalog.practice(policy.aima.domain, policy.aima.practice)
    assert prac is not None  # validated at compile time
    dom = catalog.domain(policy.aima.domain)
    question = prac.questions.get((policy.aima.stream, policy.aima.level), "")
    out = [
        f"{policy.id}: {policy.title}",
        f"severity: {policy.severity.value}    applies to: {policy.kind}"
        + ("    (optional)" if policy.optional else ""),
        f"AIMA: {dom.name if dom else policy.aima.domain} > {prac.name} (section {prac.section}), "
        f"stream {policy.aima.stream} ({prac.stream_names.get(policy.aima.stream, '')}), level {policy.aima.level}",
        f"  AIMA question: {question}",
    ]
    for fw, ids in sorted(policy.mappings.items()):
        out.append(f"  {fw}: {', '.join(ids)}")
    out += ["", policy.description, "", f"Remediation: {policy.remediation}"]
    if policy.params:
        out.append("")
        out.append("Parameters (override under `parameters:` in .aima-gate.yml):")
        for name, spec in sorted(policy.params.items()):
            out.append(f"  {name} = {spec['default']!r}: {spec['description']}")
    out += ["", f"Source: {policy.file}", "", yaml.safe_dump({"assert": (policy.source or {}).get("assert")},
                                                          sort_keys=False).rstrip()]
    return "\n".join(out)
