"""``Node.status`` (the status alone, no outcome or evidence) against the reference, ``Node.evaluate``: the same
status, or the same error, on any tree and data; and the evaluation shortcuts built on it."""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aima_gate.core.errors import PolicyError
from aima_gate.core.model import Artifact, Status
from aima_gate.engine import assertions, evaluate
from aima_gate.engine.assertions import Node, Scope, make_scope
from aima_gate.engine.batch import statuses
from aima_gate.engine.index import ArtifactIndex
from aima_gate.engine.policy import resolve_params
from tests.conftest import TODAY
from tests.engine.helpers import art, make_policy
from tests.spies import record_first_args

# Leaves over the model data drawn below: each can pass, fail, error or meet a missing path.
_LEAVES: list[dict[str, Any]] = [
    {"path": "n", "gte": 1},
    {"path": "n", "between": [1, 5]},
    {"path": "n", "lt": {"param": "limit"}},
    {"path": "n", "gte": 1, "message": "custom"},
    {"path": "tags", "contains": "a"},
    {"path": "tags", "length": {"gte": 1, "lte": {"param": "limit"}}},
    {"path": "missing", "exists": True},
    {"path": "missing", "exists": False},
    {"path": "version", "version": {"gte": "0.5"}},
    {"path": "version", "matches": "^1"},
    {"path": "d", "within_days": 30},
    {"path": "d", "date_before": "today"},
    {"path": "stage", "equals": "production"},
    {"path": "stage", "one_of": {"param": "stages"}},
    {"path": "stage", "equals": {"subject": "other"}},
    {"path": "n", "type": "integer"},
]
_ITEM_LEAVES: list[dict[str, Any]] = [{"path": "value", "gte": 0.5}, {"path": "name", "exists": True}]
_CARD_LEAVES: list[dict[str, Any]] = [
    {"path": "version", "equals": {"subject": "version"}},
    {"path": "words", "gte": {"param": "limit"}},
]


def _quantified(mode: str, child: dict[str, Any], allow_empty: bool) -> dict[str, Any]:
    return {mode: {"path": "items", "assert": child, **({"allow_empty": True} if allow_empty else {})}}


def _join(child: dict[str, Any] | None, link: str, where: bool, require: str) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "model_card", "require": require}
    # by reference, on keys, or over every card (with a filter: the pool every subject shares, Join.shared_pool_key)
    links: dict[str, dict[str, Any]] = {"via": {"via": "model_card"}, "on": {"on": {"model_name": "name"}}, "all": {}}
    body.update(links[link])
    if where or link == "all":  # (a join over every card must filter them: the policy schema says so)
        body["where"] = {"path": "words", "gte": 1}
    if child is not None:
        body["assert"] = child
    return {"join": body}


_items = st.recursive(
    st.sampled_from(_ITEM_LEAVES),
    lambda kids: st.one_of(
        st.builds(lambda c: {"not": c}, kids), st.builds(lambda cs: {"any": cs}, st.lists(kids, min_size=1, max_size=3))
    ),
    max_leaves=3,
)
_card = st.recursive(
    st.sampled_from(_CARD_LEAVES),
    lambda kids: st.builds(lambda cs: {"all": cs}, st.lists(kids, min_size=1, max_size=2)),
    max_leaves=3,
)
_base = st.one_of(
    st.sampled_from(_LEAVES),
    st.builds(_quantified, st.sampled_from(["every", "some", "none"]), _items, st.booleans()),
    st.builds(_join, st.none() | _card, st.sampled_from(["via", "on", "all"]), st.booleans(),
              st.sampled_from(["some", "every", "none"])),
)
_tree = st.recursive(
    _base,
    lambda kids: st.one_of(
        st.builds(lambda c: {"not": c}, kids),
        st.builds(
            lambda cs, m: {"all": cs, **m},
            st.lists(kids, min_size=1, max_size=3),
            st.sampled_from([{}, {"message": "all of it"}]),
        ),
        st.builds(lambda cs: {"any": cs}, st.lists(kids, min_size=1, max_size=3)),
    ),
    max_leaves=6,
)

