"""A null value a policy needs is a failure of that policy (exit 1 if it blocks), never "cannot evaluate"."""

from __future__ import annotations

from typing import Any

import pytest

from aima_gate.core.model import Status
from tests.engine.helpers import finding_of, status_of


@pytest.mark.parametrize("leaf", [
    {"path": "x", "within_days": 30}, {"path": "x", "gte": 1}, {"path": "x", "between": [0, 1]},
    {"path": "x", "length": {"gte": 1}}, {"path": "x", "version": {"gte": "1.0"}}, {"path": "x", "matches": "a"},
    {"path": "x", "date_after": "2020-01-01"}, {"path": "x", "date_before": "2030-01-01"},
])
def test_null_fails(leaf: dict[str, Any]) -> None:
    assert status_of(leaf, {"x": None}) is Status.FAIL


def test_null_date_says_so() -> None:
    finding = finding_of({"path": "generated_at", "within_days": 365}, {"generated_at": None})
    assert finding.evidence[0].message == "$.generated_at is null (no date given)"


def test_a_value_that_cannot_be_judged_still_errors() -> None:
    assert status_of({"path": "x", "within_days": 30}, {"x": "last tuesday"}) is Status.ERROR
    assert status_of({"path": "x", "gte": 1}, {"x": "many"}) is Status.ERROR
