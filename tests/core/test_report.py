"""``Report.summary`` and ``Report.verdict`` (core/report.py) count findings by their (status, severity, aima)
objects at C speed; held equal here to the per-finding loops they replaced (kept below as the reference), with
shared and distinct objects, advisory levels and every ``fail_on``."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.core.model import AimaRef, Finding, Severity, Status, Subject
from aima_gate.core.report import VERDICT_ERROR, VERDICT_FAIL, VERDICT_PASS, Report

_SHARED = [None, AimaRef("d", "p", "A", 1), AimaRef("d", "p", "A", 3)]
_SUBJECT = Subject("model", "m", "a.yml")


def _reference_summary(report: Report) -> dict[str, int]:
    counts = Counter(f.status.value for f in report.findings)
    out = {s.value: counts.get(s.value, 0) for s in Status}
    out["blocking"] = sum(1 for f in report.findings if report.is_blocking(f))
    out["total"] = len(report.findings)
    return out


def _reference_verdict(report: Report) -> str:
    if any(f.status is Status.ERROR for f in report.findings):
        return VERDICT_ERROR
    if any(report.is_blocking(f) for f in report.findings):
        return VERDICT_FAIL
    return VERDICT_PASS


# An aima is one of a few shared objects (as policies share them) or a fresh, equal-valued one per finding.
_aima = st.one_of(st.sampled_from(_SHARED),
                  st.builds(AimaRef, st.just("d"), st.just("p"), st.just("A"), st.integers(1, 3)))
_finding = st.builds(lambda status, severity, aima: Finding("p", "t", status, severity, _SUBJECT, aima, (), ""),
                     st.sampled_from(list(Status)), st.sampled_from(list(Severity)), _aima)


@settings(max_examples=400, deadline=None)
@given(st.lists(_finding, max_size=40), st.sampled_from(list(Severity)), st.sampled_from([None, 1, 2, 3]))
def test_summary_and_verdict_equal_the_per_finding_loops(findings: list[Finding], fail_on: Severity,
                                                         target: int | None) -> None:
    report = Report("1", "d", fail_on, tuple(findings), target_level=target)
    assert report.summary == _reference_summary(report)
    assert list(report.summary) == list(_reference_summary(report))  # the JSON report writes it in this order
    assert report.verdict == _reference_verdict(report)
