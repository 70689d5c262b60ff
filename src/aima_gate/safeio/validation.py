"""JSON Schema validation at the boundary, with errors rendered as ``file:line: $.path: message``."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from aima_gate.core.errors import AimaGateError
from aima_gate.core.model import LineIndex
from aima_gate.core.resources import load_schema
from aima_gate.safeio.json_lines import escape_pointer_token


@functools.cache
def _validator(schema_name: str) -> Any:
    import jsonschema

    schema = load_schema(schema_name)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


# Keywords whose meaning is the same in draft-07 (what fastjsonschema implements) and 2020-12 (our schemas).
_FAST_SAFE_KEYWORDS = frozenset({
    "$schema", "$id", "$ref", "$comment", "$defs", "definitions", "title", "description", "default", "examples",
    "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "items", "maxItems", "minItems", "uniqueItems", "contains",
    "maxProperties", "minProperties", "required", "properties", "patternProperties", "additionalProperties",
    "propertyNames", "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
})
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_VALUES = ("items", "contains", "additionalProperties", "propertyNames", "not", "if", "then", "else")


_ANNOTATIONS = frozenset({"$comment", "title", "description", "default", "examples"})
_REF_SIBLINGS = _ANNOTATIONS | {"$ref", "$defs", "definitions"}
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples"})
"""Keywords whose values are instance data, never subschemas (a ``$ref`` key in there is not a reference)."""


def _fast_safe(schema: Any) -> bool:
    """True if every keyword in the schema means the same to fastjsonschema as to a 2020-12 validator.

    fastjsonschema (draft-07) ignores every keyword beside a ``$ref``, while 2020-12 applies them all: a ``$ref``
    with a validating sibling is not fast-safe."""
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict) or not set(schema) <= _FAST_SAFE_KEYWORDS:
        return False
    if "$ref" in schema and not set(schema) <= _REF_SIBLINGS:
        return False
    ok = all(_fast_safe(s) for key in _SCHEMA_MAPS for s in schema.get(key, {}).values())
    ok = ok and all(_fast_safe(s) for key in _SCHEMA_LISTS for s in schema.get(key, []))
    return ok and all(_fast_safe(schema[key]) for key in _SCHEMA_VALUES if key in schema)


@functools.cache
def _fast_validator(schema_name: str) -> Any:
    """A compiled fastjsonschema validator, or None when the schema uses keywords it would not honour."""
    schema = load_schema(schema_name)
    if not _fast_safe(schema):
        return None
    return _compile_fast(_leaf_refs_inlined({k: v for k, v in schema.items() if k not in ("$schema", "$id")}))


def warm(schema_name: str) -> None:
    """Compile ``schema_name``'s fast validator now (collectors' ``warm``): :func:`schema_errors` would on its first
    call."""
    _fast_validator(schema_name)


def _compile_fast(body: dict[str, Any]) -> Any:
    """fastjsonschema's validator for a fast-safe schema, compiled without exception details
    (``detailed_exceptions=False``): the fast path only asks whether an instance is accepted, and the detailed
    code embeds each failing subschema's repr at every ``raise`` (a generated module several times larger, most
    of the compile time: the policy schema 45 -> 7 ms; and a ``oneOf`` branch that does not fit builds that dict
    on every call). The checks are the same code either way. That mode cannot word a ``const`` failure
    (fastjsonschema 2.22 raises KeyError while generating it), so ``const`` is written as the one-value ``enum``
    it means (fastjsonschema tests both with the same expression); should generation fail anyway, the detailed
    validator is compiled instead."""
    import fastjsonschema

    try:
        return fastjsonschema.compile(_const_as_enum(body), detailed_exceptions=False)
    except Exception:  # a generator limitation: the detailed validator accepts exactly the same instances
        return fastjsonschema.compile(body)


def _const_as_enum(schema: Any) -> Any:
    """``schema`` with each ``const: X`` keyword (in a subschema without ``enum``) written as ``enum: [X]``,
    following only subschema positions (a property named ``const`` and instance data are left alone)."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    if "const" in out and "enum" not in out:
        out["enum"] = [out.pop("const")]
    for key in _SCHEMA_MAPS:
        if isinstance(out.get(key), dict):
            out[key] = {name: _const_as_enum(sub) for name, sub in out[key].items()}
    for key in _SCHEMA_LISTS:
        if isinstance(out.get(key), list):
            out[key] = [_const_as_enum(sub) for sub in out[key]]
    for key in _SCHEMA_VALUES:
        if key in out:
            out[key] = _const_as_enum(out[key])
    return out


