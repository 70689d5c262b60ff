"""The ordered comparisons (``gt``/``gte``/``lt``/``lte``/``between``) that the numeric operators, ``length`` and
``version`` share: one compiled check per leaf, whose bounds are converted once when the operand is a literal."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aima_gate.engine.assertions import Check, Scope, Tri
from aima_gate.engine.operands import Operand, compile_operand, is_number
from aima_gate.engine.paths import _MISSING
from aima_gate.engine.paths import show as _show

_COMPARE: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {
    "equals": ("==", lambda a, b: a == b),
    "gt": (">", lambda a, b: a > b),
    "gte": (">=", lambda a, b: a >= b),
    "lt": ("<", lambda a, b: a < b),
    "lte": ("<=", lambda a, b: a <= b),
}


def compile_comparison(name: str, raw: Any, params: Mapping[str, Any], where: str,
                convert: Callable[[Any], Any], kind: str, convert_bound: Callable[[Any], Any] | None = None, *,
                one_operand: bool = True) -> Check:
    """Shared by numeric operators, ``length`` and ``version``: ``raw`` maps comparison names to operands.

    ``convert`` turns the actual value into something comparable; ``convert_bound`` (default: the same) turns
    the policy's bounds (for ``length`` the value is measured but the bounds are plain numbers).
    """
    bound_of = convert_bound or convert
    # (op, operand, the bound precomputed when the operand is a literal: the same for every subject)
    ops = [(op, compile_operand(val, params, f"{where}.{op}"),
            None if isinstance(val, Mapping) else _bound(op, val, bound_of, kind)) for op, val in raw.items()]

    if one_operand and len(ops) == 1 and ops[0][2] is None:  # (tests compare it with the general check below)
        return _one_operand(name, ops[0][0], ops[0][1], convert, bound_of, kind)

    def check(scope: Scope, v: Any) -> tuple[Tri, str, str | None]:
        if v is None:  # no value given: the policy's requirement is unmet (a failure, not unreadable input)
            return Tri.FAIL, f"a {kind}", "is null (no value given)"
        actual = convert(v)
        if actual is None:
            return Tri.ERROR, f"a {kind}", f"= {_show(v)}, which is not a {kind}"
        expected_parts = []
        ok = True
        for op, operand, literal in ops:
            error, part, test = literal or _bound(op, operand(scope), bound_of, kind)
            if error is not None:
                return error
            expected_parts.append(part)
            ok = ok and test(actual)
        label = f"{name} " if name in ("length", "version") else ""
        tail = f"= {_show(actual)}" if name == "length" else None  # a length shows the measure, not the value
        return (Tri.PASS if ok else Tri.FAIL), label + " and ".join(expected_parts), tail

    return check


def _one_operand(name: str, op: str, operand: Operand, convert: Callable[[Any], Any], bound_of: Callable[[Any], Any],
                 kind: str) -> Check:
    """:func:`compile_comparison`'s check for one comparison with a parameter or subject operand: its bound is made
    again only when the operand is another object (a parameter's value is the same one for every subject)."""
    label = f"{name} " if name in ("length", "version") else ""
    last: list[Any] = [_MISSING, None]  # (operand value, (error, expected text, test)): _MISSING is never a value

    def check(scope: Scope, v: Any) -> tuple[Tri, str, str | None]:
        if v is None:
            return Tri.FAIL, f"a {kind}", "is null (no value given)"
        actual = convert(v)
        if actual is None:
            return Tri.ERROR, f"a {kind}", f"= {_show(v)}, which is not a {kind}"
        want = operand(scope)
        if want is not last[0] or want is _MISSING:
            error, part, test = _bound(op, want, bound_of, kind)
            last[:] = want, (error, label + part, test)
        error, expected, test = last[1]
        if error is not None:
            return error  # type: ignore[no-any-return]
        tail = f"= {_show(actual)}" if name == "length" else None
        return (Tri.PASS if test(actual) else Tri.FAIL), expected, tail

    return check


_Bound = tuple["tuple[Tri, str, str] | None", str, Callable[[Any], bool]]
"""(the error to report, or None; the expected text; the test of the converted actual value)."""


def _never(_actual: Any) -> bool:  # pragma: no cover - only paired with an error, which is returned first
    return False


def _bound(op: str, want: Any, bound_of: Callable[[Any], Any], kind: str) -> _Bound:
    """One comparison's bound: converted, described and turned into a test (or the reason it cannot be)."""
    if op == "between":
        if not (isinstance(want, list) and len(want) == 2):
            return (Tri.ERROR, "between [low, high]", f"cannot be checked: bad range {_show(want)}"), "", _never
        lo, hi = bound_of(want[0]), bound_of(want[1])
        if lo is None or hi is None:
            return (Tri.ERROR, f"a {kind} range", f"cannot be checked: bad range {_show(want)}"), "", _never
        return None, f"between {want[0]} and {want[1]}", lambda actual: bool(lo <= actual <= hi)
    target = bound_of(want)
    if target is None:
        return (Tri.ERROR, f"{_COMPARE[op][0]} a {kind}", f"cannot be compared with {_show(want)}"), "", _never
    symbol, fn = _COMPARE[op]
    return None, f"{symbol} {want}", lambda actual: fn(actual, target)


def as_number(v: Any) -> Any:
    return v if is_number(v) else None


def length_of(v: Any) -> Any:
    return len(v) if isinstance(v, (str, list, dict)) else None


def as_version(v: Any) -> Any:
    from packaging.version import InvalidVersion, Version

    if isinstance(v, bool) or v is None or v is _MISSING:
        return None
    try:
        return Version(str(v))
    except InvalidVersion:
        return None
