"""A policy's ``applies_to.where`` is asked for its status first while its subjects mostly pass it, and for its
outcome at once while they mostly do not (engine/evaluate.py ``_PolicyRun``, a chunk of subjects at a time).
Either way every finding is the one a subject evaluated on its own gives: which was asked first changes the work,
never a finding."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aima_gate.core.model import Artifact, Finding, Status
from aima_gate.engine import assertions
from aima_gate.engine import evaluate as engine_evaluate
from aima_gate.engine.batch import statuses as batch_statuses
from aima_gate.engine.evaluate import evaluate
from aima_gate.engine.policy import Policy, resolve_params
from tests.conftest import TODAY
from tests.engine.helpers import art, make_policy
from tests.spies import record_first_args

_GATED = {"kind": "model", "where": {"all": [{"path": "tier", "gte": 1}, {"path": "name", "exists": True}],
                                      "message": "not a tiered model"}}


def _policy() -> Policy:
    return make_policy({"all": [{"path": "owner", "exists": True}, {"path": "name", "exists": True}]},
                       applies_to=_GATED)


def _run(policy: Policy, models: list[Artifact], *, pass_evidence: bool = True,
         na_evidence: bool = True) -> tuple[Finding, ...]:
    return evaluate([policy], models, params=resolve_params([policy], {}), today=TODAY, pass_evidence=pass_evidence,
                    na_evidence=na_evidence).findings


def _models(tiers: list[Any]) -> list[Artifact]:
    # A tier of 1 passes the gate, 0 fails it, "x" cannot be compared (an error) and a missing one fails it;
    # owners alternate so that the assertion passes and fails behind the gate.
    return [art({"name": f"m{i:02}", **({} if t is None else {"tier": t}), **({"owner": "t"} if i % 2 else {})},
                name=f"m{i:02}@1")
            for i, t in enumerate(tiers)]


_tiers = st.lists(st.sampled_from([1, 0, "x", None]), min_size=1, max_size=24)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_tiers, st.booleans(), st.booleans())
def test_property_findings_are_those_of_each_subject_alone(tiers: list[Any], pass_evidence: bool,
                                                           na_evidence: bool) -> None:
    policy = _policy()
    models = _models(tiers)
    assert any(t == "x" for t in tiers) <= any(f.status is Status.ERROR for f in _run(policy, models))
    together = _run(policy, models, pass_evidence=pass_evidence, na_evidence=na_evidence)
    alone = tuple(f for m in models for f in _run(policy, [m], pass_evidence=pass_evidence, na_evidence=na_evidence))
    assert together == alone
    assert [f.evidence for f in together] == [f.evidence for f in alone]


def test_gates_that_do_not_pass_are_asked_for_their_outcome_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    batches: list[tuple[Any, int]] = []
    real = batch_statuses

    def counting(node: Any, scopes: Any, values: list[Any], pointers: Any) -> Any:
        batches.append((node, len(values)))
        return real(node, scopes, values, pointers)

    monkeypatch.setattr(engine_evaluate, "statuses", counting)
    monkeypatch.setattr(engine_evaluate, "_FIRST_CHUNK", 4)
    monkeypatch.setattr(engine_evaluate, "_CHUNK", 4)
    evaluated = record_first_args(monkeypatch, assertions.AllOf, "evaluate")
    policy = _policy()
    models = _models([0] * 6 + [1] * 6)
    findings = _run(policy, models)
    assert [f.status for f in findings] == [Status.NOT_APPLICABLE] * 6 + [Status.FAIL, Status.PASS] * 3
    assert all(f.evidence for f in findings)
    gate = policy.where
    gate_outcomes = [n for n in evaluated if n is gate]
    # The first chunk's gates were asked for their statuses in one batch, then each for its outcome (to show the
    # finding); none passed, so the second chunk's went straight to their outcomes; half of those passed, so
    # the third chunk's gates were asked for their statuses again, and passed: no outcome.
    assert [n for n, _ in batches if n is gate] == [gate, gate]
    assert len(gate_outcomes) == 4 + 4


def test_no_outcome_for_a_gate_nobody_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    evaluated = record_first_args(monkeypatch, assertions.AllOf, "evaluate")
    policy = _policy()
    findings = _run(policy, _models([0] * 8), na_evidence=False)
    assert [f.status for f in findings] == [Status.NOT_APPLICABLE] * 8 and not any(f.evidence for f in findings)
    assert not [n for n in evaluated if n is policy.where]