def _leaf_refs_inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with each ``$ref`` to a leaf definition (``#/$defs/<name>`` that holds no ``$ref``, ``$id`` or
    ``$anchor`` itself) replaced by that definition. fastjsonschema calls a function per ``$ref`` and formats a
    path for the call every time (``str.format(**locals())``): most of a bias report's validation. A fast-safe
    ``$ref`` has only annotations beside it, so it means exactly its target: the same instances are accepted.
    Only leaves are inlined, so the generated code grows by the leaves' size, never exponentially."""
    defs = schema.get("$defs")
    if not isinstance(defs, dict):
        return schema
    leaves = {f"#/$defs/{name}": target for name, target in defs.items()
              if isinstance(target, dict) and "/" not in name and "~" not in name and "%" not in name
              and not _mentions(target, ("$ref", "$id", "$anchor", "$dynamicRef", "$dynamicAnchor"))}

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            target = leaves.get(node["$ref"]) if isinstance(node.get("$ref"), str) else None
            if target is not None and set(node) - {"$ref"} <= _ANNOTATIONS:
                return target
            return {k: v if k in _DATA_KEYWORDS else inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    out: dict[str, Any] = inline(schema)
    return out


def _mentions(node: Any, keys: tuple[str, ...]) -> bool:
    if isinstance(node, dict):
        return any(k in node for k in keys) or any(_mentions(v, keys) for v in node.values())
    if isinstance(node, list):
        return any(_mentions(v, keys) for v in node)
    return False


def is_valid_fast(instance: Any, schema_name: str) -> bool:
    """Fast acceptance check. False means "not proven valid": callers fall back to the full validator."""
    fast = _fast_validator(schema_name)
    if fast is None:
        return False
    import fastjsonschema

    try:
        fast(instance)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def valid_fast_against(instance: Any, schema: Any) -> bool:
    """:func:`is_valid_fast` for a small schema given inline (a policy parameter's ``schema``): True when
    fastjsonschema accepts ``instance``; False means "not proven valid" (or a keyword it would not honour), so
    callers ask the full validator, which is imported only then."""
    if not isinstance(schema, dict) or not _fast_safe(schema):
        return False
    import fastjsonschema

    try:
        _compile_fast({k: v for k, v in schema.items() if k not in ("$schema", "$id")})(instance)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def _message(error: Any) -> str:
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        if "assert" in error.schema_path or "assertion" in str(error.schema.get("description", "")):
            return f"unknown operator or key {', '.join(map(repr, extra))}; known: {', '.join(sorted(allowed))}"
        return f"unknown key {', '.join(map(repr, extra))}; allowed: {', '.join(sorted(allowed))}"
    if error.validator in ("anyOf", "oneOf") and error.context:
        if error.schema.get("description"):
            return "does not have any of the accepted shapes"
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
    if is_valid_fast(instance, schema_name):
        return []
    errors: list[AimaGateError] = []
    for err in _validator(schema_name).iter_errors(instance):
        if err.validator in ("anyOf", "oneOf") and err.context:
            # Descend to the branch that fits the value best, so the message names the real field and line
            # ("$.models[0].version: 1.0 is not of type 'string'"), not the whole document.
            from jsonschema.exceptions import best_match

            best = best_match([err])
            # A bare type mismatch of the whole value says less than "none of the shapes fits" plus the shapes.
            if not (best.validator == "type" and list(best.absolute_path) == list(err.absolute_path)):
                err = best
        pointer = pointer_prefix + "".join("/" + escape_pointer_token(str(p)) for p in err.absolute_path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            # Point at the first unknown key (its own line), not at the mapping that holds it.
            allowed = err.schema.get("properties", {}) if isinstance(err.schema, dict) else {}
            extra = sorted(str(k) for k in err.instance if k not in allowed)
            if extra:
                pointer += "/" + escape_pointer_token(extra[0])
        description = err.schema.get("description") if isinstance(err.schema, dict) else None
        errors.append(error_cls(_message(err), file=file, line=lines.line_of(pointer), pointer=pointer,
                                hint=description if isinstance(description, str) else None))
    errors.sort(key=lambda e: (e.line or 0, e.pointer or ""))
    return errors


def raise_first(errors: Sequence[AimaGateError]) -> None:
    if errors:
        raise errors[0]
