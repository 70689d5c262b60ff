"""Markdown summary for ``$GITHUB_STEP_SUMMARY``, merge-request comments and local reading.

Verdict line, counts, failures grouped by AIMA domain with their evidence (highest severity first), errors,
waived findings (collapsed), the maturity scorecard when the report carries one, and a footer. The output is
kept under :data:`BUDGET` bytes however many findings there are (GitHub rejects step summaries over 1 MiB):
after the first :data:`SHOWN` failures the rest go in a collapsed block, and when the budget runs out the
remainder is counted in a note pointing at the JSON report. User-controlled text is escaped.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from aima_gate.aima.catalog import load_catalog
from aima_gate.core.model import Finding, Status
from aima_gate.core.report import Report
from aima_gate.integrity.import_report import summary_lines
from aima_gate.reporters._common import (
    SHORT_KEY,
    display_path,
    escape_terminal,
    found_detail,
    keyed_not_passing,
    path_prefix,
    scope_notes,
    severity_sort_key,
    severity_values,
)

BUDGET = 900 * 1024
SHOWN = 50
ICON = {"pass": "✅", "fail": "❌", "error": "⛔"}
MATURITY_BEGIN, MATURITY_END = "<!-- aima-gate:maturity -->", "<!-- /aima-gate:maturity -->"
"""Around the maturity scorecard (rendered by aima_gate.aima.maturity.maturity_markdown), so tools can find it."""
_SPECIAL = re.compile(r"([\\`*_\[\]|<>#])")


def esc(text: object) -> str:
    """Escape Markdown/HTML specials in user-controlled text and keep it on one line."""
    return _SPECIAL.sub(r"\\\1", escape_terminal(" ".join(str(text).split())))


def code(text: str) -> str:
    return "`" + escape_terminal(text).replace("`", "'") + "`"


class _Budget:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.parts: list[str] = []
        self.full = False
        """Set when something did not fit: later findings are counted as left out without being rendered
        (rendering tens of thousands of blocks that cannot fit cost seconds on large repositories)."""

    def add(self, text: str) -> bool:
        size = len(text.encode("utf-8")) + 1
        if self.used + size > self.limit:
            self.full = True
            return False
        self.parts.append(text)
        self.used += size
        return True

    def force(self, text: str) -> None:
        """Structural text (HTML open/close tags) that must appear whatever the budget."""
        self.parts.append(text)
        self.used += len(text.encode("utf-8")) + 1


def _finding_block(report: Report, f: Finding, key: str, prefix: str | None = None) -> str:
    tag = "ERROR" if f.status is Status.ERROR else f.severity.value.upper()
    blocking = "" if report.is_blocking(f) or f.status is not Status.FAIL else " (not blocking)"
    lines = [f"- **{tag}**{blocking} {code(f.policy_id)}: {esc(f.subject.name)} "
             f"<a id=\"finding-{key[:SHORT_KEY]}\"></a>",
             f"  {esc(f.title)}"]
    for ev in f.evidence:
        expected = f" (expected {esc(ev.expected)})" if ev.expected else ""
        lines.append(f"  - {code(f'{display_path(report, ev.file, prefix)}:{ev.line}')}: {esc(ev.message)}{expected}")
        detail = found_detail(ev)
        if detail:
            lines.append(f"    found: {esc(detail)}")
    if f.waiver and f.waiver.get("expired"):
        lines.append(f"  - waiver by {esc(f.waiver.get('owner'))} expired on {esc(f.waiver.get('expires'))}")
    lines.append(f"  - Fix: {esc(f.remediation)}")
    return "\n".join(lines)


def _maturity(report: Report) -> str | None:
    maturity = report.extra.get("maturity")
    if maturity is None:
        return None
    from aima_gate.aima.maturity import maturity_markdown

    return maturity_markdown(maturity)


def _framework(report: Report) -> str | None:
    view = report.extra.get("framework_view")
    if view is None:
        return None
    from aima_gate.aima.frameworks import framework_markdown

    return framework_markdown(view)


def _headline(report: Report) -> str:
    s = report.summary
    by_sev: Counter[str] = Counter()
    for f, n in report.kinds:  # failures counted per (status, severity, aima) kind, not one by one
        if f.status is Status.FAIL:
            by_sev[f.severity.value] += n
    sev = ", ".join(f"{by_sev[v]} {v}" for v in severity_values() if by_sev[v])
    parts = [f"{s['fail']} failing" + (f" ({sev})" if sev else "")]
    if s["error"]:
        parts.append(f"{s['error']} cannot be evaluated")
    if s["waived"]:
        parts.append(f"{s['waived']} waived")
    parts.append(f"{s['pass']} passing")
    return f"## {ICON[report.verdict]} aima-gate: {report.verdict.upper()}, " + ", ".join(parts)


def _failure_order(report: Report, order: Mapping[str, int]) -> Callable[[tuple[Finding, str]], Any]:
    """The sort key of a failure: its AIMA domain's place, then :func:`severity_sort_key`. For a failure both
    depend only on its ``aima`` and ``severity`` (a policy's, shared by its findings): computed once per pair
    (tens of thousands of failures, a handful of policies)."""
    known: dict[tuple[int, int], Any] = {}  # (id(aima), id(severity)): both alive as long as the report

    def key(fk: tuple[Finding, str]) -> Any:
        f = fk[0]
        pair = (id(f.aima), id(f.severity))
        value = known.get(pair)
        if value is None:
            value = known[pair] = (order.get(f.aima.domain if f.aima else "", -1), severity_sort_key(report, f))
        return value

    return key


def render(report: Report, budget: int = BUDGET) -> str:
    catalog = load_catalog()
    names = {d.slug: d.name for d in catalog.domains}
    order = {d.slug: i for i, d in enumerate(catalog.domains)}
    s = report.summary
    out = _Budget(budget - 2048)  # room for the truncation note and the footer
    out.add(_headline(report))
    out.add("")
    out.add(f"Exit code **{int(report.exit_code)}**; the gate fails on **{report.fail_on.value}** and above; "
            f"{s['blocking']} blocking; {len(report.policies)} policies evaluated.")
    out.add("")
    out.add("| Status | Findings |")
    out.add("|---|---:|")
    for status in ("fail", "error", "waived", "pass", "not_applicable"):
        out.add(f"| {status.replace('_', ' ')} | {s[status]} |")
    out.add(f"| **total** | **{s['total']}** |")
    notes = scope_notes(report)
    if notes:  # forced, never cut by the budget: a reader must see what the verdict does not cover
        out.force(f"\n### 🔎 Scope narrowed ({len(notes)})\n")
        for note in notes:
            out.force(f"- {esc(note)}")
    omitted = 0
    prefix = path_prefix(report)  # once: it resolves the working directory
    pairs = keyed_not_passing(report)  # failures, errors and waived findings: all it shows
    errors = [(f, k) for f, k in pairs if f.status is Status.ERROR]
    if errors:
        out.add("")
        out.add(f"### ⛔ Cannot evaluate ({len(errors)})")
        out.add("")
        for f, k in errors:
            omitted += 1 if out.full or not out.add(_finding_block(report, f, k, prefix)) else 0
    failing = sorted(((f, k) for f, k in pairs if f.status is Status.FAIL), key=_failure_order(report, order))
    groups: dict[str, list[tuple[Finding, str]]] = defaultdict(list)
    for f, k in failing:
        groups[f.aima.domain if f.aima else ""].append((f, k))
    if failing:
        out.add("")
        out.add(f"### ❌ Failures by AIMA domain ({len(failing)})")
    shown = 0
    collapsed = False
    for domain, items in groups.items():
        title = names.get(domain, "aima-gate (configuration and waivers)")
        heading = False
        for f, k in items:
            if shown == SHOWN and not collapsed:
                collapsed = True
                out.force(f"\n<details><summary>{len(failing) - SHOWN} more failures</summary>\n")
                heading = False
            if not heading and not out.full:
                heading = out.add(f"\n#### {esc(title)} ({len(items)})\n")
            omitted += 1 if out.full or not out.add(_finding_block(report, f, k, prefix)) else 0
            shown += 1
    if collapsed:
        out.force("\n</details>")
    waived = [(f, k) for f, k in pairs if f.status is Status.WAIVED]
    if waived:
        out.add("")
        out.force(f"<details><summary>Waived findings ({len(waived)})</summary>\n")
        for f, _k in waived:
            w = f.waiver or {}
            omitted += 0 if out.add(
                f"- {code(f.policy_id)}: {esc(f.subject.name)}: waived until {esc(w.get('expires', '?'))} "
                f"by {esc(w.get('owner', '?'))}: {esc(w.get('reason', ''))}") else 1
        out.force("\n</details>")
    imports = summary_lines(report.extra)
    if imports:
        out.add("")
        out.force(f"<details><summary>Model file pickle imports ({len(imports)} lines)</summary>\n")
        for line in imports:
            omitted += 0 if out.add(f"- {esc(line.strip())}") else 1
        out.force("\n</details>")
    maturity = _maturity(report)
    if maturity:
        out.add("")
        out.force(MATURITY_BEGIN)
        if not out.add(maturity.rstrip("\n")):
            out.add("_The maturity scorecard did not fit; see the JSON report._")
        out.force(MATURITY_END)
    framework = _framework(report)
    if framework:
        out.add("")
        if not out.add(framework.rstrip("\n")):
            out.add("_The framework view did not fit; see the JSON report._")
    tail = [""]
    if omitted:
        tail.append(f"> **Note:** {omitted} findings were left out to keep this summary under "
                    f"{budget // 1024} KiB; the JSON report lists every finding.")
        tail.append("")
    tail.append(f"<sub>aima-gate {esc(report.tool_version)} · policy pack {code(report.policy_pack_digest[:19])} · "
                "full results: JSON/SARIF reports and code scanning</sub>")
    return "\n".join([*out.parts, *tail]) + "\n"
