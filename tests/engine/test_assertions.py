"""Combinators, quantifiers and joins, plus hypothesis properties of the three-valued logic."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aima_gate.core.errors import PolicyError
from aima_gate.core.model import Evidence, Status
from aima_gate.engine.assertions import Tri, make_scope
from aima_gate.engine.index import ArtifactIndex
from tests.conftest import TODAY
from tests.engine.helpers import art, finding_of, make_policy, run, status_of
from tests.engine.test_status import _artifacts as _status_artifacts
from tests.engine.test_status import _cards as _status_cards
from tests.engine.test_status import _model as _status_model

P, F, E = Status.PASS, Status.FAIL, Status.ERROR
FLIP = {P: F, F: P, E: E}

# Leaves with a known outcome on DATA: pass, fail, error.
DATA = {"name": "m", "version": "1.0", "n": 3, "tags": ["a", "b"], "d": "2026-01-01", "bad_date": "soon"}
PASS_LEAF = {"path": "n", "gte": 1}
FAIL_LEAF = {"path": "n", "gt": 10}
ERROR_LEAF = {"path": "bad_date", "within_days": 30}
LEAF = {P: PASS_LEAF, F: FAIL_LEAF, E: ERROR_LEAF}


def test_leaves_have_the_expected_outcomes() -> None:
    for want, leaf in LEAF.items():
        assert status_of(leaf, DATA) is want


@pytest.mark.parametrize("inner", [P, F, E])
def test_not_inverts_pass_and_fail_and_keeps_error(inner: Status) -> None:
    assert status_of({"not": LEAF[inner]}, DATA) is FLIP[inner]
    assert status_of({"not": {"not": LEAF[inner]}}, DATA) is inner


def test_not_evidence_is_negated() -> None:
    f = finding_of({"not": {"path": "n", "equals": 3}}, DATA)
    assert f.status is F
    assert f.evidence[0].expected == "not (equals 3)"
    assert f.evidence[0].message.startswith("NOT: ")


@pytest.mark.parametrize(
    ("children", "all_want", "any_want"),
    [((P, P), P, P), ((P, F), F, P), ((F, F), F, F), ((P, E), E, P), ((F, E), F, E), ((E, E), E, E)],
)
def test_all_and_any_are_kleene(children: tuple[Status, ...], all_want: Status, any_want: Status) -> None:
    leaves = [LEAF[c] for c in children]
    assert status_of({"all": leaves}, DATA) is all_want
    assert status_of({"any": leaves}, DATA) is any_want


def test_failure_evidence_lists_only_failing_children_and_custom_messages_replace_them() -> None:
    f = finding_of({"all": [PASS_LEAF, {**FAIL_LEAF, "message": "n is too small"}]}, DATA)
    assert [e.message for e in f.evidence] == ["n is too small"]
    assert f.evidence[0].pointer == "/n"


def test_empty_all_and_mixed_nodes_are_policy_errors() -> None:
    with pytest.raises(PolicyError):
        make_policy({"all": []})
    with pytest.raises(PolicyError, match="cannot be combined"):
        make_policy({"all": [PASS_LEAF], "path": "n", "gt": 1})
    with pytest.raises(PolicyError):
        make_policy({"path": "n"})  # a leaf without an operator


# ---------------------------------------------------------------------------------------------- quantifiers

ITEMS = {"items": [{"v": 1}, {"v": 5}, {"v": 9}], "empty": [], "scalar": 3}


@pytest.mark.parametrize(
    ("mode", "assertion", "want"),
    [("every", {"path": "v", "gte": 1}, P), ("every", {"path": "v", "gte": 5}, F),
     ("some", {"path": "v", "equals": 5}, P), ("some", {"path": "v", "equals": 4}, F),
     ("none", {"path": "v", "equals": 4}, P), ("none", {"path": "v", "equals": 5}, F)],
)
def test_quantifiers(mode: str, assertion: dict[str, Any], want: Status) -> None:
    assert status_of({mode: {"path": "items", "assert": assertion}}, ITEMS) is want


def test_every_failure_evidence_points_at_the_element() -> None:
    f = finding_of({"every": {"path": "items", "assert": {"path": "v", "lt": 5}}}, ITEMS)
    assert [e.pointer for e in f.evidence] == ["/items/1/v", "/items/2/v"]


@pytest.mark.parametrize("mode", ["every", "some", "none"])
def test_empty_lists_are_not_a_pass_unless_allowed(mode: str) -> None:
    q = {"path": "empty", "assert": PASS_LEAF}
    f = finding_of({mode: q}, ITEMS)
    assert f.status is F
    assert "is empty" in f.evidence[0].message
    allowed = status_of({mode: {**q, "allow_empty": True}}, ITEMS)
    assert allowed is (F if mode == "some" else P)  # "some element" of nothing can never hold


def test_quantifier_over_missing_or_scalar() -> None:
    assert status_of({"every": {"path": "absent", "assert": PASS_LEAF}}, ITEMS) is F
    assert status_of({"every": {"path": "scalar", "assert": PASS_LEAF}}, ITEMS) is E


def test_quantifier_over_a_mapping_iterates_values() -> None:
    data = {"metrics": {"auc": {"value": 0.9}, "f1": {"value": 0.7}}}
    assert status_of({"every": {"path": "metrics", "assert": {"path": "value", "gte": 0.6}}}, data) is P
    f = finding_of({"every": {"path": "metrics", "assert": {"path": "value", "gte": 0.8}}}, data)
    assert f.status is F and f.evidence[0].pointer == "/metrics/f1/value"


# ---------------------------------------------------------------------------------------------------- joins


def _card(name: str, version: str | None, file: str) -> Any:
    return art({"model_name": name, "version": version}, kind="model_card", name=name, file=file)


def _model(name: str, version: str, card: str | None) -> Any:
    data: dict[str, Any] = {"name": name, "version": version}
    refs: tuple[tuple[str, str, str], ...] = ()
    if card is not None:
        data["model_card"] = card
        refs = (("model_card", card, "/model_card"),)
    return art(data, file="registry/models.yml", references=refs)


VERSION_JOIN = {"join": {"kind": "model_card", "via": "model_card",
                         "assert": {"path": "version", "equals": {"subject": "version"}}}}


def test_join_via_reference_compares_with_the_subject() -> None:
    findings = run(make_policy(VERSION_JOIN), [
        _model("a", "1.0", "cards/a.md"), _card("a", "1.0", "cards/a.md"),
        _model("b", "2.0", "cards/b.md"), _card("b", "1.9", "cards/b.md"),
    ])
    by_name = {f.subject.name: f for f in findings}
    assert by_name["a@1.0"].status is P
    bad = by_name["b@2.0"]
    assert bad.status is F
    ev = bad.evidence[0]
    assert ev.file == "cards/b.md"  # evidence points into the related artifact
    assert ev.actual == "1.9" and ev.expected == "equals '2.0'"


def test_join_via_unmatched_subjects_are_failures_with_evidence() -> None:
    findings = run(make_policy(VERSION_JOIN), [_model("a", "1.0", None), _model("b", "1.0", "cards/gone.md")])
    by_name = {f.subject.name: f for f in findings}
    missing = by_name["a@1.0"]
    assert missing.status is F
    assert missing.evidence[0].message == "$.model_card is missing: no model_card is referenced"
    assert missing.evidence[0].file == "registry/models.yml"
    uncollected = by_name["b@1.0"]
    assert uncollected.status is F
    assert "no model_card found at cards/gone.md" in uncollected.evidence[0].message


ON_JOIN = {"join": {"kind": "model_card", "on": {"model_name": "name"}}}


def test_join_on_matching_fields() -> None:
    findings = run(make_policy(ON_JOIN), [_model("a", "1", None), _model("b", "1", None), _card("a", None, "c/a.md")])
    by_name = {f.subject.name: f for f in findings}
    assert by_name["a@1"].status is P
    assert by_name["b@1"].status is F
    assert by_name["b@1"].evidence[0].message == 'no model_card with model_name = "b"'


def test_join_require_every_and_none_and_where() -> None:
    cards = [_card("a", "1.0", "c/1.md"), _card("a", "0.9", "c/2.md")]
    every = {"join": {**ON_JOIN["join"], "require": "every", "assert": {"path": "version", "equals": "1.0"}}}
    assert run(make_policy(every), [_model("a", "1", None), *cards])[0].status is F
    some = {"join": {**ON_JOIN["join"], "assert": {"path": "version", "equals": "1.0"}}}
    assert run(make_policy(some), [_model("a", "1", None), *cards])[0].status is P
    none = {"join": {**ON_JOIN["join"], "require": "none"}}
    assert run(make_policy(none), [_model("a", "1", None), *cards])[0].status is F
    assert run(make_policy(none), [_model("z", "1", None), *cards])[0].status is P
    where = {"join": {**ON_JOIN["join"], "require": "every", "where": {"path": "version", "equals": "1.0"},
                      "assert": {"path": "version", "equals": "1.0"}}}
    assert run(make_policy(where), [_model("a", "1", None), *cards])[0].status is P


def test_join_errors_at_compile_time() -> None:
    with pytest.raises(PolicyError, match="unknown artifact kind 'no_such_kind'"):
        make_policy({"join": {"kind": "no_such_kind", "via": "x"}})
    with pytest.raises(PolicyError, match="'via'"):
        make_policy({"join": {"kind": "model_card", "via": "x", "on": {"a": "b"}}})
    with pytest.raises(PolicyError, match="'via'"):
        make_policy({"join": {"kind": "model_card"}})


# ------------------------------------------------------------------------------------------- properties

_leaf = st.sampled_from([PASS_LEAF, FAIL_LEAF, ERROR_LEAF, {"path": "tags", "contains": "a"},
                         {"path": "missing", "exists": True}, {"path": "missing", "exists": False},
                         {"path": "version", "version": {"gte": "0.5"}}, {"path": "n", "matches": "x"}])
_tree = st.recursive(_leaf, lambda kids: st.one_of(
    st.builds(lambda c: {"not": c}, kids),
    st.builds(lambda cs: {"all": cs}, st.lists(kids, min_size=1, max_size=3)),
    st.builds(lambda cs: {"any": cs}, st.lists(kids, min_size=1, max_size=3)),
), max_leaves=6)
_PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPS
@given(_tree)
def test_property_not_inverts(tree: dict[str, Any]) -> None:
    assert status_of({"not": tree}, DATA) is FLIP[status_of(tree, DATA)]


@_PROPS
@given(st.lists(_tree, min_size=1, max_size=4))
def test_property_all_and_any_follow_kleene_logic(children: list[dict[str, Any]]) -> None:
    statuses = [status_of(c, DATA) for c in children]
    want_all = F if F in statuses else E if E in statuses else P
    want_any = P if P in statuses else E if E in statuses else F
    assert status_of({"all": children}, DATA) is want_all
    assert status_of({"any": children}, DATA) is want_any


@pytest.mark.parametrize(("leaf", "data", "want"), [
    (PASS_LEAF, DATA, P), (FAIL_LEAF, DATA, F), (ERROR_LEAF, DATA, E), ({"path": "absent", "exists": True}, DATA, F),
])
def test_a_leafs_own_message_replaces_the_generated_one_only_when_it_does_not_pass(
        leaf: dict[str, Any], data: dict[str, Any], want: Status) -> None:
    plain = finding_of(leaf, data)
    custom = finding_of({**leaf, "message": "custom words"}, data)
    assert plain.status is custom.status is want
    (p_ev,), (c_ev,) = plain.evidence, custom.evidence
    assert (c_ev.file, c_ev.line, c_ev.pointer, c_ev.actual, c_ev.expected) == (
        p_ev.file, p_ev.line, p_ev.pointer, p_ev.actual, p_ev.expected)
    assert c_ev.message == (p_ev.message if want is P else "custom words")


# ---------------------------------------------------------------------------------------------------------------
# A join's own message: its failure evidence is built with it at once. The reference is what Node._custom made
# of it before (the evidence built with the generated message, then rebuilt with the policy's).


def _customised(message: str | None, outcome: Any) -> tuple[Any, tuple[Evidence, ...]]:
    if message and outcome.status is not Tri.PASS:
        return outcome.status, tuple(Evidence(e.file, e.line, e.pointer, e.actual, e.expected, message)
                                     for e in outcome.evidence)
    return outcome.status, outcome.evidence


def _join_tree(how: str, where: bool, child: dict[str, Any] | None, require: str) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "model_card", "require": require}
    if how == "via":
        body["via"] = "model_card"
    elif how == "where-only":
        body["where"] = {"path": "words", "gte": 1}
    else:
        body["on"] = {"model_name": how}
    if where and how != "where-only":
        body["where"] = {"path": "words", "gte": 1}
    if child is not None:
        body["assert"] = child
    return {"join": body}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["via", "name", "other", "where-only"]), st.booleans(),
       st.sampled_from([None, {"path": "words", "gte": 2}]), st.sampled_from(["some", "every", "none"]),
       st.sampled_from(["", "no card for this model"]), _status_model, _status_cards, st.sampled_from(["", "/x"]),
       st.booleans())
def test_property_a_joins_own_message_is_what_custom_made_of_it(
        how: str, where: bool, child: dict[str, Any] | None, require: str, message: str, model: dict[str, Any],
        cards: list[dict[str, Any]], pointer: str, unreadable: bool) -> None:
    tree = _join_tree(how, where, child, require)
    own = make_policy({**tree, **({"message": message} if message else {})}).assertion
    generated = make_policy(tree).assertion
    subject, artifacts = _status_artifacts(model, cards)
    broken = {"cards/none.md": "not valid YAML"} if unreadable else {}
    got = own.evaluate(make_scope(subject, {}, TODAY, ArtifactIndex(artifacts, broken)), subject.data, pointer)
    want = generated.evaluate(make_scope(subject, {}, TODAY, ArtifactIndex(artifacts, broken)), subject.data,
                              pointer)
    assert (got.status, got.evidence) == _customised(message, want)
