"""Mapping keys are interned by the loaders: the same key in thousands of documents is held (and sent back by a
parse worker) once, not once per document."""

from __future__ import annotations

import json

from aima_gate.safeio.loaders import load_json, load_yaml, split_front_matter


def test_mapping_keys_are_held_once_across_documents() -> None:
    key = "".join(["selection", "_rate"])  # built at run time: not the interned literal itself
    one, _ = load_json(json.dumps({key: 1}), "a.json")
    two, _ = load_json(json.dumps({"x": [{key: 2}]}), "b.json")
    three, _ = load_yaml(f"{key}: 3\n", "c.yml")
    four, _, _, _ = split_front_matter(f"---\n{key}: 4\n---\n# Card\n", "README.md")
    keys = [next(iter(one)), next(iter(two["x"][0])), next(iter(three)), next(iter(four))]
    assert keys == [key] * 4 and all(k is keys[0] for k in keys)


def test_duplicate_keys_are_still_refused() -> None:
    import pytest

    from aima_gate.core.errors import InputError

    with pytest.raises(InputError, match="duplicate key"):
        load_json('{"a": 1, "a": 2}', "d.json")
    with pytest.raises(InputError, match="duplicate key"):
        load_yaml("a: 1\na: 2\n", "d.yml")
