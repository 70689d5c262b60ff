"""exact_json: a value is stored only when its JSON reads back as exactly the same value (types, key order,
floats); anything else is refused, never stored approximately."""

from __future__ import annotations

import json
import sys
from collections import OrderedDict
from enum import IntEnum

import pytest

from aima_gate.pipeline.cache_codec import Uncacheable, exact_json


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
