"""``finding_kinds`` (counted at C speed) and ``per_kind`` (a memo) share one definition of a finding's kind,
``kind_of``: held here to the plain per-finding loops they stand for."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.core.model import AimaRef, Finding, Severity, Status, Subject
from aima_gate.core.report import finding_kinds, kind_of, per_kind

# Equal AimaRefs that are different objects are different kinds (ids), as policies' own objects are.
_AIMAS = [None, AimaRef("d", "p", "A", 1), AimaRef("d", "p", "A", 1), AimaRef("d", "q", "B", 3)]
_finding = st.builds(
    lambda i, status, severity, aima: Finding(f"p{i}", "t", status, severity, Subject("model", f"m{i}", "a.yml"),
                                              _AIMAS[aima], (), ""),
    st.integers(0, 3), st.sampled_from(list(Status)), st.sampled_from(list(Severity)), st.integers(0, 3))
# As a policy gives them: runs of one policy's findings with its one severity and AIMA reference (all but the
# status fixed per policy), now and then one that differs, as a merged or hand-made list may hold.
_POLICY_SEVERITY = {i: list(Severity)[i % len(Severity)] for i in range(4)}
_policy_finding = st.builds(
    lambda i, status, odd: Finding(f"p{i}", "t", status, Severity.LOW if odd else _POLICY_SEVERITY[i],
                                   Subject("model", "m", "a.yml"), _AIMAS[i], (), ""),
    st.integers(0, 3), st.sampled_from(list(Status)), st.integers(0, 9).map(lambda n: n == 0))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.lists(_finding, max_size=40), st.lists(_policy_finding, max_size=60)), st.booleans())
def test_finding_kinds_counts_kind_of(findings: list[Finding], as_iterator: bool) -> None:
    got = finding_kinds(iter(findings) if as_iterator else findings)
    counts = Counter(kind_of(f) for f in findings)
    assert [(kind_of(f), n) for f, n in got] == list(counts.items())  # first-appearance order, one per kind
    last = {kind_of(f): f for f in findings}
    assert all(f is last[kind_of(f)] for f, _ in got)  # the very last finding of each kind


@settings(max_examples=300, deadline=None)
@given(st.lists(_finding, max_size=40))
def test_per_kind_asks_once_per_kind(findings: list[Finding]) -> None:
    asked: list[Finding] = []

    def compute(f: Finding) -> tuple[str, int, str | None]:
        asked.append(f)
        return f.status.value, f.severity.rank, f.aima.practice if f.aima else None

    answer = per_kind(compute)
    assert [answer(f) for f in findings] == [
        (f.status.value, f.severity.rank, f.aima.practice if f.aima else None) for f in findings]
    assert [kind_of(f) for f in asked] == list(dict.fromkeys(kind_of(f) for f in findings))
