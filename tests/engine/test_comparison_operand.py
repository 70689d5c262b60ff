"""A comparison with one parameter (or subject) operand keeps the bound it made for the last operand value; it
answers exactly what the general comparison answers (status, expected text, message tail), subject after subject."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aima_gate.engine import comparisons
from aima_gate.engine.assertions import make_scope
from aima_gate.engine.comparisons import as_number, as_version, compile_comparison, length_of
from aima_gate.engine.index import ArtifactIndex
from tests.conftest import TODAY
from tests.engine.helpers import art, make_policy, run
from tests.spies import record_first_args

_KINDS = {"number": (as_number, "number", None), "length": (length_of, "string, list or mapping", as_number),
          "version": (as_version, "PEP 440 version", None)}
_value = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=True, width=16),
                   st.sampled_from(["", "ab", "1.0", "2.0rc1", "x", "1"]), st.lists(st.integers(0, 1), max_size=3),
                   st.lists(st.integers(0, 5), min_size=2, max_size=2))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["gt", "gte", "lt", "lte", "between", "equals_via_length"]), st.sampled_from(list(_KINDS)),
       st.lists(st.tuples(_value, _value, st.booleans()), min_size=1, max_size=6))
def test_property_one_operand_answers_as_the_general_comparison(op: str, kind: str,
                                                                 subjects: list[tuple[Any, Any, bool]]) -> None:
    op = "gte" if op == "equals_via_length" else op
    convert, label, bound = _KINDS[kind]
    name = {"number": op, "length": "length", "version": "version"}[kind]
    raw = {op: {"param": "p"}}
    fast = compile_comparison(name, raw, {"p": {}}, "test", convert, label, bound)
    general = compile_comparison(name, raw, {"p": {}}, "test", convert, label, bound, one_operand=False)
    index = ArtifactIndex([])
    params: dict[str, Any] = {}
    for value, want, same in subjects:
        if not same or "p" not in params:  # a new operand object, or the very same one again
            params = {"p": want}
        subject = art({"name": "m"})
        scope = make_scope(subject, params, TODAY, index)
        assert fast(scope, value) == general(scope, value)


def test_a_parameter_bound_is_made_once_for_all_subjects(monkeypatch: pytest.MonkeyPatch) -> None:
    bounds = record_first_args(monkeypatch, comparisons, "_bound")
    spec = {"limit": {"default": 3, "description": "a bound"}}
    policy = make_policy({"path": "n", "gte": {"param": "limit"}}, params=spec)
    findings = run(policy, [art({"name": n, "n": i}) for i, n in enumerate("abcdef")], params={"limit": 3})
    assert [f.status.value for f in findings] == ["fail"] * 3 + ["pass"] * 3
    assert bounds == ["gte"]
    assert {f.evidence[0].expected for f in findings if f.status.value == "fail"} == {">= 3"}
