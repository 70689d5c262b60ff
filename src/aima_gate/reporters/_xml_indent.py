"""XML text exactly as ``ET.indent(root)`` then ``ET.tostring(root, encoding="unicode")`` write it, made piece by
piece from light nodes instead of an ElementTree.

The JUnit report has a test case per finding (180,000 at 5,000 models): building them as ``Element`` objects,
indenting them (a Python walk) and serializing them (another) took about 3 s and held the whole tree and its
text at once. A :class:`Node` here is a plain tuple; :func:`indented` gives the same text for one node at a time.

The rules copied (CPython 3.11 ``xml.etree.ElementTree``; the tests hold this module to it over arbitrary trees):
- ``indent``: an element with children has its text replaced by the children's indentation unless that text has
  non-whitespace (``str.strip``); each child's tail likewise, the last child's by its parent's indentation.
  Elements without children keep their text; the root keeps its (absent) tail.
- ``tostring``: ``<tag`` and each attribute ``name="value"`` in insertion order, the value escaped as
  ``_escape_attrib`` does (``& < > "``, and ``\\r \\n \\t`` as character references); then `` />`` for an element
  with neither text nor children, else ``>``, the text escaped as ``_escape_cdata`` (``& < >``), the children,
  ``</tag>``; then the tail, escaped likewise.
Tags and attribute names are the reporter's own constants (no namespaces, no ``{uri}`` names).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class Node(NamedTuple):
    tag: str
    attrs: Sequence[tuple[str, str]] = ()
    text: str | None = None
    children: Sequence[Node] = ()


def escape_text(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def escape_attribute(text: str) -> str:
    text = escape_text(text)  # ``& < >`` first, as _escape_attrib does; then what only attributes escape
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    if "\n" in text:
        text = text.replace("\n", "&#10;")
    if "\t" in text:
        text = text.replace("\t", "&#09;")
    return text


def start_tag(node: Node) -> str:
    """``<tag name="value" ...`` (not closed)."""
    return "<" + node.tag + "".join(f' {name}="{escape_attribute(value)}"' for name, value in node.attrs)


def indented(node: Node, level: int = 0, space: str = "  ") -> str:
    """The text of ``node`` and everything below it, indented as ``ET.indent(space=space)`` indents an element at
    ``level`` (its own tail is not part of it: the caller writes what follows)."""
    out: list[str] = []
    _write(node, level, space, out)
    return "".join(out)


def _write(node: Node, level: int, space: str, out: list[str]) -> None:
    children = node.children
    tag, text = node.tag, node.text
    head = "<" + tag + "".join([f' {name}="{escape_attribute(value)}"' for name, value in node.attrs])
    if not children:
        out.append(head + (">" + escape_text(text) + "</" + tag + ">" if text else " />"))
        return
    inner = "\n" + space * (level + 1)
    out.append(head + ">" + (escape_text(text) if text and text.strip() else inner))
    last = len(children) - 1
    for n, child in enumerate(children):
        _write(child, level + 1, space, out)
        if n < last:
            out.append(inner)
    out.append("\n" + space * level + "</" + tag + ">")


__all__ = ["Node", "escape_attribute", "escape_text", "indented", "start_tag"]
