"""A not-applicable finding's evidence is built only when an output shows it (``evaluate(na_evidence=False)``),
under the same rule as a pass's: statuses are the same either way, and a subject that is not unique keeps its
evidence (reports order findings that tie on (policy, file, kind, name) by their first evidence item)."""

from __future__ import annotations

from typing import Any

from aima_gate.core.model import Artifact, Finding, Status
from aima_gate.engine.evaluate import evaluate
from aima_gate.engine.policy import Policy, resolve_params
from tests.conftest import TODAY
from tests.engine.helpers import art, make_policy

OWNER: dict[str, Any] = {"path": "owner", "exists": True}
IN_PRODUCTION: dict[str, Any] = {"kind": "model", "where": {"path": "stage", "equals": "production"}}


def _run(policies: list[Policy], artifacts: list[Artifact], *, pass_evidence: bool = True,
         na_evidence: bool = True) -> list[Finding]:
    params = resolve_params(policies, {})
    return list(evaluate(policies, artifacts, params=params, today=TODAY, pass_evidence=pass_evidence,
                         na_evidence=na_evidence).findings)


def _models() -> list[Artifact]:
    return [
        art({"name": f"m{i}", "version": "1", "stage": "production" if i % 3 else "staging",
             **({"owner": "team"} if i % 2 else {})})
        for i in range(12)
    ]



def test_a_not_applicable_finding_builds_no_evidence_when_no_output_shows_it(built: list[str]) -> None:
    findings = _run([make_policy(OWNER, applies_to=IN_PRODUCTION)], _models(), na_evidence=False)
    na = [f for f in findings if f.status is Status.NOT_APPLICABLE]
    fails = [f for f in findings if f.status is Status.FAIL]
    assert len(na) == 4 and fails
    assert all(f.evidence == () for f in na)
    assert "/stage" not in built  # the where clause's evidence was never built
    assert len(built) == sum(len(f.evidence) for f in findings if f.status is not Status.NOT_APPLICABLE)


def test_statuses_and_other_evidence_are_the_same_either_way() -> None:
    policies = [make_policy(OWNER, applies_to=IN_PRODUCTION)]
    full = _run(policies, _models())
    for pass_evidence in (True, False):
        lean = _run(policies, _models(), pass_evidence=pass_evidence, na_evidence=False)
        assert [(f.policy_id, f.subject, f.status) for f in lean] == [(f.policy_id, f.subject, f.status) for f in full]
        shown = {Status.FAIL, Status.ERROR, Status.WAIVED} | ({Status.PASS} if pass_evidence else set())
        assert [f for f in lean if f.status in shown] == [f for f in full if f.status in shown]
    assert all(f.evidence for f in full)  # by default every finding carries its evidence


def test_a_not_applicable_subject_that_is_not_unique_keeps_its_evidence() -> None:
    twins = [art({"name": "m", "version": "1", "stage": "dev"}), art({"name": "m", "version": "1", "stage": "qa"})]
    lone = art({"name": "n", "version": "1", "stage": "dev"})
    policy = make_policy(OWNER, applies_to=IN_PRODUCTION)
    findings = _run([policy], [*twins, lone], na_evidence=False)
    assert [f.status for f in findings] == [Status.NOT_APPLICABLE] * 3
    assert [bool(f.evidence) for f in findings] == [True, True, False]
    assert findings[:2] == _run([policy], twins)


def test_a_policy_with_no_subjects_keeps_its_evidence() -> None:
    """The "no artifacts were found" finding says why; it is one per policy, not one per subject."""
    [finding] = _run([make_policy(OWNER, optional=True)], [], na_evidence=False, pass_evidence=False)
    assert finding.status is Status.NOT_APPLICABLE and finding.evidence
