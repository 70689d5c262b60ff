"""``missing_kinds_once`` and ``nothing_to_govern`` pick the engine's "(no X found)" errors at C speed (by the id of
the status, then by subject name): held here to the plain per-finding loops they stand for, on lists that mix
such errors with ordinary findings, and with findings that look like them but are not errors."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.config.repo_config import Config
from aima_gate.core.model import NO_SUBJECTS, Finding, Severity, Status, Subject
from aima_gate.pipeline.inventory import nothing_to_govern
from aima_gate.pipeline.run_findings import missing_kinds_once

_KINDS = ["model", "model_card", "sast_report", "dependency_scan"]
_finding = st.builds(
    lambda i, kind, status, missing: Finding(
        f"p{i}", "t", status, Severity.HIGH, Subject(kind, f"(no {kind} found)" if missing else f"m{i}", "a.yml"),
        None, (), ""),
    st.integers(0, 5), st.sampled_from(_KINDS), st.sampled_from([Status.ERROR, Status.ERROR, Status.FAIL, Status.PASS]),
    st.booleans())


def _missing(f: Finding) -> bool:
    return f.subject.name == f"(no {f.subject.kind} found)"


def _reference(findings: list[Finding]) -> list[Finding]:
    """The loop missing_kinds_once stood for: every finding about a grouped kind's "(no X found)" subject goes,
    the rest stay in order, and each group (its one error, or its one replacement) follows: here its first
    finding stands for it."""
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        if f.status is Status.ERROR and _missing(f):
            groups.setdefault(f.subject.kind, []).append(f)
    kept = [f for f in findings if f.subject.kind not in groups or not _missing(f)]
    return kept + [g[0] for g in groups.values()]  # (a group of one keeps its error; the test checks the others')


@settings(max_examples=300, deadline=None)
@given(st.lists(_finding, max_size=40))
def test_missing_kinds_once_is_the_plain_loop(findings: list[Finding]) -> None:
    got = missing_kinds_once(findings, Config(file=None), ".")
    expected = _reference(findings)
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        if g.policy_id == NO_SUBJECTS:  # a group's one replacement error, made anew
            assert g.subject.kind == e.subject.kind and _missing(g) and g.status is Status.ERROR
        else:
            assert g is e


@settings(max_examples=300, deadline=None)
@given(st.lists(_finding, max_size=40))
def test_nothing_to_govern_picks_the_same_errors(findings: list[Finding]) -> None:
    empty = [f for f in findings if f.status is Status.ERROR and _missing(f)]
    got = nothing_to_govern(findings, ".")
    if len(empty) < 2 or not any(f.subject.kind == "model" for f in empty):
        assert got == findings and all(g is f for g, f in zip(got, findings, strict=True))
    else:
        assert got[:-1] == [f for f in findings if f not in empty]
        assert got[-1].policy_id == NO_SUBJECTS and got[-1].subject.name == "(no model found)"
