"""Evidence is built only when asked for: a pass nobody shows, a join's filter and the children a combinator
leaves out never build theirs (engine/assertions.py ``Outcome``; ``evaluate(pass_evidence=False)``).

Statuses never depend on it: they are decided before any evidence is built.
"""

from __future__ import annotations

from typing import Any

import pytest

from aima_gate.core.model import Artifact, Evidence, Status
from aima_gate.engine import assertions
from aima_gate.engine.assertions import Outcome, Tri
from aima_gate.engine.evaluate import evaluate
from aima_gate.engine.policy import Policy, resolve_params
from tests.conftest import TODAY
from tests.engine.helpers import art, make_policy
from tests.spies import record_first_args

OWNER: dict[str, Any] = {"path": "owner", "exists": True}
BOTH: dict[str, Any] = {"all": [{"path": "owner", "exists": True}, {"path": "risk_tier", "one_of": ["low", "high"]}]}
NOT_PROTOTYPE: dict[str, Any] = {"not": {"path": "stage", "equals": "prototype"}}
SOME_FILE_MODEL: dict[str, Any] = {"join": {"kind": "model", "where": {"path": "source", "equals": "file"}}}


def _run(policies: list[Policy], artifacts: list[Artifact], *, pass_evidence: bool) -> list[Any]:
    params = resolve_params(policies, {})
    return list(evaluate(policies, artifacts, params=params, today=TODAY, pass_evidence=pass_evidence).findings)


def _models() -> list[Artifact]:
    return [
        art(
            {
                "name": f"m{i}",
                "version": "1",
                "source": "file" if i % 2 else "mlflow",
                "stage": "prod",
                **({"owner": "team", "risk_tier": "low"} if i % 3 else {"risk_tier": "extreme"}),
            }
        )
        for i in range(12)
    ]



def _policies() -> list[Policy]:
    return [make_policy(a, id=f"test.p{i}") for i, a in enumerate((OWNER, BOTH, NOT_PROTOTYPE, SOME_FILE_MODEL))]


def test_a_pass_builds_no_evidence_when_no_output_shows_it(built: list[str]) -> None:
    findings = _run(_policies(), _models(), pass_evidence=False)
    passes = [f for f in findings if f.status is Status.PASS]
    fails = [f for f in findings if f.status is Status.FAIL]
    assert passes and fails
    assert all(f.evidence == () for f in passes)
    assert all(f.evidence for f in fails)
    # Only the failures' evidence was built: one item each (owner missing, or risk tier outside the list).
    assert len(built) == sum(len(f.evidence) for f in fails)


def test_statuses_and_non_pass_evidence_are_the_same_either_way() -> None:
    lean = _run(_policies(), _models(), pass_evidence=False)
    full = _run(_policies(), _models(), pass_evidence=True)
    assert [(f.policy_id, f.subject, f.status) for f in lean] == [(f.policy_id, f.subject, f.status) for f in full]
    assert [f for f in lean if f.status is not Status.PASS] == [f for f in full if f.status is not Status.PASS]
    assert all(f.evidence for f in full)  # by default every finding carries its evidence, passes too


def test_a_pass_on_a_subject_that_is_not_unique_keeps_its_evidence() -> None:
    """Reports order findings that tie on (policy, file, kind, name) by their first evidence item."""
    twins = [art({"name": "m", "version": "1", "owner": "a"}), art({"name": "m", "version": "1", "owner": "b"})]
    lone = art({"name": "n", "version": "1", "owner": "c"})
    findings = _run([make_policy(OWNER)], [*twins, lone], pass_evidence=False)
    assert [f.status for f in findings] == [Status.PASS] * 3
    assert [bool(f.evidence) for f in findings] == [True, True, False]
    assert findings[:2] == _run([make_policy(OWNER)], twins, pass_evidence=True)


