"""The cheap pre-tests of the plausibility checks (is there a non-finite float, a key confidence_intervals?)
never change what the checks report: same errors as a full walk, on generated documents of any shape."""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.collectors import plausibility
from aima_gate.core.model import LineIndex

_KEYS = st.sampled_from(["confidence_intervals", "a", "b/c", "x~y", "auc", "0", ""]) | st.integers(-3, 3)
_LEAVES = (st.none() | st.booleans() | st.integers() | st.text(max_size=3)
           | st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([math.nan, math.inf, -math.inf, 0.5]))



_DOCS = st.recursive(
    _LEAVES,
    lambda kids: (st.lists(kids, max_size=4)
                  | st.dictionaries(_KEYS, kids, max_size=4)
                  | st.dictionaries(_KEYS, kids, max_size=3).map(MappingProxyType)
                  | st.tuples(kids, kids).map(list)),
    max_leaves=30)


def _full(check: Any, data: Any) -> list[tuple[str, Any, str]]:
    return [(str(e), e.line, e.pointer) for e in check(data, "r.json", LineIndex({}))]


def _reference_non_finite(data: Any) -> list[str]:
    return [ptr for ptr, _k, v in plausibility._walk(data) if isinstance(v, float) and not math.isfinite(v)]


def _reference_intervals(data: Any) -> list[str]:
    return [ptr for ptr, _k, v in plausibility._walk(data)
            if "/confidence_intervals/" in ptr and isinstance(v, list) and len(v) == 2
            and all(isinstance(x, (int, float)) for x in v) and v[0] > v[1]]


@settings(max_examples=400)
@given(_DOCS)
def test_pre_tests_never_change_the_errors(data: Any) -> None:
    assert [p for _m, _l, p in _full(plausibility.non_finite_numbers, data)] == _reference_non_finite(data)
    assert [p for _m, _l, p in _full(plausibility.interval_inconsistencies, {"r": data})] == \
        _reference_intervals({"r": data})


def test_pre_tests_find_what_the_walk_finds() -> None:
    report: dict[str, Any] = {"attributes": [{"groups": [{"metrics": {"tpr": 0.5, "ci": [0.1, 0.2]}}]}],
                              "fairness": {"confidence_intervals": {"auc": [0.9, 0.2]}}}
    assert plausibility.non_finite_numbers(report, "r", LineIndex({})) == []
    report["attributes"][0]["groups"][0]["metrics"]["tpr"] = math.inf
    assert [e.pointer for e in plausibility.non_finite_numbers(report, "r", LineIndex({}))] == [
        "/attributes/0/groups/0/metrics/tpr"]
    assert [e.pointer for e in plausibility.interval_inconsistencies(report, "r", LineIndex({}))] == [
        "/fairness/confidence_intervals/auc"]
    assert plausibility.interval_inconsistencies({"confidence_intervals": [0.9, 0.1]}, "r", LineIndex({})) == []
