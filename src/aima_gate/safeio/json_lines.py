"""Line numbers of a JSON document's values, for evidence: one pass over its tokens after ``json.loads`` accepted it.

Split out of :mod:`aima_gate.safeio.loaders` (which parses and validates) to keep each module readable. The map is
built lazily, possibly in another process or from the artifact cache: :class:`JsonLines` is what a parsed JSON
document's line index keeps. JSON Pointer (RFC 6901) token escaping lives here too, for every pointer the loaders,
validators and line maps make.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

_intern = sys.intern


def escape_pointer_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


# A value's token carries the separator after it: a key its ':', anything else a ',' when one follows (JSON's
# whitespace is these four characters; a string followed by ':' is always a key).
_JSON_LINE_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"[ \t\r\n]*[:,]?|[{\[]|[^\s{}\[\],:"]+[ \t\r\n]*,?|[}\]][ \t\r\n]*,?',
                              re.S)


def _json_lines(text: str) -> dict[str, int]:
    """Line of every value (and key) in a document already validated by ``json.loads``.

    One pass over the tokens with an explicit stack (no recursion, no token list; was 0.1 ms per small report):
    each value's line is the line of its first token, each key's the line of the key (which its value keeps)."""
    lines: dict[str, int] = {}
    line = 1
    last = 0
    count = text.count
    stack: list[list[Any]] = []  # [pointer, index of the current element, or -1 for an object]
    pointer = ""  # where the next value goes
    want_key = False
    for m in _JSON_LINE_TOKEN.finditer(text):
        start = m.start()
        line += count("\n", last, start)
        last = start
        tok = m.group()
        c = tok[0]
        if want_key and c == '"':
            want_key = False
            key = tok[1 : tok.rindex('"')]
            if "\\" in key:
                key = json.loads(f'"{key}"')
            pointer = _intern(f"{stack[-1][0]}/{escape_pointer_token(key)}")
            lines[pointer] = line
            continue
        want_key = False
        if c == "{":
            lines.setdefault(pointer, line)
            stack.append([pointer, -1])
            want_key = True
            continue
        if c == "[":
            lines.setdefault(pointer, line)
            stack.append([pointer, 0])
            pointer = _intern(f"{pointer}/0")
            continue
        if c == "}" or c == "]":
            stack.pop()
        else:
            lines.setdefault(pointer, line)
        if tok[-1] == ",":
            frame = stack[-1]
            if frame[1] < 0:
                want_key = True
            else:
                frame[1] += 1
                pointer = _intern(f"{frame[0]}/{frame[1]}")
    return lines


class JsonLines:
    """Picklable lazy builder of a JSON document's line map (artifacts cross process boundaries when parsed
    in parallel)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __call__(self) -> dict[str, int]:
        return _json_lines(self.text)
