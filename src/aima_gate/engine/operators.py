"""Leaf operators: each builds a check ``(scope, actual) -> (status, expected, message tail)`` at compile time.

A tail of ``None`` stands for ``= <the actual value shown>``, written only if the evidence is ever built.

The registry is the plain dict :data:`OPERATORS`; an operator not in it is a policy error, never ignored.
Regular expressions run on RE2 (linear time): a pattern RE2 cannot run in linear time is refused.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Mapping
from typing import Any

from aima_gate.core.errors import PolicyError
from aima_gate.engine.assertions import Check, Scope, Tri
from aima_gate.engine.dates import parse_date as parse_date  # (re-exported: collectors import it from here)
from aima_gate.engine.paths import _MISSING, Path
from aima_gate.engine.paths import show as _show

Operand = Callable[[Scope], Any]
"""Resolves an operand at evaluation time (literal, parameter, or subject value)."""


def compile_operand(raw: Any, params_declared: Mapping[str, Any], where: str) -> Operand:
    if isinstance(raw, Mapping):
        if "param" in raw:
            name = raw["param"]
            if name not in params_declared:
                raise PolicyError(f"{where}: parameter {name!r} is not declared under params:")
            select = Path.parse(raw["select"]) if "select" in raw else None

            def param(scope: Scope) -> Any:
                value = scope.params[name]
                if select is not None and isinstance(value, Mapping):
                    key = select.get(scope.subject.data)
                    key = str(key).lower() if isinstance(key, bool) else str(key)
                    return value[key] if key in value else value.get("default", _MISSING)
                return value

            return param
        if "subject" in raw:
            path = Path.parse(raw["subject"])
            return lambda scope: path.get(scope.subject.data)
        raise PolicyError(f"{where}: an operand mapping needs 'param' or 'subject'")
    return lambda _scope: raw


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and not (isinstance(v, float) and math.isnan(v))


# ------------------------------------------------------------------------------------------------ helpers


def _exists(v: Any) -> bool:
    if v is _MISSING or v is None:
        return False
    if isinstance(v, str):
        return bool(v.strip())
    if isinstance(v, (list, dict)):
        return bool(v)
    return True


def _date_operand(v: Any, scope: Scope) -> _dt.date | None:
    if v == "today":
        return scope.today
    return parse_date(v)


# ------------------------------------------------------------------------------------------------ builders


def op_exists(raw: Any, _params: Mapping[str, Any], _where: str) -> Check:
    want = bool(raw)

    def check(_scope: Scope, v: Any) -> tuple[Tri, str, str | None]:
        has = _exists(v)
        if want:
            return (Tri.PASS if has else Tri.FAIL), "present and not empty", "is present" if has else "is empty"
        return (Tri.FAIL if has else Tri.PASS), "absent or empty", None if has else "is absent"

    return check


_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "number": _is_number,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "list": lambda v: isinstance(v, list),
    "mapping": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def op_type(raw: Any, _params: Mapping[str, Any], _where: str) -> Check:
    test = _TYPES[raw]

    expected = f"a {raw}"

    def check(_scope: Scope, v: Any) -> tuple[Tri, str, str | None]:
        ok = v is not _MISSING and test(v)
        return (Tri.PASS if ok else Tri.FAIL), expected, None

    return check


def op_equals(raw: Any, params: Mapping[str, Any], where: str) -> Check:
    operand = compile_operand(raw, params, where)
    if not isinstance(raw, Mapping):  # a literal: its text is shown the same for every subject
        expected = f"equals {_show(raw)}"

        def check_literal(_scope: Scope, v: Any) -> tuple[Tri, str, str | None]:
            return (Tri.PASS if v == raw else Tri.FAIL), expected, None

        return check_literal

    def check(scope: Scope, v: Any) -> tuple[Tri, str, str | None]:
        want = operand(scope)
        if want is _MISSING:
            return Tri.FAIL, "a value to compare with", "cannot be compared: the value to compare with is missing"
        return (Tri.PASS if v == want else Tri.FAIL), f"equals {_show(want)}", None

    return check


def op_one_of(raw: Any, params: Mapping[str, Any], where: str) -> Check:
    operand = compile_operand(raw, params, where)
    if not isinstance(raw, Mapping) and not isinstance(raw, list):
        raise PolicyError(f"{where}: one_of needs a list")
    if isinstance(raw, list):  # a literal list: its text is shown the same for every subject
        expected = f"one of {_show(raw)}"

        def check_literal(_scope: Scope, v: Any) -> tuple[Tri, str, str | None]:
            return (Tri.PASS if v in raw else Tri.FAIL), expected, None

        return check_literal

    last: list[Any] = [None, ""]  # a parameter's list is the same object for every subject: shown once

    def check(scope: Scope, v: Any) -> tuple[Tri, str, str | None]:
        allowed = operand(scope)
        if not isinstance(allowed, list):
            return Tri.ERROR, "one of a list", f"cannot be checked: allowed values are not a list ({_show(allowed)})"
        if allowed is not last[0]:
            last[:] = allowed, f"one of {_show(allowed)}"
        return (Tri.PASS if v in allowed else Tri.FAIL), last[1], None

    return check


def op_contains(raw: Any, params: Mapping[str, Any], where: str) -> Check:
    operand = compile_operand(raw, params, where)

    def check(scope: Scope, v: Any) -> tuple[Tri, str, str | None]:
        item = operand(scope)
        if (isinstance(v, str) and isinstance(item, str)) or isinstance(v, list):
            ok = item in v
        elif isinstance(v, dict):
            ok = isinstance(item, str) and item in v
        else:
            return Tri.ERROR, f"contains {_show(item)}", f"is a {type(v).__name__}; contains needs a string or list"
        return (Tri.PASS if ok else Tri.FAIL), f"contains {_show(item)}", None

    return check


def _compile_regex(pattern: str, where: str) -> Any:
    import re2

    options = re2.Options()
    options.log_errors = False  # the PolicyError below says it; RE2's own log line would only add noise
    try:
        return re2.compile(pattern, options)
    except Exception as exc:  # re2.error has no stable public name across versions
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):  # google-re2 reports its reason as bytes
            detail = detail.decode("utf-8", "replace")
        raise PolicyError(
            f"{where}: regex {pattern!r} is not accepted: {detail}",
            hint="aima-gate runs regexes on RE2 (linear time); backreferences and lookaround are not supported",
        ) from None


def op_matches(raw: Any, params: Mapping[str, Any], where: str) -> Check:
    static = _compile_regex(raw, where) if isinstance(raw, str) else None
    dynamic = compile_operand(raw, params, where)
    cache: dict[str, Any] = {}

    def operand(scope: Scope) -> Any:
        if static is not None:
            return static
        pat = str(dynamic(scope))
        if pat not in cache:
            cache[pat] = _compile_regex(pat, where)
        return cache[pat]

    def check(scope: Scope, v: Any) -> tuple[Tri, str, str | None]:
        regex = operand(scope)
        if v is None:  # no value given: the policy's requirement is unmet (a failure, not unreadable input)
            return Tri.FAIL, f"matches /{regex.pattern}/", "is null (no value given)"
        if not isinstance(v, str):
            return Tri.ERROR, f"matches /{regex.pattern}/", f"is a {type(v).__name__}, not a string"
        ok = regex.search(v) is not None
        return (Tri.PASS if ok else Tri.FAIL), f"matches /{regex.pattern}/", None

    return check


_COMPARE: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {
    "equals": ("==", lambda a, b: a == b),
    "gt": (">", lambda a, b: a > b),
    "gte": (">=", lambda a, b: a >= b),
    "lt": ("<", lambda a, b: a < b),
    "lte": ("<=", lambda a, b: a <= b),
}


def _comparison(name: str, raw: Any, params: Mapping[str, Any], where: str,
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
    """:func:`_comparison`'s check for one comparison with a parameter or subject operand: its bound is made
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


