"""Leaf operators: each builds a check ``(scope, actual) -> (status, expected, message tail)`` at compile time.

A tail of ``None`` stands for ``= <the actual value shown>``, written only if the evidence is ever built.

The registry is the plain dict :data:`OPERATORS`; an operator not in it is a policy error, never ignored.
Regular expressions run on RE2 (linear time): a pattern RE2 cannot run in linear time is refused.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from typing import Any

from aima_gate.core.errors import PolicyError
from aima_gate.engine.assertions import Check, Scope, Tri
from aima_gate.engine.comparisons import as_number, as_version, compile_comparison, length_of
from aima_gate.engine.dates import parse_date
from aima_gate.engine.operands import compile_operand, is_number
from aima_gate.engine.paths import _MISSING
from aima_gate.engine.paths import show as _show

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
    "number": is_number,
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


def _numeric_op(op: str) -> Callable[[Any, Mapping[str, Any], str], Check]:
    def build(raw: Any, params: Mapping[str, Any], where: str) -> Check:
        return compile_comparison(op, {op: raw}, params, where, as_number, "number")

    return build


def op_length(raw: Any, params: Mapping[str, Any], where: str) -> Check:
    return compile_comparison("length", raw, params, where, length_of, "string, list or mapping",
                              convert_bound=as_number)


def op_version(raw: Any, params: Mapping[str, Any], where: str) -> Check:
    return compile_comparison("version", raw, params, where, as_version, "PEP 440 version")


def op_within_days(raw: Any, params: Mapping[str, Any], where: str) -> Check:
    operand = compile_operand(raw, params, where)

    def check(scope: Scope, v: Any) -> tuple[Tri, str, str | None]:
        days = operand(scope)
        if not is_number(days):
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
    "between": lambda raw, params, where: compile_comparison("between", {"between": raw}, params, where, as_number,
                                                             "number"),
    "length": op_length,
    "version": op_version,
    "within_days": op_within_days,
    "date_after": _date_cmp(after=True),
    "date_before": _date_cmp(after=False),
}