_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 8),
    st.floats(allow_nan=True),
    st.sampled_from(["", "a", "1.0", "0.1", "x", "production", "2026-11-01", "soon", "2030-01-01"]),
)
_item = st.one_of(_scalar, st.fixed_dictionaries({}, optional={"value": _scalar, "name": _scalar}))
_model = st.fixed_dictionaries(
    {"name": st.sampled_from(["a", "b"])},
    optional={
        "n": _scalar,
        "version": _scalar,
        "d": _scalar,
        "stage": _scalar,
        "other": _scalar,
        "tags": st.one_of(_scalar, st.lists(st.sampled_from(["a", "b", 1, None]), max_size=3)),
        "items": st.one_of(
            st.just([]),
            st.just({}),
            _scalar,
            st.lists(_item, max_size=3),
            st.dictionaries(st.sampled_from(["k", "a/b", "~"]), _item, max_size=2),
        ),
        "model_card": st.sampled_from(["cards/a.md", "cards/none.md", ""]),
    },
)
_cards = st.lists(
    st.fixed_dictionaries(
        {
            "model_name": st.sampled_from(["a", "b"]),
            "words": _scalar,
            "version": _scalar,
            "file": st.sampled_from(["cards/a.md", "cards/b.md"]),
        }
    ),
    max_size=3,
)
_params = st.fixed_dictionaries(
    {
        "limit": st.one_of(st.integers(0, 5), st.just("x")),
        "stages": st.one_of(st.just(["production", "a"]), st.just("not a list")),
    }
)
_PARAM_SPECS = {
    "limit": {"default": 3, "description": "a bound"},
    "stages": {"default": ["production"], "description": "allowed stages"},
}


@functools.cache
def _compiled(tree_json: str) -> Node:
    return make_policy(json.loads(tree_json), params=_PARAM_SPECS).assertion


def _artifacts(model: dict[str, Any], cards: list[dict[str, Any]]) -> tuple[Artifact, list[Artifact]]:
    refs = (("model_card", model["model_card"], "/model_card"),) if model.get("model_card") else ()
    subject = art(model, references=refs)
    related = [
        art({k: v for k, v in c.items() if k != "file"}, kind="model_card", name=f"card{i}", file=c["file"])
        for i, c in enumerate(cards)
    ]
    return subject, [subject, *related]


def _outcome(fn: Any) -> tuple[str, Any]:
    try:
        return "ok", fn()
    except PolicyError as exc:
        return "raised", str(exc)


_PROPS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPS
@given(_base, _model, _cards, _params)
def test_property_status_of_leaves_quantifiers_and_joins(
    node: dict[str, Any], model: dict[str, Any], cards: list[dict[str, Any]], params: dict[str, Any]
) -> None:
    _same_status(node, model, cards, params)


@_PROPS
@given(_tree, _model, _cards, _params)
def test_property_status_is_the_status_evaluate_gives(
    tree: dict[str, Any], model: dict[str, Any], cards: list[dict[str, Any]], params: dict[str, Any]
) -> None:
    _same_status(tree, model, cards, params)


def _same_status(
    tree: dict[str, Any], model: dict[str, Any], cards: list[dict[str, Any]], params: dict[str, Any]
) -> None:
    node = _compiled(json.dumps(tree, sort_keys=True))
    subject, artifacts = _artifacts(model, cards)
    index = ArtifactIndex(artifacts)
    scope = Scope(subject, subject, params, TODAY, index)
    reference = _outcome(lambda: node.evaluate(scope, subject.data, "").status)
    assert _outcome(lambda: node.status(scope, subject.data, "")) == reference
    # and on a fresh index (no join tables or candidates memoized by the reference run)
    fresh = make_scope(subject, params, TODAY, ArtifactIndex(artifacts))
    assert _outcome(lambda: node.status(fresh, subject.data, "")) == reference


def test_a_regex_from_the_subject_that_does_not_compile_raises_whether_or_not_evidence_is_wanted() -> None:
    # `any` passes on its first child, but the reference still asks the second, which raises: status() too.
    tree = {"any": [{"path": "n", "gte": 1}, {"path": "name", "matches": {"subject": "pattern"}}]}
    node = make_policy(tree).assertion
    subject = art({"name": "a", "n": 3, "pattern": "(unclosed"})
    scope = make_scope(subject, {}, TODAY, ArtifactIndex([subject]))
    with pytest.raises(PolicyError):
        node.evaluate(scope, subject.data, "")
    with pytest.raises(PolicyError):
        node.status(scope, subject.data, "")


