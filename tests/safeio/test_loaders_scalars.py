"""YAML scalars are constructed as PyYAML's ``construct_object(node, deep=True)`` constructs them (same value,
same error) without its memo of constructed nodes, which kept every non-string scalar node of every file read
for the life of the process."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.core.errors import InputError
from aima_gate.safeio import loaders

loaders._yaml()  # PyYAML's parts are set on first use; these tests read them directly

_TAGS = ["", "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!!timestamp ", "!!binary ", "!!map ", "!!seq ",
         "!!set ", "!!omap ", "!!pairs ", "!!python/object ", "!custom ", "!!value ", "!!merge "]
_TEXTS = ["1", "0x1F", "0o17", "1_000", "1.5e3", ".inf", "-.Inf", ".nan", "yes", "No", "off", "~", "null", "",
          "2020-01-02", "2020-13-45", "2001-12-14t21:59:43.10-05:00", "aGVsbG8=", "x", "12:30:45", "+12", "0b101"]


def _reference(node: yaml.ScalarNode) -> Any:
    try:
        return ("ok", repr(yaml.constructor.SafeConstructor().construct_object(node, deep=True)))
    except Exception as exc:  # same exception (type and message) either way, whatever the caller does with it
        return ("raised", type(exc).__name__, str(exc))


def _ours(node: yaml.ScalarNode) -> Any:
    try:
        value = loaders._CONSTRUCTORS.get(node.tag, loaders._CONSTRUCTORS[None])(loaders._constructor, node)
        if hasattr(value, "__next__"):
            generator, value = value, next(value)
            for _ in generator:
                pass
        return ("ok", repr(value))
    except Exception as exc:  # same exception (type and message) either way, whatever the caller does with it
        return ("raised", type(exc).__name__, str(exc))


@settings(max_examples=300)
@given(st.sampled_from(_TAGS), st.sampled_from(_TEXTS) | st.text(max_size=6))
def test_scalars_construct_as_pyyaml_constructs_them(tag: str, text: str) -> None:
    try:
        node = yaml.compose(f"{tag}{yaml.safe_dump(text, default_style=None).split(chr(10))[0]}"
                            if text not in _TEXTS else f"{tag}{text}", Loader=loaders._Loader)
    except yaml.YAMLError:
        return
    if not isinstance(node, yaml.ScalarNode):
        return
    assert _ours(node) == _reference(node)


@pytest.mark.parametrize("text", ["a: !!int x\n", "a: !!map x\n", "a: !!omap x\n", "a: !!python/object x\n",
                                  "a: 2020-13-45\n", "a: !!binary aGVsbG8=\n"])
def test_refused_scalars_are_input_errors(text: str) -> None:
    with pytest.raises(InputError):
        loaders.load_yaml(text, "x.yml")


def test_constructed_nodes_are_not_retained() -> None:
    value, _ = loaders.load_yaml("a: 1\nb: [2.5, true, null, 2020-01-02]\nc: !!int '7'\n", "x.yml")
    assert value == {"a": 1, "b": [2.5, True, None, "2020-01-02"], "c": 7}
    assert not loaders._constructor.constructed_objects
    assert not loaders._constructor.recursive_objects


def test_pyyaml_is_imported_only_when_a_yaml_document_is_parsed() -> None:
    """A warm run reads every document back from the cache and its config and policies from the schema marks:
    importing the gate's run path must not import PyYAML (25 ms); the first YAML parse does."""
    import subprocess
    import sys

    code = ("import sys; import aima_gate.pipeline.runner, aima_gate.cli.main; print('yaml' in sys.modules); "
            "from aima_gate.safeio.loaders import load_yaml; print(load_yaml('a: 1', 'x.yml')[0], "
            "'yaml' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert proc.stdout.split("\n")[:2] == ["False", "{'a': 1} True"]
