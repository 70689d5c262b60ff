"""Framework views: the findings of one run grouped by AIMA cells or by a cross-mapped framework's identifiers.

``aima-gate check --framework nist-ai-rmf`` (or aima, iso-42001, eu-ai-act, owasp-llm) groups findings under the
identifiers in each policy's mappings (a finding mapped to two identifiers is listed under both); findings a
policy does not map to that framework (and the gate's own input errors) are listed under "not mapped". The view
is added to the report as ``framework_view`` (JSON) and rendered by :func:`framework_text` and
:func:`framework_markdown` (the Markdown reporter calls the latter when the report has a view).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from aima_gate.aima.catalog import load_catalog
from aima_gate.core.model import Finding, Status
from aima_gate.core.report import Report, scope_notes
from aima_gate.core.terminal import escape_terminal

FRAMEWORKS: dict[str, tuple[str | None, str]] = {
    "aima": (None, "OWASP AIMA V1 (domain/practice/stream/level)"),
    "nist-ai-rmf": ("nist_ai_rmf", "NIST AI RMF 1.0 subcategories"),
    "iso-42001": ("iso_42001", "ISO/IEC 42001:2023 Annex A controls"),
    "eu-ai-act": ("eu_ai_act", "EU AI Act (Regulation (EU) 2024/1689) articles"),
    "owasp-llm": ("owasp_llm", "OWASP Top 10 for LLM Applications 2025"),
}
NOT_MAPPED = "(not mapped)"
_SHOWN = (Status.FAIL, Status.ERROR, Status.WAIVED)


def _natural(text: str) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def _ids(f: Finding, key: str | None) -> tuple[str, ...]:
    if key is None:
        return (f"{f.aima.domain}/{f.aima.practice}/{f.aima.stream}/{f.aima.level}",) if f.aima else ()
    return tuple(f.mappings.get(key, ()))


def _titles(framework: str) -> dict[str, str]:
    catalog = load_catalog()
    key = FRAMEWORKS[framework][0]
    if key is not None:
        return dict(catalog.reference_ids.get(key, {}))
    out = {}
    for dom in catalog.domains:
        for prac in dom.practices:
            for (stream, level), question in prac.questions.items():
                out[f"{prac.key}/{stream}/{level}"] = (f"{dom.name} > {prac.name} ({prac.section}), stream {stream} "
                                                      f"{prac.stream_names.get(stream, '')}, level {level}: {question}")
    return out


def _order(framework: str) -> dict[str, int]:
    if framework != "aima":
        return {}
    return {cell: i for i, cell in enumerate(load_catalog().cells())}


def _brief(f: Finding) -> dict[str, Any]:
    ev = f.evidence[0] if f.evidence else None
    return {"policy_id": f.policy_id, "status": f.status.value, "severity": f.severity.value,
            "subject": {"kind": f.subject.kind, "name": f.subject.name, "file": f.subject.file},
            "where": f"{ev.file}:{ev.line}" if ev else f.subject.file, "message": ev.message if ev else f.title,
            "fingerprint": f.identity}


def framework_view(report: Report, framework: str) -> dict[str, Any]:
    """JSON-ready grouping of the report's findings by ``framework`` (a key of :data:`FRAMEWORKS`)."""
    key, name = FRAMEWORKS[framework]
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        for ident in _ids(f, key) or (NOT_MAPPED,):
            groups[ident].append(f)
    titles, order = _titles(framework), _order(framework)
    out = []
    for ident in sorted((g for g in groups if g != NOT_MAPPED), key=lambda g: (order.get(g, 0), _natural(g))):
        items = groups[ident]
        counts = Counter(f.status.value for f in items)
        out.append({"id": ident, "title": titles.get(ident, ""),
                    "summary": {s.value: counts.get(s.value, 0) for s in Status},
                    "findings": [_brief(f) for f in items if f.status in _SHOWN]})
    unmapped = groups.get(NOT_MAPPED, [])
    counts = Counter(f.status.value for f in unmapped)
    return {"framework": framework, "name": name, "groups": out,
            "not_mapped": {"summary": {s.value: counts.get(s.value, 0) for s in Status},
                           "findings": [_brief(f) for f in unmapped if f.status in _SHOWN]}}


def with_framework_view(report: Report, framework: str) -> Report:
    """The report with ``extra["framework_view"]`` set (the JSON reporter writes it as ``framework_view``)."""
    return replace(report, extra={**report.extra, "framework_view": framework_view(report, framework)})


def _summary_text(summary: Mapping[str, int]) -> str:
    parts = [f"{summary['pass']} passed"]
    parts += [f"{summary[k]} {label}" for k, label in (("fail", "failed"), ("error", "errors"), ("waived", "waived"),
                                                       ("not_applicable", "not applicable")) if summary.get(k)]
    return ", ".join(parts)


def framework_text(report: Report, view: Mapping[str, Any]) -> str:
    lines = [f"aima-gate {report.tool_version}: {len(report.policies)} policies, fail on {report.fail_on.value}+; "
             f"findings by {view['name']}", *scope_notes(report)]
    sections = [*view["groups"], {"id": NOT_MAPPED, "title": "", **view["not_mapped"]}]
    for group in sections:
        if group["id"] == NOT_MAPPED and not sum(group["summary"].values()):
            continue
        title = f" {group['title']}" if group["title"] else ""
        lines += ["", f"{group['id']}{title}: {_summary_text(group['summary'])}"]
        for f in group["findings"]:
            label = {"fail": "FAIL", "error": "ERROR", "waived": "WAIVED"}[f["status"]]
            lines.append(f"  {label:<6} [{f['severity']}] {f['policy_id']}: {f['subject']['name']}")
            lines.append(f"         {f['where']}: {f['message']}")
    s = report.summary
    lines += ["", f"Verdict: {report.verdict.upper()} (exit {int(report.exit_code)}): {s['blocking']} blocking; "
                  f"{s['pass']} pass, {s['fail']} fail, {s['error']} error, {s['waived']} waived, "
                  f"{s['not_applicable']} not applicable"]
    # As in the text reporter: each line escaped whole, so no repository string can add or recolour a line.
    return "\n".join(escape_terminal(line) for line in lines) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|<>#])")


def _md(text: Any) -> str:
    """Escape Markdown/HTML specials (subject names and messages come from the repository) on one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _code(text: Any) -> str:
    return "`" + " ".join(str(text).split()).replace("`", "'") + "`"


def framework_markdown(view: Mapping[str, Any]) -> str:
    """Markdown section for a report's ``framework_view`` (called by the Markdown reporter)."""
    out = [f"## Findings by {_md(view['name'])}", "", "| Identifier | Passed | Failed | Errors | Waived |",
           "|---|---|---|---|---|"]
    sections = [*view["groups"], {"id": NOT_MAPPED, "title": "", **view["not_mapped"]}]
    for g in sections:
        s = g["summary"]
        if g["id"] == NOT_MAPPED and not sum(s.values()):
            continue
        out.append(f"| {_md(g['id'])} | {s['pass']} | {s['fail']} | {s['error']} | {s['waived']} |")
    for g in sections:
        if not g["findings"]:
            continue
        out += ["", f"### {_md(g['id'])}" + (f": {_md(g['title'])}" if g["title"] else ""), ""]
        for f in g["findings"]:
            out.append(f"- **{f['status'].upper()}** {_code(f['policy_id'])} {_md(f['subject']['name'])} "
                       f"({_code(f['where'])}): {_md(f['message'])}")
    return "\n".join(out) + "\n"
