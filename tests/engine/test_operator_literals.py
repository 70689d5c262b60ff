"""Operators precompute what a literal operand shows and compares with; a parameter holding the same value must
give the same status, expected text and message for every actual value (the literal fast path is no shortcut)."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.core.model import Artifact
from aima_gate.engine.assertions import ArtifactIndex, Scope
from aima_gate.engine.operators import OPERATORS

SCALAR = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(-5, 5, allow_nan=False)
    | st.sampled_from(["1.0", "2.0rc1", "abc", "", "3", "1!2.0", "today"])
)
VALUE = SCALAR | st.lists(SCALAR, max_size=3) | st.dictionaries(st.sampled_from(["a", "b"]), SCALAR, max_size=2)
BOUND = SCALAR | st.lists(SCALAR, min_size=2, max_size=2) | st.lists(SCALAR, max_size=3)


def _scope(params: dict[str, Any]) -> Scope:
    subject = Artifact(kind="model", name="m", file="registry.yml", data={})
    return Scope(subject, subject, params, _dt.date(2026, 11, 24), ArtifactIndex([subject]))


def _both(op: str, raw: Any, wrap: bool = False) -> tuple[Any, Any, Scope]:
    """The check built from the literal and from a parameter holding it (``wrap``: inside a mapping of bounds)."""
    declared = {"p": {"default": raw}}
    if wrap:
        literal = OPERATORS[op](raw, declared, "w")
        by_param = OPERATORS[op]({k: {"param": "p"} for k in raw}, declared, "w")
        return literal, by_param, _scope({"p": next(iter(raw.values()))})
    return OPERATORS[op](raw, declared, "w"), OPERATORS[op]({"param": "p"}, declared, "w"), _scope({"p": raw})


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["equals", "gt", "gte", "lt", "lte", "between", "version_gte"]), BOUND, VALUE)
def test_a_literal_and_a_parameter_holding_it_check_alike(op: str, raw: Any, value: Any) -> None:
    if op == "version_gte":
        literal, by_param, scope = _both("version", {"gte": raw}, wrap=True)
    else:
        literal, by_param, scope = _both(op, raw)
    assert literal(scope, value) == by_param(scope, value)


@settings(max_examples=300, deadline=None)
@given(st.lists(SCALAR, max_size=4), VALUE)
def test_one_of_literal_list_and_parameter_check_alike(allowed: list[Any], value: Any) -> None:
    literal, by_param, scope = _both("one_of", allowed)
    assert literal(scope, value) == by_param(scope, value)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["gte", "lte", "between", "equals"]), BOUND, VALUE)
def test_length_literal_and_parameter_check_alike(op: str, raw: Any, value: Any) -> None:
    literal, by_param, scope = _both("length", {op: raw}, wrap=True)
    assert literal(scope, value) == by_param(scope, value)


def test_a_literal_bound_is_converted_once_but_still_checked_per_value() -> None:
    check = OPERATORS["version"]({"gte": "2.0", "lt": "3.0"}, {}, "w")
    scope = _scope({})
    assert check(scope, "2.5")[0].value == "pass"
    assert check(scope, "3.0")[0].value == "fail"
    assert check(scope, "not a version")[0].value == "error"
    bad = OPERATORS["gt"]("ten", {}, "w")
    assert bad(scope, 3) == bad(scope, 4)  # an unusable literal bound is an error for every value, not a pass
    assert bad(scope, 3)[0].value == "error"
