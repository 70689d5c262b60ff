"""Human-readable text, written for a person's first run: what was found (models and where from, evidence kinds,
narrowings, excluded folders), the failures and errors grouped by AIMA domain with their evidence
(``file:line: message``), the few next steps worth most, and one verdict line, always the last.

Passing and not-applicable findings are counted, not listed, unless ``verbose`` (``check -v``); the machine formats
always hold every finding.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from itertools import compress, groupby
from operator import attrgetter
from typing import Any, NamedTuple

from aima_gate.aima.catalog import load_catalog
from aima_gate.core.errors import pointer_to_path
from aima_gate.core.model import Finding, Status
from aima_gate.core.report import Report
from aima_gate.integrity.import_report import summary_lines
from aima_gate.reporters._common import escape_terminal, found_detail, scope_notes
from aima_gate.reporters._overview import inventory_lines, next_steps_lines, passing_line

_SHOWN = (Status.ERROR, Status.FAIL, Status.WAIVED)
_SHOWN_IDS = frozenset(map(id, _SHOWN))
_STATUS, _AIMA = attrgetter("status"), attrgetter("aima")
_LABEL = {Status.ERROR: "ERROR", Status.FAIL: "FAIL", Status.WAIVED: "WAIVED", Status.PASS: "PASS",
          Status.NOT_APPLICABLE: "N/A"}


def _finding_lines(report: Report, f: Finding, heads: dict[tuple[Any, ...], _Head]) -> list[str]:
    """A finding's lines; ``heads`` keeps the lines that depend only on its policy and kind (see :class:`_Head`)."""
    key = (f.policy_id, f.title, f.remediation, id(f.status), id(f.severity), id(f.aima))
    head = heads.get(key)
    if head is None:
        head = heads[key] = _head(report, f)
    out = [f"{head.lead}{f.subject.name} ({f.subject.file})"]
    if head.title is not None:
        out.append(head.title)
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
    if head.fix is not None:
        out.append(head.fix)
    return out


class _Head(NamedTuple):
    """The lines of a finding made of its policy id, title, remediation, status, severity and AIMA reference
    alone: the same for every finding of a policy's kind (tens of thousands of failures, a few hundred kinds)."""

    lead: str
    """The first line up to the subject."""
    title: str | None
    fix: str | None


def _head(report: Report, f: Finding) -> _Head:
    label = _LABEL[f.status]
    if f.status is Status.FAIL and not report.is_blocking(f):
        label = "WARN"
    return _Head(f"  {label:<6} [{f.severity.value}] {f.policy_id}: ",
                 None if f.status is Status.ERROR else f"         {f.title}",
                 f"         fix: {f.remediation}" if f.status in (Status.FAIL, Status.ERROR) else None)


def render(report: Report, *, verbose: bool = False) -> str:
    return "".join(iter_render(report, verbose=verbose))


def iter_render(report: Report, *, verbose: bool = False, batch: int = 4096) -> Iterator[str]:
    """The report in pieces of up to ``batch`` whole lines, each ending in a newline (tens of megabytes on large
    repositories are written as they are made, never held as one string); joined, they are :func:`render`.

    Every line escaped as a whole: a repository-chosen string (file or model name, a quoted value) can never
    add a line (a forged "Verdict: PASS") or a terminal control sequence; only the joins here end lines."""
    pending: list[str] = []
    for block in _blocks(report, verbose):
        pending += block
        if len(pending) >= batch:
            full = len(pending) - len(pending) % batch
            for start in range(0, full, batch):
                yield _escaped(pending[start:start + batch])
            del pending[:full]
    if pending:
        yield _escaped(pending)


def _escaped(lines: list[str]) -> str:
    """The lines, each through :func:`escape_terminal`, joined and ended by newlines. A printable line is its own
    escape: a batch of printable lines (the usual case) is checked at C speed, without a call per line."""
    return "\n".join(lines if all(map(str.isprintable, lines)) else map(escape_terminal, lines)) + "\n"


def _blocks(report: Report, verbose: bool) -> Iterator[list[str]]:
    """The report's lines, unescaped, a few at a time (a finding's at once)."""
    catalog = load_catalog()
    names = {d.slug: d.name for d in catalog.domains}
    order = {d.slug: i for i, d in enumerate(catalog.domains)}
    groups: dict[str, list[Finding]] = defaultdict(list)
    for aima, same in groupby(report.findings, _AIMA):  # runs sharing an AIMA reference (a policy's findings)
        groups[aima.domain if aima else ""].extend(same)
    yield [f"aima-gate {report.tool_version}: {len(report.policies)} policies, fail on {report.fail_on.value}+"]
    # Narrowings first, before any result: a reader must know what was not evaluated (policies.disable too).
    yield scope_notes(report)
    target = report.extra.get("target_level")
    if target:
        yield [f"Target AIMA level {target['level']} ({target['file']}): {target['advisory']} failure(s) of "
               "policies above it are advisory, not blocking"]
    baseline = report.extra.get("baseline")
    if baseline:
        state = f"EXPIRED on {baseline['expires']}: recorded debt blocks again" if baseline["expired"] else \
            f"{baseline['baselined']} failure(s) baselined (shown as waived)"
        fixed = [f"{d['policy_id']} on {d['subject']}" for d in baseline["fixed"]]
        yield [f"Baseline {baseline['file']} ({baseline['created']}): {state}"
               + (f"; fixed debt: {', '.join(fixed)}" if fixed else "")]
    yield list(summary_lines(report.extra, detailed=verbose))
    yield inventory_lines(report, verbose=verbose)
    shown_domains = []
    heads: dict[tuple[Any, ...], _Head] = {}
    for domain in sorted(groups, key=lambda d: order.get(d, -1)):
        items = groups[domain]
        counts = Counter(map(id, map(_STATUS, items)))  # by status object: Status's hash is Python code
        if not verbose and not any(counts[i] for i in _SHOWN_IDS):
            continue
        shown_domains.append(domain)
        title = names.get(domain, "aima-gate (input and configuration)")
        passed = counts[id(Status.PASS)]
        na = counts[id(Status.NOT_APPLICABLE)]
        yield ["", f"{title}: {passed} passed" + (f", {na} not applicable" if na else "")]
        listed = items if verbose else compress(items, map(_SHOWN_IDS.__contains__, map(id, map(_STATUS, items))))
        for f in listed:
            yield _finding_lines(report, f, heads)
    passing = passing_line(report, shown_domains, verbose)
    if passing:
        yield ["", passing]
    steps = next_steps_lines(report)
    if steps:
        yield ["", *steps]
    s = report.summary
    verdict = report.verdict.upper()
    yield ["", (
        f"Verdict: {verdict} (exit {int(report.exit_code)}): {s['blocking']} blocking; "
        f"{s['pass']} pass, {s['fail']} fail, {s['error']} error, {s['waived']} waived, "
        f"{s['not_applicable']} not applicable"
    )]
