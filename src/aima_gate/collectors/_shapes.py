"""Defensive accessors for foreign documents (tool outputs whose shape is not trusted until checked)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def sub(doc: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """doc[key] when it is a mapping, else an empty mapping (foreign documents are not trusted to be shaped)."""
    value = doc.get(key)
    return value if isinstance(value, Mapping) else {}


def seq(doc: Mapping[str, Any], key: str) -> list[Any]:
    """doc[key] when it is a list, else an empty list."""
    value = doc.get(key)
    return value if isinstance(value, list) else []
