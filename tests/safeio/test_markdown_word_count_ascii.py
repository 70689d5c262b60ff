"""word_count's ASCII path (whitespace joined by str.split, the ASCII word pattern) counts exactly what the full
path counts (fold, the Unicode word pattern), for every kind of ASCII whitespace (\\x0b, \\x0c, \\x1c-\\x1f are
whitespace to both) and number shapes, next to placeholders and labels."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.safeio.markdown import _NOT_CONTENT, _PLACEHOLDERS, _WORD, _strip_delimited, word_count
from aima_gate.safeio.textfold import fold

ATOMS = [
    " ", "  ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\xa0", "more",
    "information", "needed", "[", "]", "more information needed", "TODO", "N/A", "na", "lorem", "ipsum", "1.5",
    "3,000", "1..2", ".5", "7", "a", "ab", "_x_", "x1y", "**Label:**", "# H", "\n---", "<!--", "-->", "{{x}}", "é",
]


def full_path(text: str) -> int:
    text = _strip_delimited(text)
    return len(_WORD.findall(_PLACEHOLDERS.sub(" ", fold(_NOT_CONTENT.sub(" ", text)))))


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(ATOMS), max_size=16).map("".join))
def test_ascii_and_full_paths_count_the_same(text: str) -> None:
    assert word_count(text) == full_path(text)


@settings(max_examples=1000, deadline=None)
@given(st.text(st.characters(max_codepoint=127), max_size=40))
def test_any_ascii_text(text: str) -> None:
    assert word_count(text) == full_path(text)


ASCII_ATOMS = ["a", "ab", "Zq", "1", "12", "3,000", "1.5", "1..2", ".5", "5.", ",", ".", "1.2.3", "1,.2", "x1y",
               "_", " ", "\n", "-", "'", "a1", "1a", "aa1bb", "0", "9.9,9"]
ascii_texts = st.one_of(st.text(st.characters(max_codepoint=127), max_size=40),
                        st.lists(st.sampled_from(ASCII_ATOMS), max_size=20).map("".join))


@settings(max_examples=4000, deadline=None)
@given(ascii_texts)
def test_ascii_words_counts_what_the_ascii_word_pattern_finds(text: str) -> None:
    from aima_gate.safeio.markdown import _ASCII_WORD, _ascii_words

    assert _ascii_words(text) == len(_ASCII_WORD.findall(text))
