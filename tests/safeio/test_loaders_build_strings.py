"""loaders._build builds a plain string scalar inside a mapping or a list in place (no call per scalar): the same
values, the same interned texts and the same line map as building every node through ``_build`` and ``_scalar``.

The reference below is ``_build`` as it was before; Hypothesis draws YAML texts from lines that mix plain, quoted,
tagged, folded and non-string scalars, flow and block collections, merges, aliases and duplicate keys.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.core.errors import InputError
from aima_gate.safeio import loaders
from aima_gate.safeio.json_lines import escape_pointer_token
from aima_gate.safeio.loaders import MAX_DEPTH, load_yaml


def reference_build(node: Any, pointer: str, lines: dict[str, int], file: str, depth: int = 0) -> Any:
    import yaml

    if depth > MAX_DEPTH:
        raise InputError(f"YAML nested deeper than {MAX_DEPTH} levels", file=file, line=node.start_mark.line + 1)
    lines.setdefault(pointer, node.start_mark.line + 1)
    if isinstance(node, yaml.ScalarNode):
        return loaders._scalar(node, file)
    if pointer.count("/") >= MAX_DEPTH:
        raise InputError(f"YAML nested deeper than {MAX_DEPTH} levels", file=file, line=node.start_mark.line + 1)
    if isinstance(node, yaml.SequenceNode):
        return [reference_build(c, sys.intern(f"{pointer}/{i}"), lines, file, depth + 1)
                for i, c in enumerate(node.value)]
    if node.tag != loaders._MAP_TAG:
        raise InputError(f"unsupported YAML tag {node.tag}", file=file, line=node.start_mark.line + 1)
    out: dict[str, Any] = {}
    merged: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag == loaders._MERGE_TAG:
            for src in value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]:
                value = reference_build(src, pointer, {}, file, depth + 1)
                if not isinstance(value, dict):
                    raise InputError("YAML merge key '<<' needs a mapping", file=file,
                                     line=key_node.start_mark.line + 1)
                for k, v in value.items():
                    merged.setdefault(k, v)
            continue
        if not isinstance(key_node, yaml.ScalarNode):
            raise InputError("mapping keys must be plain scalars", file=file, line=key_node.start_mark.line + 1)
        key = loaders._scalar(key_node, file)
        key = key if isinstance(key, str) else str(key).lower() if isinstance(key, bool) else str(key)
        if key in out:
            raise InputError(f"duplicate key '{key}'", file=file, line=key_node.start_mark.line + 1)
        child = sys.intern(f"{pointer}/{escape_pointer_token(key)}")
        lines[child] = key_node.start_mark.line + 1
        out[sys.intern(key)] = reference_build(value_node, child, lines, file, depth + 1)
    for k, v in merged.items():
        out.setdefault(k, v)
    return out


def reference(text: str) -> tuple[Any, dict[str, int]] | str:
    import yaml

    loaders._yaml()
    node = yaml.compose(text, Loader=loaders._Loader)
    lines: dict[str, int] = {}
    try:
        return reference_build(node, "", lines, "f.yml"), lines
    except InputError as exc:
        return f"{exc.diagnosis} @ {exc.line}"


def mine(text: str) -> tuple[Any, dict[str, int]] | str:
    try:
        value, index = load_yaml(text, "f.yml")
    except InputError as exc:
        return f"{exc.diagnosis} @ {exc.line}"
    return value, dict(index._lines or {})


SCALARS = ["x", "model-1", '"quoted"', "'single'", "1", "1.5", "true", "null", "~", "2026-01-02", "!!str 3",
           "!!int '4'", "a/b~c", '"' + "y" * 70 + '"', "z" * 70, "|\n    folded\n    text", "''", "&a anchored", "*a"]
KEYS = ["name", "version", "a/b", "t~x", "1", "true", "'q'", "name"]


def _block(depth: int) -> st.SearchStrategy[str]:
    leaf = st.sampled_from(SCALARS)
    if depth == 0:
        return leaf
    inner = _block(depth - 1)
    pad = "  " * depth
    mapping = st.lists(st.tuples(st.sampled_from(KEYS), inner), min_size=1, max_size=4).map(
        lambda kv: "\n" + "".join(f"{pad}{k}: {v}\n" for k, v in kv).rstrip("\n"))
    sequence = st.lists(inner, min_size=1, max_size=4).map(
        lambda vs: "\n" + "".join(f"{pad}- {v}\n" for v in vs).rstrip("\n"))
    flow = st.lists(leaf, max_size=4).map(lambda vs: "[" + ", ".join(vs) + "]")
    return st.one_of(leaf, mapping, sequence, flow)


documents = st.lists(st.tuples(st.sampled_from([*KEYS, "<<", "items"]), _block(2)), min_size=1, max_size=5).map(
    lambda kv: "".join(f"{k}: {v}\n" for k, v in kv))


@settings(max_examples=1500, deadline=None)
@given(documents)
def test_build_equals_the_node_by_node_build(text: str) -> None:
    import yaml

    try:
        expected = reference(text)
    except yaml.YAMLError:
        return  # not YAML at all: load_yaml refuses it before building
    got = mine(text)
    assert got == expected, text


def test_strings_built_in_place_are_interned_when_short() -> None:
    value, _ = load_yaml("a: " + "model-" + "x\nb: [" + "model-" + "y, " + "z" * 70 + "]\n", "f.yml")
    assert value["a"] is sys.intern("model-x") and value["b"][0] is sys.intern("model-y")
    assert len(value["b"][1]) == 70


@pytest.mark.parametrize("text", ["a: x\nb: [y, 'z', 1]\nc:\n  - d\n  - {e: f}\n", "- a\n- b: c\n", "k: v\nk: w\n"])
def test_examples(text: str) -> None:
    assert mine(text) == reference(text)
