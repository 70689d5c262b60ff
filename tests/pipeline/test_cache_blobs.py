"""Artifact blobs (cache_codec.exact_blob, Blobs, PairBlobs): what is read back is exactly what was written, interned
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

from aima_gate.pipeline.cache_blobs import Blobs, PairBlobs
from aima_gate.pipeline.cache_codec import Uncacheable, exact_blob

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


_docs = st.dictionaries(st.text(max_size=6), _values, max_size=4)


@given(_docs, _docs, st.binary(max_size=8), st.binary(max_size=8),
       st.lists(st.sampled_from(["get 0", "get 1", "detach"]), max_size=6), st.booleans())
def test_a_compact_entrys_pair_of_blobs_is_the_blobs_of_its_two_slices(
        data: dict[str, Any], lines: dict[str, Any], before: bytes, after: bytes, steps: list[str],
        from_view: bool) -> None:
    """PairBlobs(view, offset, data size, lines size), as lookup_many makes it for a compact entry, answers every
    ``get`` and ``decoded`` exactly as Blobs of the entry's two slices of the pack does, before and after any
    number of detaches (which must leave it holding bytes of its own, never the pack)."""
    one, two = exact_blob(data), exact_blob(lines)
    pack = before + one + two + after
    view: bytes | memoryview = memoryview(pack) if from_view else pack
    pair = PairBlobs(view, len(before), len(one), len(two))
    plain = Blobs([view[len(before):len(before) + len(one)], view[len(before) + len(one):len(pack) - len(after)]])
    for step in steps:
        if step == "detach":
            pair.detach()
            plain.detach()
            assert type(pair._view) is bytes and len(pair._view) <= len(one) + len(two)
        else:
            n = int(step[-1])
            got = pair.get(n)
            assert got == plain.get(n) and marshal.dumps(got, 2) == marshal.dumps(plain.get(n), 2)
            assert pair.get(n) is got  # decoded once
        assert [pair.decoded(n) for n in (0, 1)] == [plain.decoded(n) for n in (0, 1)]
    assert pair.get(0) == data and pair.get(1) == lines
    assert marshal.dumps(pair.get(0), 2) == marshal.dumps(data, 2)


def test_a_pair_of_blobs_has_two() -> None:
    blob = exact_blob({})
    pair = PairBlobs(blob * 2, 0, len(blob), len(blob))
    with pytest.raises(IndexError):
        pair.get(2)


_tables = st.dictionaries(st.text(alphabet="/ab0", max_size=5).map(lambda s: "/" + s if s else s),
                          st.integers(min_value=1, max_value=99), max_size=6)


@given(_docs, _tables, st.sampled_from(["", "/a", "/a/0"]), st.booleans(),
       st.lists(st.text(alphabet="/ab0", max_size=6), max_size=6))
def test_a_pair_of_blobs_is_its_entrys_line_index_as_lazy_lines_is(data: dict[str, Any], table: dict[str, int],
                                                                    prefix: str, detach_first: bool,
                                                                    pointers: list[str]) -> None:
    """lookup_many gives a compact entry's PairBlobs as the artifact's line index: it answers ``line_of`` as the
    LazyLines of the same two blobs does (the table under the entry's prefix), before and after a detach."""
    from aima_gate.core.model import LineIndex
    from aima_gate.pipeline.cache_codec import LazyLines, stored_lines

    index = LineIndex(table).under(prefix) if prefix else LineIndex(table)
    one, two = exact_blob(data), exact_blob(stored_lines(index))
    pair = PairBlobs(one + two, 0, len(one), len(two))
    plain = LazyLines(Blobs([one, two]), 1)
    if detach_first:
        pair.detach()
    for pointer in [*pointers, "", *table]:
        assert pair.line_of(pointer) == plain.line_of(pointer) == index.line_of(pointer), pointer
    assert pair.get(0) == data
