"""exact_json: a value is stored only when its JSON reads back as exactly the same value (types, key order,
floats); anything else is refused, never stored approximately. exact_head gives the same verdict on an artifact's
index head, by type where it can."""

from __future__ import annotations

import json
import sys
from collections import OrderedDict
from collections.abc import Callable
from enum import IntEnum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.pipeline.cache_codec import Uncacheable, exact_head, exact_json


class _Str(str):
    pass


class _Level(IntEnum):
    HIGH = 3


@pytest.mark.parametrize("value", [
    {"a": (1, 2)}, [(1,)], {"k": _Str("x")}, {_Str("k"): 1}, {"n": _Level.HIGH}, {"o": OrderedDict(a=1)},
    {1: "int key"}, {None: 1}, {True: 1}, {1.5: 1}, {"f": float("nan")}, {"f": float("-inf")}, {"s": "\udcff"},
    {"b": b"bytes"}, {"set": {1}}, {"c": 1j},
])
def test_values_json_would_change_are_refused(value: object) -> None:
    with pytest.raises(Uncacheable):
        exact_json(value)


def test_exact_values_are_stored_as_compact_json() -> None:
    shared = sys.intern("a string held twice")  # shared and interned strings read back as plain equal strings
    value = {"b": 1, "a": [1.5, "x", None, True, False, -0.0, 10**40, shared, shared], "é": {"z": {}, "y": []}}
    text = exact_json(value)
    assert text == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    back = json.loads(text)
    assert repr(back) == repr(value) and list(back) == ["b", "a", "é"]
    assert exact_json([0.1, 1e300, 5e-324, 1.0]) == "[0.1,1e+300,5e-324,1.0]"


def test_key_order_is_kept() -> None:
    assert exact_json({"z": 1, "a": 2}) == '{"z":1,"a":2}'


# exact_head (the check of an artifact's index head) raises exactly when exact_json, its reference, does: the type
# check of the usual head must admit nothing the JSON round trip refuses, and refuse nothing it admits.
_TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=4) | st.sampled_from(
    ["\udcff", "a\ud800", "é", ""]) | st.sampled_from(["x"]).map(_Str)
_SCALAR = _TEXT | st.integers(min_value=-(1 << 70), max_value=1 << 70) | st.booleans() | st.none() | st.floats()
_HEAD = st.tuples(
    _TEXT, _TEXT | _SCALAR, _TEXT, st.integers(min_value=-(1 << 70), max_value=1 << 70) | st.booleans() | _SCALAR,
    st.lists(st.lists(_TEXT, max_size=3) | st.tuples(_TEXT, _TEXT), max_size=3) | st.tuples(),
    st.none() | st.dictionaries(_TEXT, _SCALAR, max_size=2))


def _refused(check: Callable[[Any], object], value: Any) -> bool:
    try:
        check(value)
    except Uncacheable:
        return True
    return False


@settings(max_examples=400, deadline=None)
@given(_HEAD)
def test_exact_head_refuses_exactly_what_exact_json_refuses(head: tuple[Any, ...]) -> None:
    assert _refused(exact_head, list(head)) == _refused(exact_json, list(head))


@pytest.mark.parametrize("head", [
    ["model_card", "m", "cards/m.md", 1, [["model", "registry/x.yml", "/0"]], None],
    ["model_card", "m", "cards/\udcff.md", 1, [], None], ["model_card", "m", "c.md", 1, [["a", "b\ud800"]], None],
    ["model_card", "m", "c.md", True, [], None], ["model_card", "m", "c.md", 1, [("a", "b")], None],
    ["model_card", _Str("m"), "c.md", 1, [], None], ["model", "m", "r.yml", 1, [], {"source": (1,)}],
])
def test_exact_head_agrees_on_the_usual_and_the_odd_heads(head: list[Any]) -> None:
    assert _refused(exact_head, head) == _refused(exact_json, head)