def _number(v: Any) -> Any:
    return v if _is_number(v) else None


def _length(v: Any) -> Any:
    return len(v) if isinstance(v, (str, list, dict)) else None


def _version(v: Any) -> Any:
    from packaging.version import InvalidVersion, Version

    if isinstance(v, bool) or v is None or v is _MISSING:
        return None
    try:
        return Version(str(v))
    except InvalidVersion:
        return None


def _numeric_op(op: str) -> Callable[[Any, Mapping[str, Any], str], Check]:
    def build(raw: Any, params: Mapping[str, Any], where: str) -> Check:
        return _comparison(op, {op: raw}, params, where, _number, "number")

    return build


def op_length(raw: Any, params: Mapping[str, Any], where: str) -> Check:
    return _comparison("length", raw, params, where, _length, "string, list or mapping", convert_bound=_number)


def op_version(raw: Any, params: Mapping[str, Any], where: str) -> Check:
    return _comparison("version", raw, params, where, _version, "PEP 440 version")


def op_within_days(raw: Any, params: Mapping[str, Any], where: str) -> Check:
    operand = compile_operand(raw, params, where)

    def check(scope: Scope, v: Any) -> tuple[Tri, str, str | None]:
        days = operand(scope)
        if not _is_number(days):
            return Tri.ERROR, "within N days", f"cannot be checked: N is {_show(days)}"
        expected = f"a date within {days} days before {scope.today.isoformat()}"
        if v is None:  # an undated report fails the freshness policy; it does not make the whole run unevaluable
            return Tri.FAIL, expected, "is null (no date given)"
        date = parse_date(v)
        if date is None:
            return Tri.ERROR, expected, f"= {_show(v)}, which is not an ISO 8601 date"
        age = (scope.today - date).days
        if age < 0:
            return Tri.FAIL, expected, f"= {date.isoformat()}, which is in the future"
        return (Tri.PASS if age <= days else Tri.FAIL), expected, f"= {date.isoformat()} ({age} days old)"

    return check


