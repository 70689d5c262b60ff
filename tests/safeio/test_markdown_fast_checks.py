"""markdown.word_count skips a regex pass when a cheap check proves it cannot match: same counts as all passes.

The checks must be necessary conditions: whenever a check says "cannot match", the substitution it skips must
leave the text unchanged. Hypothesis draws text from the characters and words the patterns care about
(placeholders in any case, the letters re.I folds from non-ASCII, headings, underlines, bold labels).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.safeio import markdown
from aima_gate.safeio.markdown import _NOT_CONTENT, _PLACEHOLDERS, _WORD, _strip_delimited, sections, word_count
from aima_gate.safeio.textfold import fold

ATOMS = [
    "more information needed", "More Information Needed", "[ more information needed ]", "[optional]", "[Optional]",
    "TODO", "todo", "ToDo", "TBD", "FIXME", "N/A", "n/a", "NA", "na", "Na", "lorem ipsum", "LOREM IPSUM", "final",
    "\n", "\n\n", "=", "-", "\n==", "\n---", "\n   -", "\n    -", " ", "#", "## Head", "**Label:**", "**x**:", "**",
    "\u0131", "\u0130", "\u017f", "\u212a", "word", "é", "<!--", "-->", "{{", "}}", "{%", "%}", "\t", "a", "x1", "_",
    "/", "[", "]", "\r\n", "todos", "mtodo", "```", "~~~", "   # h", "    # code", "Title\n===",
]
texts = st.lists(st.sampled_from(ATOMS), max_size=16).map("".join)


def all_passes(text: str) -> int:
    return len(_WORD.findall(_PLACEHOLDERS.sub(" ", fold(_NOT_CONTENT.sub(" ", _strip_delimited(text))))))


@settings(max_examples=3000, deadline=None)
@given(texts)
def test_word_count_equals_every_pass(text: str) -> None:
    assert word_count(text) == all_passes(text)


@settings(max_examples=3000, deadline=None)
@given(texts)
def test_skipped_passes_could_not_have_matched(text: str) -> None:
    if not markdown._may_hold_placeholder(text):
        assert _PLACEHOLDERS.sub(" ", text) == text
    if not markdown._may_hold_non_content(text):
        assert _NOT_CONTENT.sub(" ", text) == text


def test_non_ascii_letters_folded_by_re_i_still_count_as_placeholders() -> None:
    # U+0131 dotless i and U+017F long s match "i" and "s" under re.I: the ASCII shortcut must not skip them.
    for text in ("more \u0131nformation needed", "lorem ip\u017fum"):
        assert word_count(text) == all_passes(text) == 0


def test_sections_skip_no_heading_or_fence() -> None:
    body = "# A\ntext\n   ## B\n    # not a heading\n```\n# in code\n```\nC\n---\n~~~\n## x\n~~~\nD\n==="
    assert [(s.level, s.title, s.line) for s in sections(body)] == [(1, "A", 1), (2, "B", 3), (2, "C", 8),
                                                                     (1, "D", 13)]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(["na", "n", "a", "nana", " ", "_", "1", "x", "-", "/", "\n", "b", "an"]),
                max_size=12).map("".join) | st.text(st.characters(max_codepoint=127), max_size=30).map(str.lower))
def test_has_na_word_is_the_na_word_pattern(low: str) -> None:
    assert markdown._has_na_word(low) == (markdown._NA_WORD.search(low) is not None)
