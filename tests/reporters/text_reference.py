"""The text reporter as it was before its lines were made per kind of finding (reporters/text.py), kept as the
reference its tests hold it equal to.

Human-readable text, written for a person's first run: what was found (models and where from, evidence kinds,
narrowings, excluded folders), the failures and errors grouped by AIMA domain with their evidence
(``file:line: message``), the few next steps worth most, and one verdict line, always the last.

Passing and not-applicable findings are counted, not listed, unless ``verbose`` (``check -v``); the machine formats
always hold every finding.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from aima_gate.aima.catalog import load_catalog
from aima_gate.core.errors import pointer_to_path
from aima_gate.core.model import Finding, Status
from aima_gate.core.report import Report
from aima_gate.integrity.import_report import summary_lines
from aima_gate.reporters._common import escape_terminal, found_detail, scope_notes
from tests.reporters.overview_reference import inventory_lines, next_steps_lines, passing_line

_SHOWN = (Status.ERROR, Status.FAIL, Status.WAIVED)
_LABEL = {Status.ERROR: "ERROR", Status.FAIL: "FAIL", Status.WAIVED: "WAIVED", Status.PASS: "PASS",
          Status.NOT_APPLICABLE: "N/A"}


def _finding_lines(report: Report, f: Finding) -> list[str]:
    label = _LABEL[f.status]
    if f.status is Status.FAIL and not report.is_blocking(f):
        label = "WARN"
    out = [f"  {label:<6} [{f.severity.value}] {f.policy_id}: {f.subject.name} ({f.subject.file})"]
    if f.status is not Status.ERROR:
        out.append(f"         {f.title}")
    for e in f.evidence:
        where = f"{e.file}:{e.line}"
        path = pointer_to_path(e.pointer) if e.pointer else ""
        ptr = f" {path}" if path and not e.message.startswith(path) else ""
        expected = f" (expected {e.expected})" if e.expected and f.status is not Status.PASS else ""
        out.append(f"         {where}{ptr}: {e.message}{expected}")
        detail = found_detail(e)
        if detail:
            out.append(f"           found: {detail}")
    if f.waiver:
        w = f.waiver
        state = "EXPIRED " if w.get("expired") else ""
        out.append(f"         {state}waiver by {w['owner']} until {w['expires']}: {w['reason']}")
    if f.status in (Status.FAIL, Status.ERROR):
        out.append(f"         fix: {f.remediation}")
    return out


def render(report: Report, *, verbose: bool = False) -> str:
    return "".join(iter_render(report, verbose=verbose))


def iter_render(report: Report, *, verbose: bool = False, batch: int = 4096) -> Iterator[str]:
    """The report in pieces of up to ``batch`` whole lines, each ending in a newline (tens of megabytes on large
    repositories are written as they are made, never held as one string); joined, they are :func:`render`.

    Every line escaped as a whole: a repository-chosen string (file or model name, a quoted value) can never
    add a line (a forged "Verdict: PASS") or a terminal control sequence; only the joins here end lines."""
    pending: list[str] = []
    for line in _lines(report, verbose):
        pending.append(escape_terminal(line))
        if len(pending) >= batch:
            yield "\n".join(pending) + "\n"
            pending = []
    if pending:
        yield "\n".join(pending) + "\n"


def _lines(report: Report, verbose: bool) -> Iterator[str]:
    catalog = load_catalog()
    names = {d.slug: d.name for d in catalog.domains}
    order = {d.slug: i for i, d in enumerate(catalog.domains)}
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        groups[f.aima.domain if f.aima else ""].append(f)
    yield f"aima-gate {report.tool_version}: {len(report.policies)} policies, fail on {report.fail_on.value}+"
    # Narrowings first, before any result: a reader must know what was not evaluated (policies.disable too).
    yield from scope_notes(report)
    target = report.extra.get("target_level")
    if target:
        yield (f"Target AIMA level {target['level']} ({target['file']}): {target['advisory']} failure(s) of "
               "policies above it are advisory, not blocking")
    baseline = report.extra.get("baseline")
    if baseline:
        state = f"EXPIRED on {baseline['expires']}: recorded debt blocks again" if baseline["expired"] else \
            f"{baseline['baselined']} failure(s) baselined (shown as waived)"
        fixed = [f"{d['policy_id']} on {d['subject']}" for d in baseline["fixed"]]
        yield (f"Baseline {baseline['file']} ({baseline['created']}): {state}"
               + (f"; fixed debt: {', '.join(fixed)}" if fixed else ""))
    yield from summary_lines(report.extra, detailed=verbose)
    yield from inventory_lines(report, verbose=verbose)
    shown_domains = []
    for domain in sorted(groups, key=lambda d: order.get(d, -1)):
        items = groups[domain]
        if not any(verbose or f.status in _SHOWN for f in items):
            continue
        shown_domains.append(domain)
        title = names.get(domain, "aima-gate (input and configuration)")
        passed = sum(1 for f in items if f.status is Status.PASS)
        na = sum(1 for f in items if f.status is Status.NOT_APPLICABLE)
        yield ""
        yield f"{title}: {passed} passed" + (f", {na} not applicable" if na else "")
        for f in items:
            if verbose or f.status in _SHOWN:
                yield from _finding_lines(report, f)
    passing = passing_line(report, shown_domains, verbose)
    if passing:
        yield ""
        yield passing
    steps = next_steps_lines(report)
    if steps:
        yield ""
        yield from steps
    s = report.summary
    yield ""
    verdict = report.verdict.upper()
    yield (
        f"Verdict: {verdict} (exit {int(report.exit_code)}): {s['blocking']} blocking; "
        f"{s['pass']} pass, {s['fail']} fail, {s['error']} error, {s['waived']} waived, "
        f"{s['not_applicable']} not applicable"
    )
