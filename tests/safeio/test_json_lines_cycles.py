"""A JSON document's line map leaves no reference cycle behind (issue 16): evaluation builds line maps lazily with
the garbage collector paused, so cyclic garbage (every token of every document) piled up until the run ended."""

from __future__ import annotations

import gc

from aima_gate.safeio.json_lines import _json_lines


def test_building_a_line_map_leaves_no_garbage_cycle() -> None:
    text = '{\n  "a": [1, {"b": 2}],\n  "c": {}\n}\n'
    gc.collect()
    gc.disable()
    try:
        lines = _json_lines(text)
        assert lines == {"": 1, "/a": 2, "/a/0": 2, "/a/1": 2, "/a/1/b": 2, "/c": 3}
        assert gc.collect() == 0  # nothing unreachable: refcounting freed it all
    finally:
        gc.enable()
