"""Artifact blobs (cache_codec.exact_blob, Blobs): what is read back is exactly what was written, interned
strings come back interned (so read-back artifacts share their keys as parsed ones do), and anything that is not
an exact built-in type is refused."""

from __future__ import annotations

import marshal
import sys
from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aima_gate.pipeline.cache_codec import Blobs, Uncacheable, exact_blob

_leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
_values = st.recursive(_leaf, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=20)


@given(st.dictionaries(st.text(max_size=6), _values, max_size=6))
def test_a_blob_reads_back_exactly(value: dict[str, Any]) -> None:
    back = Blobs([exact_blob(value)]).get(0)
    assert back == value and list(back) == list(value)
    assert marshal.dumps(back, 2) == marshal.dumps(value, 2)  # same types, key order and float bits


def test_interned_keys_come_back_interned_and_shared_across_blobs() -> None:
    key = sys.intern("".join(["model", "_card_", "section"]))
    first, second = (Blobs([exact_blob({key: i})]).get(0) for i in range(2))
    assert next(iter(first)) is next(iter(second)) is key


@pytest.mark.parametrize("value", [{"a": OrderedDict()}, {"a": type("S", (str,), {})("x")}, {"a": object()}])
def test_anything_but_exact_built_in_types_is_refused(value: dict[str, Any]) -> None:
    with pytest.raises(Uncacheable):
        exact_blob(value)
