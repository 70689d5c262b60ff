"""The pre-checks of the plausibility walks (plain loops, run on every bias report) answer exactly what the full
pointer walk finds: a non-finite float as a mapping value, a key of a given name at any depth."""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.collectors.plausibility import _walk, prechecks


def _agrees_with_the_walk(value: Any, names: tuple[str, ...]) -> None:
    entries = list(_walk(value))
    non_finite = any(isinstance(v, float) and not math.isfinite(v) for _p, _k, v in entries)
    for name in names:
        assert prechecks(value, name) == (non_finite, any(k == name for _p, k, _v in entries))


class _Float(float):
    pass


class _Str(str):
    pass


_KEYS = (st.sampled_from(["a", "confidence_intervals", "n", "x/y", "~"]) | st.integers(0, 3)
         | st.just(_Str("confidence_intervals")))
_LEAVES = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
           | st.text(max_size=4) | st.just(_Float("inf")) | st.just(_Float(1.5)) | st.just("confidence_intervals"))
_VALUES = st.recursive(_LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
                       max_leaves=20)


@settings(max_examples=500, deadline=None)
@given(_VALUES)
def test_prechecks_agree_with_the_walk(value: Any) -> None:
    _agrees_with_the_walk(value, ("confidence_intervals", "a", "0", "x/y"))


def test_a_non_finite_list_item_is_not_a_mapping_value() -> None:
    # (a list of numbers is a confidence interval: the schema bounds each item, $defs/finite)
    assert prechecks({"ci": [math.nan, 1.0]}, "") == (False, False)
    assert prechecks({"ci": [{"low": -math.inf}]}, "") == (True, False)
    assert prechecks([{"a": [{"confidence_intervals": {}}]}], "confidence_intervals") == (False, True)


class _Dict(dict[Any, Any]):
    pass


class _List(list[Any]):
    pass


_CONTAINERS = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.lists(inner, max_size=3).map(_List)
    | st.dictionaries(_KEYS, inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3).map(_Dict)
    | st.dictionaries(_KEYS, inner, max_size=3).map(MappingProxyType),
    max_leaves=16)


@settings(max_examples=400, deadline=None)
@given(_CONTAINERS)
def test_prechecks_agree_with_the_walk_on_dict_and_list_subclasses_and_other_mappings(value: Any) -> None:
    """The plain dict and list fast paths (type checks before the Mapping ABC) see what the walk sees."""
    _agrees_with_the_walk(value, ("confidence_intervals", "a", "0"))


def test_the_combined_precheck_stops_only_when_both_are_found() -> None:
    assert prechecks({"a": math.inf, "b": [{"confidence_intervals": [1, 0]}]}, "confidence_intervals") == (True, True)
    assert prechecks({"confidence_intervals": {}, "b": [{"x": math.nan}]}, "confidence_intervals") == (True, True)
    assert prechecks({"confidence_intervals": {"x": 1.0}}, "confidence_intervals") == (False, True)
    assert prechecks([{"x": -math.inf}], "confidence_intervals") == (True, False)
