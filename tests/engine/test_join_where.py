"""Joins by ``where`` alone (no ``via``/``on``): every artifact of the kind is a candidate, filtered by where."""

from __future__ import annotations

import pytest

from aima_gate.core.errors import PolicyError
from aima_gate.core.model import Artifact, Status
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
