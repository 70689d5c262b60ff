"""Operands of leaf operators: compiled once per policy, resolved per subject (a literal, a parameter, or a value
of the subject itself)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from aima_gate.core.errors import PolicyError
from aima_gate.engine.assertions import Scope
from aima_gate.engine.paths import _MISSING, Path

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


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and not (isinstance(v, float) and math.isnan(v))
