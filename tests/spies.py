"""A spy for the "computed once" and "was asked for" tests: wraps one attribute so that each call's first
argument is recorded, then calls through."""

from __future__ import annotations

from typing import Any

import pytest


def record_first_args(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, *, real: Any = None) -> list[Any]:
    """Replace ``owner.name`` (or call ``real`` instead of the current one) with a wrapper recording each call's
    first argument; returns the list it appends to."""
    calls: list[Any] = []
    target = getattr(owner, name) if real is None else real

    def spy(first: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(first)
        return target(first, *args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    return calls
