"""The structure an aima-gate bias report (``kind: bias_report``) must have before anything walks it.

The native document is passed through nearly as written, so every container the gate walks afterwards (the
protected-attribute declaration, derived ratios, interval checks, policies) is checked here first: a wrong type
is an error naming the file, the line and the JSON path (``file:line: $.attributes[0].groups: ...``), never a
Python exception. Value bounds (rates in [0, 1], ...) stay with the schema check (schemas/bias-report.schema.json).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import LineIndex

_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number",
               float: "a number", type(None): "null"}


def _kind(value: Any) -> str:
    return next((name for typ, name in _JSON_TYPES.items() if type(value) is typ),
                "an object" if isinstance(value, Mapping) else type(value).__name__)


def _fail(file: str, lines: LineIndex | None, pointer: str, expected: str, value: Any) -> ArtifactError:
    line = lines.line_of(pointer) if lines is not None else None
    return ArtifactError(f"must be {expected}, not {_kind(value)}", file=file, line=line or 1, pointer=pointer,
                         hint="see schemas/bias-report.schema.json for the aima-gate bias report format")


def _mapping(doc: Mapping[str, Any], key: str, pointer: str, file: str, lines: LineIndex | None) -> None:
    if key in doc and doc[key] is not None and not isinstance(doc[key], Mapping):
        raise _fail(file, lines, f"{pointer}/{key}", "an object", doc[key])


def _list(doc: Mapping[str, Any], key: str, pointer: str, file: str, lines: LineIndex | None,
          item: type | None = None) -> list[Any]:
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(file, lines, f"{pointer}/{key}", "an array", value)
    if item is not None:
        for i, entry in enumerate(value):
            if not isinstance(entry, item):
                raise _fail(file, lines, f"{pointer}/{key}/{i}", "an object" if item is Mapping else "a string",
                            entry)
    return value


def _name(doc: Mapping[str, Any], pointer: str, file: str, lines: LineIndex | None) -> None:
    value = doc.get("name")
    if not isinstance(value, str) or not value.strip():
        raise _fail(file, lines, f"{pointer}/name", "a non-empty string", value)


def check_native(doc: Mapping[str, Any], file: str, lines: LineIndex | None = None) -> None:
    """Raise an :class:`ArtifactError` at the first container of the wrong type."""
    _mapping(doc, "model", "", file, lines)
    name = (doc.get("model") or {}).get("name")
    if name is not None and not isinstance(name, str):  # looked up in the registry and the config
        raise _fail(file, lines, "/model/name", "a string", name)
    _mapping(doc, "tool", "", file, lines)
    _mapping(doc, "overall", "", file, lines)
    for key in ("protected_attributes", "missing_protected_attributes"):
        _list(doc, key, "", file, lines, str)
    if "attributes" in doc and not isinstance(doc["attributes"], list):
        raise _fail(file, lines, "/attributes", "an array", doc["attributes"])
    for key in ("attributes", "unprotected_attributes"):
        for i, attr in enumerate(_list(doc, key, "", file, lines, Mapping)):
            ptr = f"/{key}/{i}"
            _name(attr, ptr, file, lines)
            for block in ("fairness", "confidence_intervals", "differences", "reported_fairness"):
                _mapping(attr, block, ptr, file, lines)
            for j, group in enumerate(_list(attr, "groups", ptr, file, lines, Mapping)):
                _mapping(group, "metrics", f"{ptr}/groups/{j}", file, lines)
                _mapping(group, "confidence_intervals", f"{ptr}/groups/{j}", file, lines)
            _list(attr, "excluded_groups", ptr, file, lines, Mapping)
