"""Fixtures shared by the engine's tests."""

from __future__ import annotations

from typing import Any

import pytest

from aima_gate.engine import assertions


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pointers of every evidence item the engine builds."""
    seen: list[str] = []
    original = assertions.evidence

    def counting(scope: assertions.Scope, pointer: str, *args: Any) -> Any:
        seen.append(pointer)
        return original(scope, pointer, *args)

    monkeypatch.setattr(assertions, "evidence", counting)
    return seen
