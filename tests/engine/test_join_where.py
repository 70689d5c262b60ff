"""Joins by ``where`` alone (no ``via``/``on``): every artifact of the kind is a candidate, filtered by where."""

from __future__ import annotations

import pytest

from aima_gate.core.errors import PolicyError
from aima_gate.core.model import Artifact, Status
from aima_gate.engine.assertions import Join
from tests.engine.helpers import art, make_policy, run

COVERS = {"join": {"kind": "document", "where": {"all": [
    {"path": "doc_kind", "equals": "incident-runbook"},
    {"path": "covers", "contains": {"subject": "name"}}]}}, "message": "no runbook covers this model"}


def _doc(covers: list[str], kind: str = "incident-runbook") -> Artifact:
    return art({"doc_kind": kind, "covers": covers}, kind="document", name=f"{kind}:{','.join(covers)}",
               file="governance/runbook.md")


def test_join_by_where_matches_on_a_subject_operand() -> None:
    policy = make_policy(COVERS)
    model = art({"name": "scorer", "version": "1"})
    assert run(policy, [model, _doc(["other", "scorer"])])[0].status is Status.PASS
    [miss] = run(policy, [model, _doc(["other"]), _doc(["scorer"], kind="dpia")])
    assert miss.status is Status.FAIL
    assert miss.evidence[0].message == "no runbook covers this model"
    [none] = run(policy, [model])
    assert none.status is Status.FAIL


@pytest.mark.parametrize(("join", "fragment"), [
    ({"kind": "document"}, "needs 'via' (a reference field), 'on' (matching fields) or 'where'"),
    ({"kind": "document", "via": "runbook", "on": {"name": "name"}}, "not both"),
])
def test_join_needs_exactly_one_way_to_find_candidates(join: dict[str, object], fragment: str) -> None:
    with pytest.raises(PolicyError) as exc:
        make_policy({"join": join})
    assert fragment in str(exc.value)


SOME_FILE_MODEL = {"join": {"kind": "model", "where": {"path": "source", "equals": "file"}}}


def test_a_filter_that_cannot_see_the_subject_is_applied_once_per_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Quadratic before: every subject re-filtered every model (25 s at 1,000 models under the full pack)."""
    from aima_gate.engine import assertions

    policy = make_policy(SOME_FILE_MODEL)
    join = policy.assertion
    assert isinstance(join, assertions.Join) and join.subject_free
    models = [art({"name": f"m{i}", "version": "1", "source": "file" if i % 2 else "mlflow"}, name=f"m{i}:1")
              for i in range(40)]
    calls = 0
    original = assertions.Leaf.status

    def counting(self: assertions.Leaf, scope: assertions.Scope, value: object, pointer: str) -> assertions.Tri:
        nonlocal calls
        calls += 1
        return original(self, scope, value, pointer)

    monkeypatch.setattr(assertions.Leaf, "status", counting)  # (the filter asks statuses only)
    findings = run(policy, models)
    assert [f.status for f in findings] == [Status.PASS] * 40
    assert calls == 40  # one filter pass over the 40 candidates, not 40 x 40
    assert len(findings[0].evidence) == 20  # each of the 20 registry-file models, as before


def test_a_filter_that_reads_the_subject_is_applied_per_subject() -> None:
    policy = make_policy(COVERS)
    join = policy.assertion
    assert isinstance(join, Join) and not join.subject_free
    models = [art({"name": name, "version": "1"}, name=f"{name}:1") for name in ("a", "b", "c")]
    findings = run(policy, [*models, _doc(["a", "c"])])
    assert {f.subject.name: f.status for f in findings} == {"a:1": Status.PASS, "b:1": Status.FAIL,
                                                            "c:1": Status.PASS}


def test_evidence_of_a_capped_join_counts_every_match() -> None:
    from aima_gate.engine.assertions import MAX_EVIDENCE

    policy = make_policy({"join": {"kind": "model", "where": {"path": "source", "equals": "file"},
                                   "require": "none"}})
    models = [art({"name": f"m{i}", "version": "1", "source": "file"}, name=f"m{i}:1") for i in range(60)]
    finding = run(policy, models)[0]
    assert finding.status is Status.FAIL
    assert len(finding.evidence) == MAX_EVIDENCE + 1
    assert finding.evidence[-1].message.endswith(f"and {60 - MAX_EVIDENCE} more evidence items")
