"""Where the shipped policy pack and JSON Schemas live.

In a wheel they are force-included under ``aima_gate/_data/``; in a source checkout (editable install, tests)
they are the top-level ``policies/`` and ``schemas/`` folders. Both layouts resolve here and nowhere else.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent.parent  # the aima_gate package (this module is in core/)


@functools.cache
def data_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"aima-gate installation is incomplete: no {name}/ folder found near {_PACKAGE}")


def builtin_policies_dir() -> Path:
    return data_dir("policies")


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    path = data_dir("schemas") / name
    with path.open(encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    return schema
