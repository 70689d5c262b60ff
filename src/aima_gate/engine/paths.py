"""Paths into parsed documents and how their values are shown in evidence. Pure: no I/O.

A :class:`Path` is compiled once per policy leaf (tokens, the JSON-pointer suffix and its ``$.a[0]`` rendering),
so evaluation only looks values up and concatenates strings.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aima_gate.core.errors import pointer_to_path

_MISSING: Any = object()


@dataclass(frozen=True)
class Path:
    text: str
    tokens: tuple[str, ...]
    suffix: str = ""
    """The tokens as an escaped JSON-pointer suffix, computed once at compile time."""
    shown: str = ""
    """The tokens as ``pointer_to_path`` renders them after a base (``.a[0]``), computed once at compile time:
    ``pointer_to_path(path.pointer(base)) == shown_pointer(base) + path.shown`` for every base pointer."""

    @staticmethod
    def parse(text: str) -> Path:
        if text in ("", "."):
            return Path(text, ())
        if text.startswith("/"):
            tokens = tuple(t.replace("~1", "/").replace("~0", "~") for t in text[1:].split("/"))
        else:
            tokens = tuple(text.split("."))
        suffix = "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)
        return Path(text, tokens, suffix, pointer_to_path(suffix)[1:])

    def get(self, value: Any) -> Any:
        for tok in self.tokens:
            # A dict is the usual case, tested without the cost of an ABC check; any Mapping is asked once (``get``,
            # not ``in`` and ``[]``: the same answer for any Mapping; a lazy one, read back from the cache, answers
            # its peek keys with one call).
            if type(value) is dict or isinstance(value, Mapping):
                value = value.get(tok, _MISSING)
                if value is _MISSING:
                    return _MISSING
            elif isinstance(value, list) and tok.isdigit() and int(tok) < len(value):
                value = value[int(tok)]
            else:
                return _MISSING
        return value

    def pointer(self, base: str) -> str:
        return base + self.suffix

    def where(self, base: str) -> str:
        """``pointer_to_path(self.pointer(base))``, rendering only the base at run time (and that memoized)."""
        return shown_pointer(base) + self.shown


_WHERE: dict[str, str] = {"": "$"}
_WHERE_MAX = 4096


def shown_pointer(pointer: str) -> str:
    """``pointer_to_path(pointer)``, memoized for the pointers evaluation meets again and again (a quantifier's
    elements, a registry entry's base); the memo is bounded so a hostile document cannot grow it without end."""
    shown = _WHERE.get(pointer)
    if shown is None:
        if len(_WHERE) >= _WHERE_MAX:
            _WHERE.clear()
            _WHERE[""] = "$"
        shown = _WHERE[pointer] = pointer_to_path(pointer)
    return shown


def show(value: Any) -> str:
    """A value as evidence messages quote it (``= 'x'``, ``= 0.8``, ``= null``, ``= ["a"]``)."""
    if value is _MISSING:
        return "(missing)"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool) or value is None:
        return "true" if value is True else "false" if value is False else "null"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, default=str, sort_keys=True)


def short(value: Any, limit: int = 200) -> Any:
    """Evidence values stay readable: long strings are cut, containers summarized."""
    kind = type(value)
    if kind in _SCALARS or value is None:  # the usual case: nothing to cut
        return value
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"... ({len(value)} chars)"
    if isinstance(value, (list, dict)):
        # Cheap size guard first: serializing a whole document just to measure it dominated large runs.
        if len(value) > 8 or any(
            isinstance(v, (list, dict)) for v in (value.values() if isinstance(value, dict) else value)
        ):
            return f"<{type(value).__name__} of {len(value)} items>"
        text = _JSON.encode(value)
        if len(text) > limit:
            return f"<{type(value).__name__} of {len(value)} items>"
    return value


_SCALARS = frozenset((int, float, bool))


_JSON = json.JSONEncoder(sort_keys=True, default=str)
"""``json.dumps(value, sort_keys=True, default=str)`` without building an encoder per call (same text)."""
_encode_str = json.encoder.encode_basestring_ascii  # what _JSON writes for a str (ensure_ascii is on)


def join_key(values: Sequence[Any]) -> str:
    if all(type(v) is str for v in values):  # the usual key (names, versions): the encoder's own string form
        return "[" + ", ".join(map(_encode_str, values)) + "]"
    return _JSON.encode(list(values))


__all__ = ["_MISSING", "Path", "join_key", "short", "show", "shown_pointer"]
