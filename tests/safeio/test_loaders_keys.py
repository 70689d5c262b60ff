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


def test_line_map_pointers_are_held_once_across_documents() -> None:
    text = json.dumps({"attributes": [{"name": "sex", "groups": [{"n": 1}, {"n": 2}]}]}, indent=1)
    (_, a), (_, b) = load_json(text, "a.json"), load_json(text, "b.json")
    (_, c), (_, d) = load_yaml(text, "c.yml"), load_yaml(text.replace("\n", "\n "), "d.yml")
    assert a.line_of("/attributes/0/groups/1/n") == b.line_of("/attributes/0/groups/1/n") == c.line_of(
        "/attributes/0/groups/1/n") == 10
    maps = [idx._lines or {} for idx in (a, b, c, d)]
    assert maps[0] == maps[1] and set(maps[2]) == set(maps[3]) == set(maps[0])
    for pointer in maps[0]:
        held = [next(p for p in m if p == pointer) for m in maps]
        assert all(p is held[0] for p in held), pointer


def test_short_string_values_are_held_once_across_documents() -> None:
    value = "".join(["synthetic", "-holdout"])  # built at run time: not an interned literal
    long = "x" * 65  # longer than SHORT_STRING: kept as parsed (equal, not necessarily shared)
    one, _ = load_json(json.dumps({"dataset": value, "attrs": [value, long]}), "a.json")
    two, _ = load_yaml(f"dataset: {value}\nlist: [{value}]\n", "b.yml")
    three, _, _, _ = split_front_matter(f"---\ndataset: '{value}'\n---\n# Card\n", "README.md")
    held = [one["dataset"], one["attrs"][0], two["dataset"], two["list"][0], three["dataset"]]
    assert held == [value] * 5 and all(v is held[0] for v in held)
    assert one["attrs"][1] == long


def test_interned_values_keep_their_types_and_order() -> None:
    text = '{"b": "1", "a": [1, "x", 2.5, null, true, ["y"]], "c": {"d": "e"}}'
    value, _ = load_json(text, "a.json")
    assert json.dumps(value) == json.dumps(json.loads(text))
    assert list(value) == ["b", "a", "c"]
