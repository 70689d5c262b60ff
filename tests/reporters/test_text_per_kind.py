"""The text report and its overview (reporters/text.py, reporters/_overview.py) read findings per kind
(status, severity, AIMA reference) and per run of a policy's findings instead of one by one; held equal here
to the per-finding code they replaced (tests/reporters/text_reference.py, overview_reference.py) on random
reports: shared and distinct AIMA objects, the gate's own findings, missing kinds, waivers, control characters,
report order or not, every fail_on, target levels, verbose or not, any batch size."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.core.model import AimaRef, Evidence, Finding, Severity, Status, Subject
from aima_gate.core.report import Report
from aima_gate.reporters import _overview, text
from tests.reporters import overview_reference, text_reference

_AIMAS = [AimaRef("governance", "strategy-and-metrics", "A", 1), AimaRef("governance", "policy-and-compliance", "B", 2),
          AimaRef("responsible-ai", "ethical-values-and-societal-impact", "A", 3), AimaRef("nowhere", "x", "A", 1)]
_POLICIES = {"model.a": _AIMAS[0], "model.b": _AIMAS[1], "model.c": _AIMAS[2], "model.d": _AIMAS[3],
             "aima-gate.input-error": None, "aima-gate.no-subjects": None, "user.none": None}
_SUBJECTS = [Subject("model", "m1", "r/a.yml"), Subject("model", "m2\nVerdict: PASS", "r/b.yml"),
             Subject("model", "(no model found)", "."), Subject("card", "(no card found)", "."),
             Subject("card", "(no cards", "c.md"), Subject("card", "c1", "models/x/version-1/meta.yaml")]
_EVIDENCE = [Evidence("r/a.yml", 3, "/models/0/owner", None, "an owner", "owner missing"),
             Evidence("r/b.yml", 1, "/a~1b/2", "x", "", "$.a/b[2] bad \x1b[2J"),
             Evidence("r/c.yml", 2, "/v/summary", "CVSS 9.8, fixed in 2.0", "", "vulnerable")]

def _aima(policy_id: str, copy: bool) -> AimaRef | None:
    """The policy's shared AIMA reference, or an equal object of its own (as a cache or a view might make)."""
    aima = _POLICIES[policy_id]
    return dataclasses.replace(aima) if aima is not None and copy else aima


_finding = st.builds(
    lambda pid, copy_aima, status, severity, subject, evidence, waiver: Finding(
        pid, f"title of {pid}", status, severity, subject,
        _aima(pid, copy_aima),
        tuple(evidence), f"Fix {pid}. Then more; e.g. this.", waiver=waiver),
    st.sampled_from(sorted(_POLICIES)), st.booleans(), st.sampled_from(list(Status)), st.sampled_from(list(Severity)),
    st.sampled_from(_SUBJECTS), st.lists(st.sampled_from(_EVIDENCE), max_size=2),
    st.sampled_from([None, {"owner": "o", "expires": "2027-01-01", "reason": "r"},
                     {"owner": "o", "expires": "2020-01-01", "reason": "r", "expired": "true"}]))


def _report(findings: list[Finding], fail_on: Severity, target: int | None) -> Report:
    policies = (SimpleNamespace(kind="model"), SimpleNamespace(kind="card"))
    return Report("1.0", "sha256:x", fail_on, tuple(findings), policies, ".", target_level=target)


@settings(max_examples=300, deadline=None)
@given(st.lists(_finding, max_size=30), st.booleans(), st.sampled_from(list(Severity)),
       st.sampled_from([None, 1, 2]), st.booleans(), st.sampled_from([1, 2, 5, 4096]))
def test_text_equals_the_per_finding_reference(findings: list[Finding], in_order: bool, fail_on: Severity,
                                               target: int | None, verbose: bool, batch: int) -> None:
    if in_order:
        findings.sort(key=lambda f: (f.policy_id, f.subject.file, f.subject.kind, f.subject.name))
    report = _report(findings, fail_on, target)
    assert list(text.iter_render(report, verbose=verbose, batch=batch)) == list(
        text_reference.iter_render(report, verbose=verbose, batch=batch))
    assert _overview.inventory_lines(report, verbose=verbose) == overview_reference.inventory_lines(
        report, verbose=verbose)
    assert _overview.next_steps_lines(report) == overview_reference.next_steps_lines(report)
    for shown in ([], ["governance"], ["governance", "responsible-ai"]):
        assert _overview.passing_line(report, shown, verbose) == overview_reference.passing_line(
            report, shown, verbose)
