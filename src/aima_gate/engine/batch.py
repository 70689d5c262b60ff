"""Statuses of one node over many values at once: the batched form of :meth:`Node.status`. Pure: no I/O.

:func:`statuses` answers ``[node.status(scope, value, pointer) for each]`` with one pass per node over all the
values instead of one walk of the tree per value: a leaf reads its path from every value with one accessor, an
``all``/``any`` combines its children's columns row by row, and a quantifier or join gathers the elements or
candidates of every value into one column for its child. The checks asked are exactly the ones
:meth:`Node.status` asks, on the same values, only in another order; so the statuses are the same, and a check
that raises raises here too (not necessarily the same one first: :mod:`aima_gate.engine.evaluate` then answers
that batch again the interpreter's way, one value at a time, which raises what the interpreter raises).
tests/engine/test_batch.py holds the two to the same answers on random trees and documents.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aima_gate.core.model import Artifact
from aima_gate.engine.assertions import AllOf, AnyOf, Join, Leaf, Node, Not, Quantifier, Scope, Tri, _elements
from aima_gate.engine.index import ArtifactIndex
from aima_gate.engine.paths import _MISSING, Path

_PASS, _FAIL, _ERROR = Tri.PASS, Tri.FAIL, Tri.ERROR


def statuses(node: Node, scopes: Sequence[Scope], values: Sequence[Any], pointers: Sequence[str] | None) -> list[Tri]:
    """``[node.status(s, v, p) for s, v, p in zip(scopes, values, pointers)]`` (pointers ``""`` when None)."""
    kind = type(node)
    if kind is Leaf:
        return _leaf(node, scopes, values)  # type: ignore[arg-type]
    if kind is AllOf or kind is AnyOf:
        cols = [statuses(c, scopes, values, pointers) for c in node.children]  # type: ignore[attr-defined]
        if len(cols) == 1:
            return cols[0]
        if kind is AllOf:
            return [_FAIL if _FAIL in row else _ERROR if _ERROR in row else _PASS for row in zip(*cols, strict=True)]
        return [_PASS if _PASS in row else _ERROR if _ERROR in row else _FAIL for row in zip(*cols, strict=True)]
    if kind is Not:
        col = statuses(node.child, scopes, values, pointers)  # type: ignore[attr-defined]
        return [_FAIL if s is _PASS else _PASS if s is _FAIL else _ERROR for s in col]
    if kind is Quantifier:
        return _quantifier(node, scopes, values, pointers)  # type: ignore[arg-type]
    if kind is Join:
        return _join(node, scopes, values, pointers)  # type: ignore[arg-type]
    if pointers is None:  # a node this module does not know: asked one value at a time
        return [node.status(s, v, "") for s, v in zip(scopes, values, strict=True)]
    return [node.status(s, v, p) for s, v, p in zip(scopes, values, pointers, strict=True)]


def make_scopes(subjects: Sequence[Artifact], params: Mapping[str, Any], today: _dt.date,
                index: ArtifactIndex) -> list[Scope]:
    """``[make_scope(s, params, today, index) for s in subjects]``: each scope's fields put in place at once (see
    :meth:`Scope.at`), in the dataclass's order."""
    new = object.__new__
    put = object.__setattr__
    out = []
    for subject in subjects:
        scope = new(Scope)
        put(scope, "__dict__", {"artifact": subject, "subject": subject, "params": params, "today": today,
                                "index": index})
        out.append(scope)
    return out


def accessor(path: Path) -> Callable[[Any], Any]:
    """``path.get``, for mappings all the way down without its type tests per key; anything else asks it."""
    get = path.get
    tokens = path.tokens
    if len(tokens) == 1:
        (tok,) = tokens

        def get1(value: Any) -> Any:
            return value.get(tok, _MISSING) if type(value) is dict else get(value)

        return get1
    if len(tokens) == 2:
        first, second = tokens

        def get2(value: Any) -> Any:
            if type(value) is dict:
                inner = value.get(first, _MISSING)
                if type(inner) is dict:
                    return inner.get(second, _MISSING)
                if inner is _MISSING:
                    return _MISSING
            return get(value)

        return get2
    if not tokens:
        return get

    def getn(value: Any) -> Any:
        inner = value
        for tok in tokens:
            if type(inner) is not dict:
                return get(value)
            inner = inner.get(tok, _MISSING)
            if inner is _MISSING:
                return _MISSING
        return inner

    return getn


def _leaf(node: Leaf, scopes: Sequence[Scope], values: Sequence[Any]) -> list[Tri]:
    get = accessor(node.path)
    check = node.check
    if node.missing_ok:
        return [check(scope, get(value))[0] for scope, value in zip(scopes, values, strict=True)]
    # a missing value fails; the check is still asked, as Leaf.status asks it: whatever it raises, raises
    return [(check(scope, actual), _FAIL)[1] if (actual := get(value)) is _MISSING else check(scope, actual)[0]
            for scope, value in zip(scopes, values, strict=True)]


def _combined(mode: str, col: Sequence[Tri]) -> Tri:
    """:func:`aima_gate.engine.outcomes.quantified` of a column."""
    if mode == "every":
        return _FAIL if _FAIL in col else _ERROR if _ERROR in col else _PASS
    if _PASS in col:
        return _PASS if mode == "some" else _FAIL
    if _ERROR in col:
        return _ERROR
    return _FAIL if mode == "some" else _PASS


