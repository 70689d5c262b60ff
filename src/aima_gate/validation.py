"""JSON Schema validation at the boundary, with errors rendered as ``file:line: $.path: message``."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from aima_gate.errors import AimaGateError
from aima_gate.loaders import escape_pointer_token
from aima_gate.model import LineIndex
from aima_gate.resources import load_schema


@functools.cache
def _validator(schema_name: str) -> Any:
    import jsonschema

    schema = load_schema(schema_name)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _message(error: Any) -> str:
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        if "assert" in error.schema_path or "assertion" in str(error.schema.get("description", "")):
            return f"unknown operator or key {', '.join(map(repr, extra))}; known: {', '.join(sorted(allowed))}"
        return f"unknown key {', '.join(map(repr, extra))}; allowed: {', '.join(sorted(allowed))}"
    if error.validator in ("anyOf", "oneOf") and error.context:
        best = min(error.context, key=lambda e: len(list(e.path)))
        return str(best.message)
    return str(error.message)


def schema_errors(
    instance: Any,
    schema_name: str,
    *,
    file: str,
    lines: LineIndex,
    error_cls: type[AimaGateError],
    pointer_prefix: str = "",
) -> list[AimaGateError]:
    """All violations of ``schema_name`` by ``instance``, sorted by position, each naming file and line."""
    errors: list[AimaGateError] = []
    for err in _validator(schema_name).iter_errors(instance):
        pointer = pointer_prefix + "".join("/" + escape_pointer_token(str(p)) for p in err.absolute_path)
        errors.append(error_cls(_message(err), file=file, line=lines.line_of(pointer), pointer=pointer))
    errors.sort(key=lambda e: (e.line or 0, e.pointer or ""))
    return errors


def raise_first(errors: Sequence[AimaGateError]) -> None:
    if errors:
        raise errors[0]
