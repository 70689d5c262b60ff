"""The run's sort marks its findings :class:`DistinctFindings` exactly when they are in strictly increasing (policy,
file, kind, name) order with no NUL in those fields (pipeline/run_findings.sorted_findings): the reporters then
key each finding to its identity without checking that order again (reporters/_common.py), so a wrong mark
would give two findings one fingerprint. Held to the reporters' own check and to the reference keys."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from aima_gate.core.model import Evidence, Finding, Severity, Status, Subject
from aima_gate.core.report import DistinctFindings
from aima_gate.pipeline.run_findings import sorted_findings
from aima_gate.reporters._common import _distinct_in_order, finding_keys
from tests.reporters.random_findings import reference_keys, report_of

_ROW = st.tuples(st.sampled_from(["b", "a", "c\0x", "c"]), st.sampled_from(["f1", "f0", "f\0", "f"]),
                 st.sampled_from(["model", "model_card"]), st.sampled_from(["n", "m", "o\0", "o"]),
                 st.integers(0, 2))


def _finding(policy: str, file: str, kind: str, name: str, line: int) -> Finding:
    ev = (Evidence(file, line, "", None, "x", "m"),) if line else ()
    return Finding(policy, "t", Status.FAIL, Severity.LOW, Subject(kind, name, file), None, ev, "r")


@settings(max_examples=300, deadline=None)
@given(st.lists(_ROW, max_size=25), st.booleans(), st.booleans(), st.integers(0, 25))
def test_the_mark_is_the_reporters_check(rows: list[Any], engine_order: bool, dedupe: bool, cut: int) -> None:
    if engine_order:  # by policy and subject, as the engine gives them (each group then kept as it is)
        rows.sort(key=lambda r: (r[0], r[1], r[2], r[3]))
    if dedupe:  # one finding per subject and policy, as usual
        rows = list({r[:4]: r for r in rows}.values())
    findings = [_finding(*row) for row in rows]
    got = sorted_findings(findings[:cut], iter(findings[cut:]))
    assert (type(got) is DistinctFindings) == _distinct_in_order(tuple(got))
    report = report_of([])
    object.__setattr__(report, "findings", got)  # the marked tuple itself (report_of makes a plain one)
    assert finding_keys(report) == reference_keys(list(got))


_POOL = [Subject(kind, name, file) for file in ("f0", "f\0", "f1") for kind in ("model", "model_card")
         for name in ("m", "n\0", "n")]
_POOL += [Subject(s.kind, s.name, s.file) for s in _POOL[:4]]  # equal subjects, other objects


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c\0"]), st.lists(st.integers(0, len(_POOL) - 1), max_size=8)),
                max_size=5), st.booleans())
@example([("a", [0, 2, 3]), ("b", [0, 5, 3])], False)  # the same length, first and last subject; not the middle
@example([("a", [0, 2, 5]), ("b", [0, 4, 5])], False)
def test_policies_sharing_subject_objects(runs: list[Any], engine_order: bool) -> None:
    """As the engine makes them: the policies of a kind list the same subject objects, in the same order (the sort
    recognises a sequence it has checked), or equal ones, or a sequence out of order or with a repeat."""
    findings = []
    for policy, picks in runs:
        subjects = [_POOL[k] for k in picks]
        if engine_order:
            subjects = sorted(set(subjects), key=lambda s: (s.file, s.kind, s.name))
        findings += [Finding(policy, "t", Status.FAIL, Severity.LOW, s, None, (), "r") for s in subjects]
    got = sorted_findings(findings)
    expected = sorted(findings, key=lambda f: (f.policy_id, f.subject.file, f.subject.kind, f.subject.name))
    assert [id(f) for f in got] == [id(f) for f in expected]
    assert (type(got) is DistinctFindings) == _distinct_in_order(tuple(got))


def test_both_marks_are_reached() -> None:
    plain = sorted_findings([_finding("a", "f", "model", "n", 0), _finding("a", "f", "model", "n", 1)])
    marked = sorted_findings([_finding("a", "f", "model", "n", 0), _finding("a", "f", "model", "o", 0)])
    nul = sorted_findings([_finding("a", "f", "model", "n\0", 0), _finding("a", "f", "model", "o", 0)])
    unsorted = sorted_findings([_finding("a", "f", "model", "o", 0), _finding("a", "f", "model", "n", 0)])
    assert type(plain) is tuple and type(marked) is DistinctFindings and type(nul) is tuple
    assert type(unsorted) is DistinctFindings  # sorted, then strictly increasing
