"""GitHub Actions workflow commands: ``::error file=...,line=...,title=...::message`` annotations.

GitHub keeps 10 error and 10 warning annotations per step and drops the rest silently, so: errors and blocking
failures become ``::error`` (highest severity first), failures below the ``--fail-on`` threshold ``::warning``,
at most :data:`PER_LEVEL` of each, and one ``::notice`` counts what did not fit. A last plain line states the
verdict for people reading the log. Escaping follows ``actions/toolkit`` (``%``, CR, LF in data; also ``:`` and
``,`` in properties).
"""

from __future__ import annotations

from collections.abc import Callable

from aima_gate.core.model import Finding, Status
from aima_gate.core.report import Report
from aima_gate.integrity.import_report import summary_lines
from aima_gate.reporters._common import (
    anchor,
    display_path,
    escape_terminal,
    file_check,
    is_reported,
    path_prefix,
    scope_notes,
    severity_sort_key,
)

PER_LEVEL = 10


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: control characters shown as escapes first (a repository-chosen title or file name can
    never end the command or start another), then the toolkit's property escaping."""
    return escape_data(escape_terminal(text)).replace(":", "%3A").replace(",", "%2C")


def message(lines: list[str]) -> str:
    """The data part: each line escaped as a whole (no repository string adds a line or a control sequence),
    joined by our own line breaks, which the toolkit's escaping turns into %0A."""
    return escape_data("\n".join(escape_terminal(line) for line in lines))


def annotation(report: Report, level: str, finding: Finding, exists: Callable[[str], bool] | None = None,
               prefix: str | None = None) -> str:
    """``exists`` (:func:`file_check`) and ``prefix`` (:func:`path_prefix`): made once per render."""
    props = []
    where = anchor(report, finding, exists)
    if where is not None:
        props += [f"file={escape_property(display_path(report, where.file, prefix))}", f"line={where.line}"]
    props.append(f"title={escape_property(f'{finding.policy_id} ({finding.severity.value}): {finding.title}')}")
    lines = [f"{finding.subject.kind} {finding.subject.name}:"]
    lines += [f"{display_path(report, e.file, prefix)}:{e.line}: {e.message}"
              + (f" (expected {e.expected})" if e.expected else "") for e in finding.evidence]
    lines.append(f"Fix: {finding.remediation}")
    return f"::{level} {','.join(props)}::{message(lines)}"


def render(report: Report) -> str:
    reported = sorted((f for f in report.findings if is_reported(f)), key=lambda f: severity_sort_key(report, f))
    errors: list[Finding] = []
    warnings: list[Finding] = []
    for f in reported:  # one pass (``f not in errors`` compared whole findings pairwise: minutes on 1,000 models)
        (errors if f.status is Status.ERROR or report.is_blocking(f) else warnings).append(f)
    # Narrowings as notices before the annotations, so the log says what the verdict does not cover.
    out = [f"::notice title={escape_property('aima-gate scope')}::{message([note])}" for note in scope_notes(report)]
    exists, prefix = file_check(report), path_prefix(report)
    out += [annotation(report, "error", f, exists, prefix) for f in errors[:PER_LEVEL]]
    out += [annotation(report, "warning", f, exists, prefix) for f in warnings[:PER_LEVEL]]
    more_e, more_w = max(len(errors) - PER_LEVEL, 0), max(len(warnings) - PER_LEVEL, 0)
    if more_e or more_w:
        out.append(f"::notice title=aima-gate::{more_e + more_w} more findings were not annotated "
                   f"({more_e} errors, {more_w} warnings; GitHub shows {PER_LEVEL} of each per step). "
                   "See the job summary, the code scanning alerts or the JSON report.")
    imports = summary_lines(report.extra)
    if imports:
        out.append(f"::notice title=aima-gate model file pickle imports::{escape_data(chr(10).join(imports))}")
    s = report.summary
    out.append(f"aima-gate: {report.verdict.upper()} (exit {int(report.exit_code)}): {s['blocking']} blocking; "
               f"{s['pass']} pass, {s['fail']} fail, {s['error']} error, {s['waived']} waived, "
               f"{s['not_applicable']} not applicable")
    return "\n".join(out) + "\n"