def test_scopes_made_without_init_equal_the_dataclass_built_ones() -> None:
    a, b = art({"name": "a"}), art({"name": "b"}, kind="model_card")
    index = ArtifactIndex([a, b])
    params = {"limit": 1}
    made = make_scope(a, params, TODAY, index)
    assert made == Scope(a, a, params, TODAY, index)
    moved = made.at(b)
    assert moved == Scope(b, a, params, TODAY, index) and made.artifact is a
    with pytest.raises(AttributeError):
        moved.artifact = a  # type: ignore[misc]  # still frozen


def test_passing_findings_without_evidence_never_build_an_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    built = record_first_args(monkeypatch, assertions.Leaf, "evaluate")
    policy = make_policy({"all": [{"path": "n", "gte": 1}, {"path": "name", "exists": True}]})
    models = [art({"name": "a", "n": 2}), art({"name": "b", "n": 0})]
    arts = evaluate.evaluate(
        [policy], models, params=resolve_params([policy], {}), today=TODAY, pass_evidence=False
    ).findings
    assert [(f.subject.name, f.status, len(f.evidence)) for f in arts] == [
        ("a@1", Status.PASS, 0),
        ("b@1", Status.FAIL, 1),
    ]
    assert len(built) == 2  # the two leaves of the failing subject only, for its evidence


def test_a_join_on_fields_builds_its_table_once_and_no_evidence_for_a_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    tables = record_first_args(monkeypatch, ArtifactIndex, "by_keys")
    made = record_first_args(monkeypatch, assertions, "evidence")
    policy = make_policy({"join": {"kind": "model_card", "on": {"model_name": "name"}}})
    models = [art({"name": n}) for n in ("a", "b", "c")] + [art({"version": "1"}, name="keyless")]
    cards = [art({"model_name": n}, kind="model_card", name=n, file=f"cards/{n}.md") for n in ("a", "b")]
    findings = evaluate.evaluate([policy], [*models, *cards], params=resolve_params([policy], {}), today=TODAY,
                                 pass_evidence=False).findings
    assert [(f.subject.name, f.status) for f in findings] == [
        ("a@1", Status.PASS), ("b@1", Status.PASS), ("c@1", Status.FAIL), ("keyless", Status.FAIL)]
    assert len(tables) == 1  # one table for the node, not one lookup by its paths per subject
    assert len(made) == 2  # the evidence of the two failures only
    assert findings[3].evidence[0].message == "cannot look up the model_card: $.name is missing"


@_PROPS
@given(st.lists(st.sampled_from([1, 0, "x", None]), min_size=1, max_size=24))
def test_property_findings_do_not_depend_on_which_was_asked_first(values: list[Any]) -> None:
    # Subjects passing (1), failing (0), erroring ("x") or missing the value, in any order: status first or
    # outcome first (evaluate.py's lean), every finding is the one the full evaluation gives, less a pass's evidence.
    policy = make_policy({"all": [{"path": "n", "gte": 1}, {"path": "name", "exists": True}]})
    models = [art({"name": f"m{i:02}", **({} if v is None else {"n": v})}) for i, v in enumerate(values)]
    resolved = resolve_params([policy], {})
    full = evaluate.evaluate([policy], models, params=resolved, today=TODAY).findings
    lean = evaluate.evaluate([policy], models, params=resolved, today=TODAY, pass_evidence=False).findings
    assert lean == tuple(dataclasses.replace(f, evidence=()) if f.status is Status.PASS else f for f in full)


def test_a_policy_whose_subjects_fail_asks_for_their_outcome_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = record_first_args(monkeypatch, evaluate, "statuses", real=statuses)
    monkeypatch.setattr(evaluate, "_FIRST_CHUNK", 2)
    monkeypatch.setattr(evaluate, "_CHUNK", 4)
    policy = make_policy({"all": [{"path": "n", "gte": 1}, {"path": "name", "exists": True}]})
    models = [art({"name": f"m{i}", "n": 0}) for i in range(6)] + [art({"name": f"p{i}", "n": 1}) for i in range(6)]
    findings = evaluate.evaluate([policy], models, params=resolve_params([policy], {}), today=TODAY,
                                 pass_evidence=False).findings
    assert [f.status for f in findings] == [Status.FAIL] * 6 + [Status.PASS] * 6
    # The first two failures were asked for their statuses (one batch), the next four failures went straight to
    # their outcomes, and so did the first four passes; the last two passes were asked for their statuses alone.
    assert len(asked) == 2
