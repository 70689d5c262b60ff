"""The Markdown headline (reporters/markdown.py ``_headline``) counts failures by severity per (status, severity,
aima) kind; held equal to the per-finding count it replaced (the reference below) on random reports."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.core.model import AimaRef, Finding, Severity, Status, Subject
from aima_gate.core.report import Report
from aima_gate.reporters._common import severity_values
from aima_gate.reporters.markdown import ICON, _headline

_AIMAS = [None, AimaRef("governance", "x", "A", 1), AimaRef("operations", "y", "B", 3)]


def _reference(report: Report) -> str:
    s = report.summary
    failing = [f for f in report.findings if f.status is Status.FAIL]
    by_sev = Counter(f.severity.value for f in failing)
    sev = ", ".join(f"{by_sev[v]} {v}" for v in severity_values() if by_sev[v])
    parts = [f"{s['fail']} failing" + (f" ({sev})" if sev else "")]
    if s["error"]:
        parts.append(f"{s['error']} cannot be evaluated")
    if s["waived"]:
        parts.append(f"{s['waived']} waived")
    parts.append(f"{s['pass']} passing")
    return f"## {ICON[report.verdict]} aima-gate: {report.verdict.upper()}, " + ", ".join(parts)


_finding = st.builds(lambda status, severity, aima: Finding("p", "t", status, severity, Subject("model", "m", "a"),
                                                            aima, (), ""),
                     st.sampled_from(list(Status)), st.sampled_from(list(Severity)), st.sampled_from(_AIMAS))


@settings(max_examples=300, deadline=None)
@given(st.lists(_finding, max_size=30), st.sampled_from(list(Severity)), st.sampled_from([None, 1, 2]))
def test_headline_equals_the_per_finding_count(findings: list[Finding], fail_on: Severity,
                                               target: int | None) -> None:
    report = Report("1", "d", fail_on, tuple(findings), target_level=target)
    assert _headline(report) == _reference(report)