def _quantifier(node: Quantifier, scopes: Sequence[Scope], values: Sequence[Any],
                pointers: Sequence[str] | None) -> list[Tri]:
    get = accessor(node.path)
    empty = _PASS if node.allow_empty and node.mode != "some" else _FAIL
    # Worked out once per node, kept in its __dict__ (as Join.related): a fact about the tree only this module
    # knows how to read, so not a property of Quantifier.
    cache = node.__dict__
    with_pointers = cache.get("_with_pointers")
    if with_pointers is None:
        with_pointers = cache["_with_pointers"] = _reads_pointers(node.child)
    out: list[Tri | None] = []
    spans: list[tuple[int, int, int]] = []  # (row, start, end) in the gathered column
    scopes_in: list[Scope] = []
    items: list[Any] = []
    ptrs: list[str] = []
    suffix = node.path.suffix
    for i, (scope, value) in enumerate(zip(scopes, values, strict=True)):
        target = get(value)
        if target is _MISSING or target is None:
            out.append(_FAIL)
        elif not isinstance(target, (list, Mapping)):
            out.append(_ERROR)
        elif not target:
            out.append(empty)
        else:
            out.append(None)
            start = len(items)
            if with_pointers or type(target) is not list:
                # the elements' pointers as Quantifier.status makes them (a mapping's keys must be strings there)
                for item, item_ptr in _elements(target, (pointers[i] if pointers is not None else "") + suffix):
                    items.append(item)
                    ptrs.append(item_ptr)
            else:  # pointers nobody below reads: a list's elements as they are
                items += target
            scopes_in += [scope] * (len(items) - start)
            spans.append((i, start, len(items)))
    if spans:
        col = statuses(node.child, scopes_in, items, ptrs if with_pointers else None)
        mode = node.mode
        for i, start, end in spans:
            out[i] = _combined(mode, col[start:end])
    return out  # type: ignore[return-value]


def _reads_pointers(node: Node) -> bool:
    """Whether a status under ``node`` can depend on its value's pointer: only a join by reference reads it (the
    reference is looked up by its pointer); a join's own filter and assertion start again at the candidate's root,
    and a node this module does not know is assumed to read it."""
    kind = type(node)
    if kind is Leaf:
        return False
    if kind is AllOf or kind is AnyOf:
        return any(_reads_pointers(c) for c in node.children)  # type: ignore[attr-defined]
    if kind is Not or kind is Quantifier:
        return _reads_pointers(node.child)  # type: ignore[attr-defined]
    if kind is Join:
        return node.via is not None  # type: ignore[attr-defined]
    return True


def _join(node: Join, scopes: Sequence[Scope], values: Sequence[Any], pointers: Sequence[str] | None) -> list[Tri]:
    none_found = _PASS if node.require == "none" else _FAIL
    child = node.child
    out: list[Tri | None] = []
    spans: list[tuple[int, int, int]] = []
    scopes_in: list[Scope] = []
    datas: list[Any] = []
    via = node.via
    get = accessor(via) if via is not None else None
    kind = node.kind
    shared = bool(scopes) and node.shared_pool_key(scopes[0]) is not None
    for i, (scope, value) in enumerate(zip(scopes, values, strict=True)):
        pointer = pointers[i] if pointers is not None else ""
        if get is not None:  # Join._candidates' first steps for a reference, inlined: the usual join
            assert via is not None
            ref_value = get(value)
            if ref_value is _MISSING or ref_value in (None, "", []):
                found = []
            else:
                found = (scope.index.referenced.get((kind, pointer + via.suffix, id(scope.artifact)))
                         or node._candidates(scope, value, pointer)[0])
        else:
            found, _ = node._candidates(scope, value, pointer)
        if node.where is not None:
            found = _shared_pool(node, scope, found) if shared else node._filtered(scope, found)
        if not found:
            out.append(none_found)
        elif child is None:
            out.append(_FAIL if node.require == "none" else _PASS)
        else:
            out.append(None)
            start = len(datas)
            at = scope.at
            for a in found:
                scopes_in.append(at(a))
                datas.append(a.data)
            spans.append((i, start, len(datas)))
    if spans:
        assert child is not None
        col = statuses(child, scopes_in, datas, None)
        mode = node.require
        for i, start, end in spans:
            out[i] = _combined(mode, col[start:end])
    return out  # type: ignore[return-value]


def _shared_pool(node: Join, scope: Scope, found: list[Artifact]) -> list[Artifact]:
    """``node._filtered(scope, found)`` for a pool shared by every subject (:meth:`Join.shared_pool_key`), its
    filter's statuses asked in one batch over the candidates (5,000 models, twice in a hook run) instead of one
    walk of the filter per candidate; kept where ``_filtered`` keeps it."""
    key = node.shared_pool_key(scope)
    assert key is not None and node.where is not None
    cached = scope.index.filtered.get(key)
    if cached is None:
        at = scope.at
        col = statuses(node.where, [at(a) for a in found], [a.data for a in found], None)
        cached = scope.index.filtered[key] = [a for a, s in zip(found, col, strict=True) if s is _PASS]
    return cached


__all__ = ["accessor", "make_scopes", "statuses"]