def _date_cmp(after: bool) -> Callable[[Any, Mapping[str, Any], str], Check]:
    def build(raw: Any, params: Mapping[str, Any], where: str) -> Check:
        operand = compile_operand(raw, params, where)
        word = "after" if after else "before"

        def check(scope: Scope, v: Any) -> tuple[Tri, str, str | None]:
            bound_raw = operand(scope)
            bound = _date_operand(bound_raw, scope)
            if bound is None:
                if bound_raw is _MISSING or bound_raw is None:
                    return Tri.FAIL, f"a date {word} (missing)", "cannot be compared: the other date is missing"
                return Tri.ERROR, f"a date {word} {_show(bound_raw)}", "cannot be compared: bound is not a date"
            expected = f"a date {word} {bound.isoformat()}"
            if v is None:
                return Tri.FAIL, expected, "is null (no date given)"
            date = parse_date(v)
            if date is None:
                return Tri.ERROR, expected, f"= {_show(v)}, which is not an ISO 8601 date"
            ok = date > bound if after else date < bound
            return (Tri.PASS if ok else Tri.FAIL), expected, f"= {date.isoformat()}"

        return check

    return build


OPERATORS: dict[str, Callable[[Any, Mapping[str, Any], str], Check]] = {
    "exists": op_exists,
    "type": op_type,
    "equals": op_equals,
    "one_of": op_one_of,
    "contains": op_contains,
    "matches": op_matches,
    "gt": _numeric_op("gt"),
    "gte": _numeric_op("gte"),
    "lt": _numeric_op("lt"),
    "lte": _numeric_op("lte"),
    "between": lambda raw, params, where: _comparison("between", {"between": raw}, params, where, _number, "number"),
    "length": op_length,
    "version": op_version,
    "within_days": op_within_days,
    "date_after": _date_cmp(after=True),
    "date_before": _date_cmp(after=False),
}
