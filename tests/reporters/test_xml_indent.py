"""reporters/_xml_indent.py writes what ``ET.indent`` + ``ET.tostring(encoding="unicode")`` write, over arbitrary
trees: any text (markup characters, quotes, line breaks, tabs, whitespace-only and empty text, text beside
children), any attribute values, any depth."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.reporters._xml_indent import Node, indented

_TEXT = st.one_of(st.none(), st.just(""), st.just("  \n "), st.text(alphabet=st.characters(codec="utf-8")),
                  st.sampled_from(['a & b < c > d "e"', "\r\n\t", "x\u2028y"]))
_ATTRS = st.dictionaries(st.sampled_from(["name", "type", "message", "value", "time"]),
                         st.text(alphabet=st.characters(codec="utf-8")), max_size=3).map(lambda d: tuple(d.items()))


def _nodes(children: st.SearchStrategy[list[Node]]) -> st.SearchStrategy[Node]:
    return st.builds(Node, st.sampled_from(["testcase", "failure", "system-out", "properties"]), _ATTRS, _TEXT,
                     children)


_TREES = st.recursive(_nodes(st.just([])), lambda inner: _nodes(st.lists(inner, max_size=4)), max_leaves=25)


def _element(node: Node) -> ET.Element:
    element = ET.Element(node.tag, dict(node.attrs))
    element.text = node.text
    element.extend(_element(child) for child in node.children)
    return element


@settings(max_examples=400, deadline=None)
@given(_TREES)
def test_the_same_text_as_element_tree(node: Node) -> None:
    root = _element(node)
    ET.indent(root)
    assert indented(node) == ET.tostring(root, encoding="unicode")
