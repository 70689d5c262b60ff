"""The JSON nesting bound holds at its edge, with or without the bracket-count shortcut (a document with at most
MAX_DEPTH opening brackets cannot nest deeper than MAX_DEPTH, so its walk is skipped)."""

from __future__ import annotations

import pytest

from aima_gate.core.errors import InputError
from aima_gate.safeio.loaders import MAX_DEPTH, load_json


def _nested(levels: int, noise: str = "") -> str:
    return '{"a": ' * (levels - 1) + f'["{noise}"]' + "}" * (levels - 1)


@pytest.mark.parametrize("noise", ["", "[[[{{{" * 40])
def test_the_deepest_accepted_and_the_first_refused(noise: str) -> None:
    load_json(_nested(MAX_DEPTH + 1, noise), "edge.json")  # innermost container at depth MAX_DEPTH
    with pytest.raises(InputError, match="nested deeper"):
        load_json(_nested(MAX_DEPTH + 2, noise), "edge.json")


def test_shallow_documents_with_many_brackets_in_strings_load() -> None:
    value, _ = load_json('{"s": "' + "[" * 500 + '", "t": [1, [2]]}', "s.json")
    assert value["t"] == [1, [2]]
