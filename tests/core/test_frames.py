"""Frames (core/frames.py): any marshal-able values come back in order from their frames cut into pieces of any
size, and pieces that end inside a frame are an error, never a shorter list."""

from __future__ import annotations

import marshal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aima_gate.core.frames import frame, framed, frames

VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.text() | st.binary(),
                      lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=12)


def _cut(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


@given(values=st.lists(VALUES, max_size=5), cuts=st.lists(st.integers(0, 10**6), max_size=8))
def test_values_come_back_in_order_from_pieces_of_any_size(values: list[Any], cuts: list[int]) -> None:
    data = b"".join(frame(v) for v in values)
    assert list(frames(_cut(data, cuts))) == values
    assert b"".join(framed(marshal.dumps(v)) for v in values) == data


@given(values=st.lists(VALUES, min_size=1, max_size=3), short=st.integers(1, 10**6))
def test_pieces_that_end_inside_a_frame_are_an_error(values: list[Any], short: int) -> None:
    data = b"".join(frame(v) for v in values)
    last = len(frame(values[-1]))  # 1 to last - 1 bytes of the last frame cut off
    with pytest.raises(ValueError, match="inside a frame"):
        list(frames([data[:len(data) - 1 - short % (last - 1)]]))
