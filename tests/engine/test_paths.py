"""Paths and evidence values: the precomputed and fast-path forms agree with the plain definitions they replace."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.core.errors import pointer_to_path
from aima_gate.core.model import Evidence
from aima_gate.engine import paths
from aima_gate.engine.assertions import Outcome, Tri, combine_all
from aima_gate.engine.paths import _MISSING, Path, join_key, short, shown_pointer

# Tokens that exercise escaping (~ and /), list indexes, empty tokens and dots.
TOKEN = st.sampled_from(["a", "b", "0", "1", "12", "", "~", "~0", "~1", "a/b", "x~y", "é", " ", "-1"])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TOKEN | st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


def _reference_get(tokens: tuple[str, ...], value: Any) -> Any:
    """Path.get as first written (before the plain-dict fast path)."""
    for tok in tokens:
        if isinstance(value, Mapping):
            if tok not in value:
                return _MISSING
            value = value[tok]
        elif isinstance(value, list) and tok.isdigit() and int(tok) < len(value):
            value = value[int(tok)]
        else:
            return _MISSING
    return value


def _reference_short(value: Any, limit: int = 200) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"... ({len(value)} chars)"
    if isinstance(value, (list, dict)):
        items = value.values() if isinstance(value, dict) else value
        if len(value) > 8 or any(isinstance(v, (list, dict)) for v in items):
            return f"<{type(value).__name__} of {len(value)} items>"
        if len(json.dumps(value, sort_keys=True, default=str)) > limit:
            return f"<{type(value).__name__} of {len(value)} items>"
    return value


def _reference_combine_all(results: list[Outcome]) -> tuple[Tri, tuple[Evidence, ...]]:
    for status in (Tri.FAIL, Tri.ERROR):
        if any(r.status is status for r in results):
            bad = [e for r in results if r.status is status for e in r.evidence]
            return status, tuple(bad)
    return Tri.PASS, tuple(e for r in results for e in r.evidence)


@settings(max_examples=300, deadline=None)
@given(st.lists(TOKEN, min_size=1, max_size=4), st.lists(TOKEN, max_size=4), st.booleans())
def test_shown_rendering_equals_pointer_to_path(tokens: list[str], base: list[str], slash: bool) -> None:
    text = "/" + "/".join(t.replace("~", "~0").replace("/", "~1") for t in tokens) if slash else ".".join(tokens)
    path = Path.parse(text)
    base_ptr = "".join("/" + t for t in base)
    assert path.where(base_ptr) == pointer_to_path(path.pointer(base_ptr))
    assert shown_pointer(base_ptr) + path.shown == pointer_to_path(base_ptr + path.suffix)


@settings(max_examples=300, deadline=None)
@given(st.lists(TOKEN, max_size=4), JSON)
def test_get_agrees_with_the_generic_lookup(tokens: list[str], value: Any) -> None:
    path = Path(".".join(tokens), tuple(tokens))
    for doc in (value, {"k": value}, [value]):
        for candidate, toks in ((doc, path.tokens), (doc, ("k", *path.tokens)), (doc, ("0", *path.tokens))):
            got = Path("", toks).get(candidate)
            want = _reference_get(toks, candidate)
            assert got is want or got == want


def test_get_still_reads_mappings_that_are_not_dicts() -> None:
    doc = MappingProxyType({"a": MappingProxyType({"b": [1, 2]})})
    assert Path.parse("a.b.1").get(doc) == 2
    assert Path.parse("a.c").get(doc) is _MISSING
    assert Path.parse("a.b.2").get(doc) is _MISSING
    assert Path.parse("a").get({"a": None}) is None  # a present null is not missing


def test_shown_pointer_memo_is_bounded_and_stays_correct() -> None:
    for i in range(paths._WHERE_MAX * 2 + 10):
        pointer = f"/items/{i}/x~1y"
        assert shown_pointer(pointer) == pointer_to_path(pointer)
        assert len(paths._WHERE) <= paths._WHERE_MAX
    assert shown_pointer("") == "$"


@settings(max_examples=300, deadline=None)
@given(st.lists(JSON | st.dates(), max_size=4))
def test_join_key_is_the_sorted_json_text(values: list[Any]) -> None:
    assert join_key(values) == json.dumps(values, sort_keys=True, default=str)
    assert join_key(tuple(values)) == join_key(values)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=4))
def test_join_key_of_strings_is_the_json_text(values: list[str]) -> None:
    assert join_key(values) == json.dumps(values, sort_keys=True, default=str)


@settings(max_examples=300, deadline=None)
@given(JSON | st.dates() | st.text(min_size=190, max_size=230))
def test_short_agrees_with_its_definition(value: Any) -> None:
    got = short(value)
    want = _reference_short(value)
    assert type(got) is type(want) and (got == want or (got != got and want != want))


def test_short_keeps_scalars_and_cuts_long_text() -> None:
    assert short(True) is True and short(3) == 3 and short(2.5) == 2.5 and short(None) is None
    assert short("x" * 201) == "x" * 200 + "... (201 chars)"
    assert short(_dt.date(2026, 1, 2)) == _dt.date(2026, 1, 2)


def _ev(i: int) -> Evidence:
    return Evidence("f", i, f"/{i}", i, "e", f"m{i}")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(Tri)), st.integers(0, 3)), min_size=1, max_size=12))
def test_combine_all_picks_the_same_status_and_evidence(spec: list[tuple[Tri, int]]) -> None:
    results, n = [], 0
    for status, count in spec:
        results.append(Outcome(status, tuple(_ev(n + k) for k in range(count))))
        n += count
    got = combine_all(results)
    status, evidence = _reference_combine_all(results)
    assert got.status is status
    if len(evidence) <= 25:
        assert got.evidence == evidence
    else:
        assert got.evidence[:25] == evidence[:25] and got.evidence[25].message.endswith("more evidence items")


def _get_before(path: Path, value: Any) -> Any:
    """Path.get as it was: a Mapping that is not a dict asked ``in``, then ``[]``."""
    for tok in path.tokens:
        if type(value) is dict:
            value = value.get(tok, _MISSING)
            if value is _MISSING:
                return _MISSING
        elif isinstance(value, Mapping):
            if tok not in value:
                return _MISSING
            value = value[tok]
        elif isinstance(value, list) and tok.isdigit() and int(tok) < len(value):
            value = value[int(tok)]
        else:
            return _MISSING
    return value


def _proxied(value: Any) -> Any:
    """The same document with every other mapping a read-only proxy (a Mapping that is not a dict)."""
    if isinstance(value, dict):
        return MappingProxyType({k: _proxied(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_proxied(v) for v in value]
    return value


_KEYS = st.sampled_from(["a", "b", "0", "1", "x.y"])
_DOCS = st.recursive(st.none() | st.integers() | st.text(max_size=3),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
                     max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(_DOCS, st.lists(_KEYS.filter(lambda k: "." not in k), min_size=1, max_size=4))
def test_get_on_any_mapping_as_before(doc: Any, tokens: list[str]) -> None:
    path = Path.parse(".".join(tokens))
    for value in (doc, _proxied(doc)):
        assert path.get(value) is _get_before(path, value) or path.get(value) == _get_before(path, value)
