"""The JSON line index (one pass, separators folded into tokens) gives the same line for every pointer as the
recursive tokenizer it replaced, on generated documents of every layout and on every JSON file the tests hold
(fixtures, the realworld and adversarial corpora, examples)."""

from __future__ import annotations

import bisect
import json
import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aima_gate.safeio.json_lines import _json_lines, escape_pointer_token

ROOT = Path(__file__).resolve().parents[2]
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+', re.S)


def reference_lines(text: str) -> dict[str, int]:
    """The former implementation, verbatim in behaviour: a token list, then a recursive descent."""
    newlines = [m.start() for m in re.finditer("\n", text)]
    tokens = [(m.group(), bisect.bisect_left(newlines, m.start()) + 1) for m in _TOKEN.finditer(text)]
    lines: dict[str, int] = {}
    pos = 0

    def value(pointer: str) -> None:
        nonlocal pos
        tok, line = tokens[pos]
        lines.setdefault(pointer, line)
        pos += 1
        if tok == "{":
            if tokens[pos][0] == "}":
                pos += 1
                return
            while True:
                key_tok, key_line = tokens[pos]
                child = f"{pointer}/{escape_pointer_token(json.loads(key_tok))}"
                lines[child] = key_line
                pos += 2
                value(child)
                sep = tokens[pos][0]
                pos += 1
                if sep == "}":
                    return
        elif tok == "[":
            if tokens[pos][0] == "]":
                pos += 1
                return
            index = 0
            while True:
                value(f"{pointer}/{index}")
                index += 1
                sep = tokens[pos][0]
                pos += 1
                if sep == "]":
                    return

    if tokens:
        value("")
    return lines


_TEXT = st.text(st.characters(codec="utf-8"), max_size=8) | st.sampled_from(
    ["", "a,b", 'q"uote', "back\\slash", "x:y", "{[", "]}", "a/b~c", "line\nbreak", " : , "])
_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | _TEXT
_DOCS = st.recursive(_SCALARS, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(_TEXT, kids, max_size=4),
                     max_leaves=25)


def _layouts(doc: Any) -> list[str]:
    return [json.dumps(doc), json.dumps(doc, indent=2), json.dumps(doc, indent="\t", ensure_ascii=False),
            json.dumps(doc, separators=(" ,\r\n", " :\n\n ")), json.dumps(doc, indent=1, separators=(",", " : "))]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_DOCS)
def test_generated_documents_in_every_layout(doc: Any) -> None:
    for text in _layouts(doc):
        assert _json_lines(text) == reference_lines(text), text


def test_every_json_file_the_tests_and_examples_hold() -> None:
    checked = 0
    for path in sorted([*ROOT.joinpath("tests").rglob("*.json"), *ROOT.joinpath("examples").rglob("*.json")]):
        try:
            text = path.read_bytes().decode("utf-8-sig")
            json.loads(text)
        except (ValueError, RecursionError):
            continue  # not a document the loader accepts: its lines are never asked for
        assert _json_lines(text) == reference_lines(text), path
        checked += 1
    assert checked > 100, checked
