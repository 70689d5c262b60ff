"""markdown_render.plain checks the whole body before its lines: the same answer as the line-by-line reading.

The reference below is ``plain`` as it was before the whole-body checks (each line tested by ``_plain_line``);
Hypothesis draws bodies from lines and characters the checks care about (every character of ``_NOT_PLAIN``,
entities, trailing and leading spaces, non-printable and Unicode spaces, headings with and without titles).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.safeio import markdown_render
from aima_gate.safeio.markdown_render import _PLAIN_HEADING, Heading, _plain_line, plain


def line_by_line(body: str) -> list[Any] | None:
    events: list[Any] = []
    for i, line in enumerate(body.split("\n")):
        if not line.strip(" "):
            events.append("\n")
            continue
        heading = _PLAIN_HEADING.fullmatch(line) if line[0] == "#" else None
        if heading is not None and _plain_line(heading.group(2)):
            events.append(Heading(len(heading.group(1)), " ".join(heading.group(2).split()), i))
            events.append("\n\n")
        elif line[0].isalpha() and _plain_line(line):
            events.append(line + "\n")
        else:
            return None
    return events


ATOMS = [*sorted(markdown_render._NOT_PLAIN), "#", "# ", "## ", "###### ", "####### ", "a", "Word", "x y", " ",
         "  ", "\n", "\n\n", "&", "& ", "&amp;", "&#35;", "&x", "&.", "\u00a0", "\u2003", "\u200b", "\x00", "\x7f",
         "\u0301", "é", "Ж", "1", "2.", "-", "=", ".", "(", ")", ",", ":", ";", "?", "/", "%", "'", '"', "{{", "}}",
         "\u2028", "\u0085", "\x0b", "\x0c", "\x1c", "Ⅻ", "²"]
bodies = st.lists(st.sampled_from(ATOMS), max_size=24).map("".join)
LINES = ["# Card", "## Uses", "Scores churn risk.", "", "  ", "text  ", "## Title #1", "# x ##", "a & b",
         "a &amp; b", "   indented", "Ünïcode", "1. item", "- item", "Title", "===", "ok\u00a0", "## ", "#"]
line_bodies = st.lists(st.sampled_from(LINES), max_size=20).map("\n".join)


@settings(max_examples=4000, deadline=None)
@given(bodies)
def test_plain_equals_the_line_by_line_reading(body: str) -> None:
    assert plain(body) == line_by_line(body)


@settings(max_examples=2000, deadline=None)
@given(line_bodies)
def test_plain_equals_the_line_by_line_reading_on_card_lines(body: str) -> None:
    assert plain(body) == line_by_line(body)


def test_what_each_whole_body_check_refuses() -> None:
    for body in ("# Card\nok  \nmore", "# Card ##", "x &amp; y", "a\u00a0", "a\u200bb", "a\tb", "## Title #1",
                 "Text # hash", "# Card\n\n  indented"):
        assert plain(body) is None and line_by_line(body) is None, body
    assert plain("# Card\n  \n\nText & more.\n") == line_by_line("# Card\n  \n\nText & more.\n") is not None
