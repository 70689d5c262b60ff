"""What a reader of a Markdown file actually sees: headings and visible text, read the way a browser would.

A model card is judged by what its renderer shows, never by its source text. The body is parsed by
markdown-it-py (a CommonMark-compliant parser, the ``commonmark`` preset with raw HTML passed through, as GitHub
and the Hugging Face Hub pass it), rendered to HTML, and the HTML is read back with the standard library's
``html.parser``, keeping only what is displayed:

- Markdown headings (``#`` and setext, at any nesting) are the sections; each carries its source line through a
  per-run nonce attribute that repository text cannot forge. Raw HTML headings (``<h2>``) are not sections (their
  text still counts as text of the section they sit in).
- Not shown, so not counted: HTML comments (also an unclosed ``<!--`` block, which runs to the end of the
  file), link reference definitions (``[//]: # (...)``), elements with a ``hidden`` attribute or an inline style
  ``display: none`` / ``visibility: hidden|collapse`` / ``content-visibility: hidden``, a ``<dialog>`` that is
  not ``open``, the contents of ``script``, ``style``, ``template``, ``head``, ``title``, ``noscript``,
  ``iframe``, ``noembed`` and ``noframes``, image alt text, attribute values, and anything the HTML parser has not
  finished reading at the end of the file (an unclosed tag swallows what follows it, as in a browser).
- Shown, so counted: paragraphs, lists, block quotes, tables written as text, code blocks and code spans
  (a heading *inside* a code block is code, not a section), and the contents of ``<details>`` (collapsed, but
  one click away and rendered by every card host).
When unsure the reading errs on "not shown": e.g. a browser would foster-parent text out of a ``<table hidden>``,
here it stays hidden. An element left open hides what follows until it is closed, and an end tag a browser
ignores (HTML5 scope: ``<div hidden><table><td></div>``) does not close it. Comments end as HTML5 ends them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

_HIDING_ELEMENTS = frozenset({"script", "style", "template", "head", "title", "noscript", "iframe", "noembed",
                              "noframes"})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                   "track", "wbr", "keygen"})
_BLOCK = frozenset({"p", "div", "li", "ul", "ol", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
                    "table", "section", "article", "details", "summary", "dl", "dt", "dd", "br", "hr", "td", "th",
                    "header", "footer", "figure", "figcaption", "main", "aside", "nav", "center"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)|content-visibility\s*:\s*hidden",
                           re.I)
_COMMENT_END = re.compile(r"--!?>")
# HTML5 "has an element in scope" boundaries (tree construction, 13.2.4.2).
_SCOPE = frozenset({"applet", "caption", "html", "table", "td", "th", "marquee", "object", "template", "mi", "mo",
                    "mn", "ms", "mtext", "annotation-xml", "foreignobject", "desc", "title"})
_LIST_SCOPE = frozenset({"ol", "ul"})
_BUTTON_SCOPE = frozenset({"button"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BOLD = frozenset({"strong", "b"})


@dataclass(frozen=True)
class Heading:
    level: int
    title: str
    line: int
    """0-based line of the heading in the Markdown body."""


Event = Heading | str
"""A visible heading, or a piece of visible text (in document order)."""


@functools.cache
def _parser() -> Any:
    from markdown_it import MarkdownIt  # lazy: only cards and documents need it

    return MarkdownIt("commonmark", {"html": True})


def _hides(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    if tag in _HIDING_ELEMENTS or tag == "dialog":
        return tag != "dialog" or not any(name.lower() == "open" for name, _ in attrs)
    if not attrs:
        return False
    names = {name.lower() for name, _ in attrs}
    if "hidden" in names:
        return True
    return any(name.lower() == "style" and value and _HIDDEN_STYLE.search(value) for name, value in attrs)


class _Visible(HTMLParser):
    """Reads rendered HTML into visible headings and text; ``marker`` tags the Markdown headings."""

    def __init__(self, marker: str, lines: dict[str, int]) -> None:
        super().__init__(convert_charrefs=True)
        self.marker = marker
        self.lines = lines
        self.stack: list[tuple[str, bool]] = []  # (tag, hides)
        self.open: dict[str, list[int]] = {}  # tag -> its positions on the stack
        self.hidden = 0
        self.events: list[Event] = []
        self.heading: tuple[int, int, list[str], int] | None = None  # (level, line, title parts, stack depth)

    def parse_comment(self, i: int, report: int = 1) -> int:
        """A comment as HTML5 (and so a browser) ends it: at ``-->`` or ``--!>``, or at once for ``<!-->`` and
        ``<!--->``. (The standard library also ends one at ``--`` + whitespace + ``>``, which would show text a
        browser hides.) -1 while it is still open: what follows an unclosed comment is never shown."""
        raw = self.rawdata
        if raw.startswith(">", i + 4):
            return i + 5
        if raw.startswith("->", i + 4):
            return i + 6
        match = _COMMENT_END.search(raw, i + 4)
        return -1 if match is None else match.end()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs)
        self._push(tag, attrs)
        if tag in _HEADINGS and self.heading is None and not self.hidden:
            key = next((v for k, v in attrs if k == self.marker), None)
            if key is not None and key in self.lines:
                self.heading = (int(tag[1]), self.lines[key], [], len(self.stack))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs)  # <div hidden/> still opens a div: HTML ignores the slash on non-void elements
        self._push(tag, attrs)

    def _push(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _VOID:
            hides = _hides(tag, attrs)
            self.open.setdefault(tag, []).append(len(self.stack))
            self.stack.append((tag, hides))
            self.hidden += hides

    def _out_of_scope(self, tag: str, index: int) -> bool:
        """An end tag a browser ignores: a table cell, caption, object, template... (or, for ``</li>``, a list;
        for ``</p>``, a button) opened after the element stands in between (``<div hidden><table><td></div>``
        leaves the div open, so what follows stays hidden)."""
        if tag in _SCOPE:
            return False  # closing a scope element itself closes what is open inside it
        barriers = _SCOPE | (_LIST_SCOPE if tag == "li" else _BUTTON_SCOPE if tag == "p" else frozenset())
        return any(self.open.get(b) and self.open[b][-1] > index for b in barriers)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self._text("\n")
        if tag in _BOLD and self.heading is None:  # "**Label:**" stays recognisable as a bare field label
            self._text("**")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BOLD and self.heading is None:
            self._text("**")
        where = self.open.get(tag)
        index = where[-1] if where else -1
        if index >= 0 and not self._out_of_scope(tag, index):
            while len(self.stack) > index:
                top, hides = self.stack.pop()
                self.open[top].pop()
                self.hidden -= hides
        if self.heading is not None and len(self.stack) < self.heading[3]:
            level, line, parts, _ = self.heading
            self.heading = None
            self.events.append(Heading(level, " ".join("".join(parts).split()), line))
        if tag in _BLOCK:
            self._text("\n")

    def handle_data(self, data: str) -> None:
        self._text(data)

    def _text(self, data: str) -> None:
        if self.hidden:
            return
        if self.heading is not None:
            self.heading[2].append(data)
        else:
            self.events.append(data)


# Plain Markdown: lines that are blank, an ATX heading, or prose starting with a letter, with none of the
# characters that start any other CommonMark construct (HTML, entities, escapes, code, emphasis, links, images,
# tables, tabs) and no trailing spaces (hard breaks). Such a body has only headings and paragraphs, and its
# visible text is its own lines: ``plain`` reads it without the renderer (about 50x faster; most generated and
# benchmark cards are plain). tests/safeio/test_markdown_render.py checks that both readings agree.
_NOT_PLAIN = frozenset("<>\\`*_[]!~#|\t\r")
_ENTITY = re.compile(r"&[#A-Za-z0-9]")  # "&" alone ("uses & limitations") is text; "&amp;" / "&#35;" are not plain
_PLAIN_HEADING = re.compile(r"(#{1,6}) +(\S.*)")
_NOT_PLAIN_CHAR = re.compile(r"[<>\\`*_\[\]!~|\t\r]")
"""A character of :data:`_NOT_PLAIN` but ``#`` (which a heading starts with)."""
_TRAILING_SPACE = re.compile(r"[^ \n] +$", re.M)


