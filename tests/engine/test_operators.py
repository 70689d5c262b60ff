"""Every leaf operator: pass, fail and error cases, evaluated through compiled policies (as users write them)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from aima_gate.core.errors import PolicyError
from aima_gate.core.model import Status
from tests.engine.helpers import finding_of, make_policy, status_of

P, F, E = Status.PASS, Status.FAIL, Status.ERROR


@pytest.mark.parametrize(
    ("value", "want"),
    [("team", P), ("", F), ("   ", F), ([], F), ({}, F), (None, F), ([1], P), ({"a": 1}, P), (0, P), (False, P)],
)
def test_exists_true(value: Any, want: Status) -> None:
    assert status_of({"path": "x", "exists": True}, {"x": value}) is want


def test_exists_true_missing_and_exists_false() -> None:
    assert status_of({"path": "x", "exists": True}, {}) is F
    assert status_of({"path": "x", "exists": False}, {}) is P
    assert status_of({"path": "x", "exists": False}, {"x": ""}) is P
    assert status_of({"path": "x", "exists": False}, {"x": []}) is P
    assert status_of({"path": "x", "exists": False}, {"x": "set"}) is F


def test_missing_value_evidence_names_the_path() -> None:
    finding = finding_of({"path": "owner.team", "exists": True}, {"owner": {}})
    ev = finding.evidence[0]
    assert finding.status is F
    assert ev.pointer == "/owner/team"
    assert ev.actual is None
    assert ev.message == "$.owner.team is missing"
    assert ev.expected == "present and not empty"


@pytest.mark.parametrize(
    ("type_name", "value", "want"),
    [("string", "a", P), ("string", 1, F), ("number", 1.5, P), ("number", True, F), ("integer", 2, P),
     ("integer", 2.0, F), ("boolean", False, P), ("boolean", 0, F), ("list", [], P), ("mapping", {}, P),
     ("null", None, P), ("null", 0, F)],
)
def test_type(type_name: str, value: Any, want: Status) -> None:
    assert status_of({"path": "x", "type": type_name}, {"x": value}) is want


def test_equals_and_one_of() -> None:
    assert status_of({"path": "x", "equals": "a"}, {"x": "a"}) is P
    assert status_of({"path": "x", "equals": "a"}, {"x": "b"}) is F
    assert status_of({"path": "x", "equals": 1}, {"x": "1"}) is F
    assert status_of({"path": "x", "equals": [1, 2]}, {"x": [1, 2]}) is P
    assert status_of({"path": "x", "one_of": ["a", "b"]}, {"x": "b"}) is P
    assert status_of({"path": "x", "one_of": ["a", "b"]}, {"x": "c"}) is F
    f = finding_of({"path": "x", "one_of": ["a", "b"]}, {"x": "c"})
    assert f.evidence[0].expected == 'one of ["a", "b"]'
    assert f.evidence[0].actual == "c"


def test_one_of_needs_a_list() -> None:
    with pytest.raises(PolicyError, match="one_of needs a list"):
        make_policy({"path": "x", "one_of": "abc"})


def test_contains() -> None:
    assert status_of({"path": "x", "contains": "b"}, {"x": ["a", "b"]}) is P
    assert status_of({"path": "x", "contains": "c"}, {"x": ["a", "b"]}) is F
    assert status_of({"path": "x", "contains": "ell"}, {"x": "hello"}) is P
    assert status_of({"path": "x", "contains": "k"}, {"x": {"k": 1}}) is P
    assert status_of({"path": "x", "contains": "k"}, {"x": 5}) is E


def test_matches_uses_search_semantics_and_errors_on_non_strings() -> None:
    assert status_of({"path": "x", "matches": "^v\\d+$"}, {"x": "v12"}) is P
    assert status_of({"path": "x", "matches": "^v\\d+$"}, {"x": "v12a"}) is F
    assert status_of({"path": "x", "matches": "mit"}, {"x": "license: mit"}) is P
    assert status_of({"path": "x", "matches": "1"}, {"x": 1}) is E


def test_matches_catastrophic_pattern_runs_in_linear_time() -> None:
    policy_assert = {"path": "x", "matches": "(a+)+$"}
    hostile = "a" * 200_000 + "!"
    start = time.perf_counter()
    assert status_of(policy_assert, {"x": hostile}) is F  # exponential time on a backtracking engine
    assert time.perf_counter() - start < 10.0  # backtracking would never finish; the bound only has to catch that
    start = time.perf_counter()
    assert status_of({"path": "x", "matches": "^(a+)+$"}, {"x": hostile}) is F
    assert time.perf_counter() - start < 10.0


@pytest.mark.parametrize("pattern", ["(a)\\1", "(?=a)b", "(?<!x)y"])
def test_matches_refuses_non_linear_patterns_at_compile_time(pattern: str) -> None:
    with pytest.raises(PolicyError) as info:
        make_policy({"path": "x", "matches": pattern})
    err = info.value
    assert err.file == "policies/test.yml" and err.line is not None
    assert err.pointer == "/assert/matches"
    assert "not accepted" in err.diagnosis
    assert "b'invalid" not in err.diagnosis  # RE2's reason is decoded, not shown as bytes
    assert err.hint and "RE2" in err.hint


@pytest.mark.parametrize(
    ("op", "bound", "value", "want"),
    [("gt", 0.8, 0.9, P), ("gt", 0.8, 0.8, F), ("gte", 0.8, 0.8, P), ("lt", 5, 4, P), ("lt", 5, 5, F),
     ("lte", 5, 5, P), ("gt", 1, "2", E), ("gt", 1, True, E), ("between", [1, 3], 3, P), ("between", [1, 3], 0, F),
     ("between", [1, 3], "x", E)],
)
def test_numeric(op: str, bound: Any, value: Any, want: Status) -> None:
    assert status_of({"path": "x", op: bound}, {"x": value}) is want


def test_between_with_a_bad_range_is_an_error() -> None:
    assert status_of({"path": "x", "between": [1]}, {"x": 1}) is E
    assert status_of({"path": "x", "between": ["a", 2]}, {"x": 1}) is E


def test_length() -> None:
    assert status_of({"path": "x", "length": {"gte": 2}}, {"x": [1, 2]}) is P
    assert status_of({"path": "x", "length": {"gte": 2}}, {"x": "a"}) is F
    assert status_of({"path": "x", "length": {"between": [1, 2], "equals": 2}}, {"x": {"a": 1, "b": 2}}) is P
    assert status_of({"path": "x", "length": {"gt": 0}}, {"x": 5}) is E
    f = finding_of({"path": "x", "length": {"gte": 3}}, {"x": [1]})
    assert f.evidence[0].expected == "length >= 3"


@pytest.mark.parametrize(
    ("cmp", "value", "want"),
    [({"gte": "1.10"}, "1.9", F), ({"gte": "1.10"}, "1.10.1", P), ({"lt": "2.0"}, "2.0rc1", P),
     ({"equals": "1.0"}, "1.0.0", P), ({"between": ["1.0", "2.0"]}, "1.5.post1", P),
     ({"gte": "1.0"}, "not-a-version", E), ({"gte": "1.0"}, True, E)],
)
def test_version_is_pep440(cmp: dict[str, Any], value: Any, want: Status) -> None:
    assert status_of({"path": "v", "version": cmp}, {"v": value}) is want


@pytest.mark.parametrize(
    ("value", "want"),
    [("2026-11-24", P), ("2026-06-01", P), ("2026-05-27", F), ("2026-11-25", F), ("2026-12-31", F),
     ("2026-11-20T10:00:00Z", P), ("yesterday", E), ("2026-13-01", E), (12, E)],
)
def test_within_days(value: Any, want: Status) -> None:
    # TODAY is 2026-11-24; 180 days before is 2026-05-28.
    assert status_of({"path": "d", "within_days": 180}, {"d": value}) is want


def test_within_days_future_date_says_so() -> None:
    f = finding_of({"path": "d", "within_days": 30}, {"d": "2027-01-01"})
    assert f.status is F
    assert "in the future" in f.evidence[0].message


def test_within_days_with_a_non_numeric_parameter_is_an_error() -> None:
    assert status_of({"path": "d", "within_days": "soon"}, {"d": "2026-11-01"}) is E


def test_date_after_and_before() -> None:
    assert status_of({"path": "d", "date_after": "2026-01-01"}, {"d": "2026-01-02"}) is P
    assert status_of({"path": "d", "date_after": "2026-01-01"}, {"d": "2026-01-01"}) is F
    assert status_of({"path": "d", "date_before": "today"}, {"d": "2026-11-23"}) is P
    assert status_of({"path": "d", "date_before": "today"}, {"d": "2026-11-24"}) is F
    assert status_of({"path": "d", "date_before": "today"}, {"d": "garbage"}) is E
    assert status_of({"path": "d", "date_after": "not a date"}, {"d": "2026-01-01"}) is E
    # operand from the subject: a missing bound is a failure (nothing to compare with), not a pass
    assert status_of({"path": "d", "date_after": {"subject": "start"}}, {"d": "2026-02-01", "start": "2026-01-01"}) is P
    assert status_of({"path": "d", "date_after": {"subject": "start"}}, {"d": "2026-02-01"}) is F


# ---------------------------------------------------------------------------------------------- operands


def test_param_operand_defaults_and_overrides() -> None:
    params = {"params": {"tiers": {"default": ["low", "high"], "description": "allowed"}}}
    assertion = {"path": "tier", "one_of": {"param": "tiers"}}
    assert status_of(assertion, {"tier": "high"}, **params) is P
    assert status_of(assertion, {"tier": "high"}, overrides={"tiers": ["low"]}, **params) is F


def test_param_with_select_picks_by_subject_field_and_falls_back_to_default() -> None:
    extra = {"params": {"max_age": {"default": {"high": 30, "default": 365}, "description": "days"}}}
    assertion = {"path": "reviewed", "within_days": {"param": "max_age", "select": "risk_tier"}}
    assert status_of(assertion, {"risk_tier": "high", "reviewed": "2026-11-01"}, **extra) is P
    assert status_of(assertion, {"risk_tier": "high", "reviewed": "2026-09-01"}, **extra) is F
    assert status_of(assertion, {"risk_tier": "low", "reviewed": "2026-09-01"}, **extra) is P
    assert status_of(assertion, {"reviewed": "2026-09-01"}, **extra) is P  # no tier: the default key
    no_default = {"params": {"max_age": {"default": {"high": 30}, "description": "days"}}}
    assert status_of(assertion, {"risk_tier": "low", "reviewed": "2026-09-01"}, **no_default) is E


def test_undeclared_param_is_a_policy_error() -> None:
    with pytest.raises(PolicyError, match="parameter 'nope' is not declared") as info:
        make_policy({"path": "x", "equals": {"param": "nope"}})
    assert info.value.file == "policies/test.yml" and info.value.line is not None


def test_subject_operand() -> None:
    assert status_of({"path": "a", "equals": {"subject": "b"}}, {"a": 1, "b": 1}) is P
    assert status_of({"path": "a", "equals": {"subject": "b"}}, {"a": 1, "b": 2}) is F
    assert status_of({"path": "a", "equals": {"subject": "b"}}, {"a": 1}) is F


def test_paths_accept_dots_and_json_pointers() -> None:
    data = {"a": {"b/c": [{"d": 1}]}}
    assert status_of({"path": "/a/b~1c/0/d", "equals": 1}, data) is P
    assert status_of({"path": "a.list.0", "exists": True}, {"a": {"list": ["x"]}}) is P
