"""reporters/_json_indent.py is ``json.dumps(value, indent=2, ensure_ascii=False)``, text for text, and fails as it
fails, over arbitrary values: nested containers, every scalar (NaN and infinities, lone surrogates, control
characters), subclasses and non-string keys (handed to json itself at the right depth)."""

from __future__ import annotations

import enum
import json
from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.reporters._json_indent import dumps_indented


class Colour(str, enum.Enum):
    RED = "red\n"


class Number(int):
    pass


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                     st.text(alphabet=st.characters(codec=None, exclude_categories=())),
                     st.sampled_from([Colour.RED, Number(7), "\ud800", "a\nb", "\u2028"]))
_KEYS = st.one_of(st.text(max_size=5), st.integers(), st.none(), st.booleans(), st.floats(allow_nan=False))


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.lists(children, max_size=4), st.lists(children, max_size=4).map(tuple),
                     st.dictionaries(st.text(max_size=5), children, max_size=4),
                     st.dictionaries(_KEYS, children, max_size=3),
                     st.dictionaries(st.text(max_size=3), children, max_size=3).map(OrderedDict))


_VALUES = st.recursive(_SCALARS, _containers, max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(_VALUES)
def test_the_same_text_as_json(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("value", [{"a": [1, {"b": object()}]}, [{1.5: set()}], {"x": b"bytes"}])
def test_what_json_refuses_it_refuses(value: Any) -> None:
    with pytest.raises(TypeError) as expected:
        json.dumps(value, indent=2, ensure_ascii=False)
    with pytest.raises(TypeError) as got:
        dumps_indented(value)
    assert str(got.value) == str(expected.value)


@settings(max_examples=200, deadline=None)
@given(_VALUES, st.integers(min_value=0, max_value=3))
def test_a_value_placed_deeper_is_its_text_in_the_enclosing_one(value: Any, level: int) -> None:
    nested: Any = value
    for _ in range(level):
        nested = [nested]
    whole = json.dumps(nested, indent=2, ensure_ascii=False)
    assert whole == "".join(f"[\n{'  ' * (k + 1)}" for k in range(level)) + dumps_indented(value, level) + "".join(
        f"\n{'  ' * k}]" for k in reversed(range(level)))


class Opaque:
    """What ``default=str`` turns into its text (a value json cannot write)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


_WITH_OPAQUE = st.recursive(st.one_of(_SCALARS, st.text(max_size=4).map(Opaque)), _containers, max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(_WITH_OPAQUE)
def test_sorted_keys_and_a_default_the_same_text_as_json(value: Any) -> None:
    # The JSON report's form (json_report._dumps): keys sorted, anything json cannot write as its str().
    try:
        expected = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    except TypeError:  # keys of several types cannot be sorted: json refuses, and so must the fast writer
        with pytest.raises(TypeError):
            dumps_indented(value, sort_keys=True, default=str)
        return
    assert dumps_indented(value, sort_keys=True, default=str) == expected
    nested = [value]
    assert json.dumps(nested, indent=2, ensure_ascii=False, sort_keys=True, default=str) == (
        "[\n  " + dumps_indented(value, 1, sort_keys=True, default=str) + "\n]")