def test_a_join_filter_builds_no_evidence(built: list[str]) -> None:
    findings = _run([make_policy(SOME_FILE_MODEL)], _models(), pass_evidence=True)
    assert all(f.status is Status.PASS for f in findings)
    # Each subject's pass lists the 6 matching models ("found model ..."); the filter itself built nothing.
    assert len(built) == 12 * 6 and set(built) == {""}


def test_combinators_build_only_the_deciding_childrens_evidence(built: list[str]) -> None:
    [finding] = _run([make_policy(BOTH)], [art({"name": "m", "version": "1", "risk_tier": "low"})], pass_evidence=True)
    assert finding.status is Status.FAIL
    assert built == ["/owner"]  # the passing risk tier's evidence was never built


def test_outcome_evidence_is_built_once_on_first_access() -> None:
    calls = []
    ev = Evidence("f.yml", 3, "/owner", None, "an owner", "owner is missing")

    def build() -> tuple[Evidence, ...]:
        calls.append(1)
        return (ev,)

    outcome = Outcome(Tri.PASS, build=build)
    assert outcome.status is Tri.PASS and not calls
    assert outcome.evidence == (ev,) and outcome.evidence[0] is ev
    assert calls == [1]
    assert Outcome(Tri.FAIL, (ev,)).evidence == (ev,)


def test_a_value_shown_in_a_message_is_written_only_for_evidence_that_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Operators leave the usual tail ``= <actual value>`` to the leaf (None), which writes it when building."""
    from aima_gate.engine import paths

    shown = record_first_args(monkeypatch, assertions, "show", real=paths.show)
    tier: dict[str, Any] = {"path": "risk_tier", "one_of": ["low", "high"]}
    findings = _run([make_policy(tier)], _models(), pass_evidence=False)
    fails = [f for f in findings if f.status is Status.FAIL]
    assert len(fails) == 4 and shown == ["extreme"] * 4
    assert fails[0].evidence[0].message == "$.risk_tier = 'extreme'"
    assert fails[0].evidence[0].expected == 'one of ["low", "high"]'


def test_a_reference_followed_by_several_policies_is_looked_up_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """``via`` joins from the same artifact and reference share one candidate lookup per run."""
    lookups: list[object] = []

    class Counting(dict[Any, Any]):
        def get(self, key: Any, default: Any = None) -> Any:
            lookups.append(key)
            return super().get(key, default)

    original = assertions.ArtifactIndex.__init__

    def init(self: assertions.ArtifactIndex, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.by_file = Counting(self.by_file)

    monkeypatch.setattr(assertions.ArtifactIndex, "__init__", init)
    refs = [("model_card", f"cards/m{i}.md", "/model_card") for i in range(3)]
    models = [
        art({"name": f"m{i}", "version": "1", "model_card": ref[1]}, references=[ref]) for i, ref in enumerate(refs)
    ]
    cards = [
        art({"version": "1" if i else "2"}, kind="model_card", name=f"m{i}", file=ref[1]) for i, ref in enumerate(refs)
    ]
    same = {
        "join": {
            "kind": "model_card",
            "via": "model_card",
            "assert": {"path": "version", "equals": {"subject": "version"}},
        }
    }
    found = {"join": {"kind": "model_card", "via": "model_card"}}
    policies = [make_policy(same, id="test.same"), make_policy(found, id="test.found")]
    findings = _run(policies, [*models, *cards], pass_evidence=True)
    assert len(lookups) == 3  # one per model, not one per model per policy
    assert [(f.policy_id, f.subject.name, f.status) for f in findings] == [
        ("test.found", "m0@1", Status.PASS),
        ("test.found", "m1@1", Status.PASS),
        ("test.found", "m2@1", Status.PASS),
        ("test.same", "m0@1", Status.FAIL),
        ("test.same", "m1@1", Status.PASS),
        ("test.same", "m2@1", Status.PASS),
    ]
    assert findings[3].evidence[0].file == "cards/m0.md"