def _plain_line(line: str) -> bool:
    return (line.isprintable() and not _NOT_PLAIN.intersection(line) and line == line.rstrip()
            and ("&" not in line or _ENTITY.search(line) is None))


def plain(body: str) -> list[Event] | None:
    """``visible(body)`` for a plain body, computed from its lines; None when the body is not plain.

    Whole-body checks first (a character of :data:`_NOT_PLAIN` but ``#``, which a heading starts with; a character
    that is not printable; an entity; trailing spaces after text): every line but a blank one must pass
    :func:`_plain_line`, and a blank line (spaces only) passes all of them, so what they refuse anywhere makes
    the body not plain. What is left per line: a heading's title and a prose line hold no ``#``, and the only
    whitespace the checks leave is the ASCII space (every other one is not printable), so ``rstrip`` is the
    trailing-space search above. tests/safeio/test_markdown_plain.py holds it to the line-by-line reading."""
    if (_NOT_PLAIN_CHAR.search(body) is not None or not body.replace("\n", "").isprintable()
            or ("&" in body and _ENTITY.search(body) is not None)
            or ((" \n" in body or body.endswith(" ")) and _TRAILING_SPACE.search(body) is not None)):
        return None
    events: list[Event] = []
    for i, line in enumerate(body.split("\n")):
        if not line.strip(" "):  # blank as CommonMark means it (a no-break space is text)
            events.append("\n")
        elif line[0] == "#":
            heading = _PLAIN_HEADING.fullmatch(line)
            if heading is None or "#" in heading.group(2):
                return None
            events.append(Heading(len(heading.group(1)), " ".join(heading.group(2).split()), i))
            events.append("\n\n")
        elif line[0].isalpha() and "#" not in line:
            events.append(line + "\n")
        else:
            return None
    return events


def visible(body: str) -> list[Event]:
    """Visible headings and text of a Markdown body, in order (headings in a hidden element are left out)."""
    fast = plain(body)
    return fast if fast is not None else rendered(body)


def rendered(body: str) -> list[Event]:
    """``visible`` through the renderer: markdown-it-py's HTML, read back as a browser shows it."""
    import secrets  # here: only this slow path needs it (random and its seeding, about 1 ms to import)

    md = _parser()
    tokens = md.parse(body)
    marker = "data-aima-" + secrets.token_hex(8)
    lines: dict[str, int] = {}
    for n, token in enumerate(tokens):
        if token.type == "heading_open" and token.map:
            key = str(n)
            token.attrSet(marker, key)
            lines[key] = token.map[0]
    reader = _Visible(marker, lines)
    reader.feed(md.renderer.render(tokens, md.options, {}))
    # No close(): what the parser still holds (an unclosed tag or comment) is not shown.
    return reader.events
