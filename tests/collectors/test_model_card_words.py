"""A heading's word count derived from its subsections' (collectors/model_card_words.py) must be the count of its
own text (``word_count(strip_template_text(text))``, what parse_markdown_card counted before, kept here as the
reference) for every heading of generated cards built to reach the edges of the proof (template sentences split
or whole, placeholders split over sections, setext underlines and dashes after a line break, short sections,
trailing spaces, punctuation before a section break, rendered HTML, non-ASCII), and of the real cards in the test
data and the real-world corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from aima_gate.collectors.model_card import DEFAULT_MIN_WORDS
from aima_gate.collectors.model_card_boilerplate import strip_template_text
from aima_gate.collectors.model_card_markdown import parse_markdown_card
from aima_gate.collectors.model_card_words import derived_count, direct_children, split_parts
from aima_gate.core.errors import AimaGateError
from aima_gate.safeio.loaders import split_front_matter
from aima_gate.safeio.markdown import Section, sections, word_count
from tests.collectors.card_reference import reference_sections
from tests.conftest import DATA

REALWORLD = Path(__file__).resolve().parents[1] / "realworld" / "repos"


def _check_every_heading(body: str) -> int:
    """Each heading's derived count (when derived) against its direct count; returns how many were derived."""
    heads = sections(body)
    seen: dict[str, bool] = {}

    def direct(n: int) -> int:
        return word_count(strip_template_text(heads[n].text, seen))

    def count_text(text: str) -> int:
        return word_count(strip_template_text(text, seen))

    derived = 0
    for n in range(len(heads)):
        value = derived_count(heads, n, direct, count_text)
        if value is not None:
            derived += 1
            assert value == direct(n), (n, heads[n].title)
    return derived


WORDS = ["Scores", "synthetic", "records", "for", "benchmark", "7;", "0.80", "1,000", "a", "x", "na", "NA", "N/A",
         "more", "information", "needed", "More information needed", "[More Information Needed]", "lorem", "ipsum",
         "TODO", "tbd", "[optional]", "held-out", "-", "--", "=", "==", "- item", "***", "**Label:**", "#", "x#y",
         "<!--", "-->", "{{", "}}", "{%", "%}", "café", "Ｔodo", "T\u200bODO", "data.", "end!", "why?", "(see",
         "[link](https://example.com/x)", "Use the code below to get started with the model.",
         "Use the code below", "to get started with the model.", "Bias, Risks, and Limitations",
         "Users (both direct and downstream) should be made aware of the risks, biases and limitations of the model.",
         "<b>bold</b>", "<details><summary>s</summary>hidden</details>", "&amp;", "`code`", "_em_"]
SEPARATORS = [" ", " ", " ", "\n", "\n\n", "\n\n\n", "  \n", " \n\n", "\n \n", "\t", "\n   ", ". ", ".\n\n"]


@st.composite
def paragraphs(draw: Any) -> str:
    parts = draw(st.lists(st.sampled_from(WORDS), max_size=8))
    out = ""
    for word in parts:
        out += word + draw(st.sampled_from(SEPARATORS))
    return out


@st.composite
def bodies(draw: Any) -> str:
    out: str = draw(paragraphs())
    for _ in range(draw(st.integers(0, 8))):
        level = draw(st.integers(1, 4))
        title = draw(st.sampled_from(["Model Card for x", "Uses", "Bias, Risks, and Limitations", "Training Data",
                                      "Evaluation", "Results", "Notes", "Direct Use"]))
        setext = level <= 2 and draw(st.booleans())
        heading = f"{title}\n{'=' if level == 1 else '-'}" if setext else "#" * level + " " + title
        out += draw(st.sampled_from(["\n", "\n\n", ""])) + heading + "\n" + draw(st.sampled_from(["", "\n"]))
        out += draw(paragraphs())
    return out


@settings(max_examples=3000, deadline=None)
@given(bodies())
@example("# T\n\nThe model is fine and good.\n\n## A\n\nmore information\n\n## B\n\nneeded here for you\n")
@example("# T\n\n## A\n\nShort one.\n\n## B\n\n---\n")
@example("# T\n\n## A\n\nUse the code below\n\n## B\n\nto get started with the model.\n")
@example("# T\n\nintro text here.  \n\n## A\n\nwords words words\n")
def test_derived_counts_are_the_direct_counts(body: str) -> None:
    _check_every_heading(body)


def _derived_from_parts(own: str, gaps: list[str], parts: list[str]) -> tuple[int | None, int]:
    """(derived count, direct count) of the text ``own + gaps[0] + parts[0] + ...`` as a heading over ``parts``."""
    text = "".join(own + "".join(gap + part for gap, part in zip(gaps, parts, strict=True))).strip("\n")
    heads = [Section(1, "t", 1, text), *(Section(2, "s", 1, part) for part in parts)]
    seen: dict[str, bool] = {}

    def count_text(value: str) -> int:
        return word_count(strip_template_text(value, seen))

    return derived_count(heads, 0, lambda m: count_text(heads[m].text), count_text), count_text(text)


@st.composite
def tilings(draw: Any) -> tuple[str, list[str], list[str]]:
    parts = draw(st.lists(paragraphs(), min_size=1, max_size=4))
    gaps = [draw(st.sampled_from(["\n", "\n\n", "\n\n\n", " \n\n", "\n\n ", "\n \n"])) for _ in parts]
    return draw(paragraphs()), gaps, [part.strip("\n") for part in parts]


@settings(max_examples=3000, deadline=None)
@given(tilings())
@example(("", ["\n\n", "\n\n"], ["keep lorem", "ipsum words"]))  # a placeholder over a section break
@example(("", ["\n\n", "\n\n"], ["The title", "==="]))  # a setext underline after the join
@example(("", ["\n\n", "\n\n"], ["ab. # cd", "four more words here"]))  # a short text is not split into
@example(("", ["\n\n", "\n\n"], ["**ab. cd:**", "four more words here"]))  # lines: a heading, a bold label
@example(("", ["\n\n", "\n\n"], ["keep {{ hidden words", "more hidden }} shown"]))  # a span over a break
@example(("", ["\n\n", "\n\n"], ["keep more information", "needed here"]))
@example(("", ["\n", "\n"], ["Use the code below", "to get started with the model."]))  # one sentence
@example(("", ["\n\n", "\n\n"], ["caf\u00e9 more information", "needed here"]))
def test_a_tiled_text_counts_as_its_parts(tiling: tuple[str, list[str], list[str]]) -> None:
    derived, direct = _derived_from_parts(*tiling)
    assert derived is None or derived == direct


@settings(max_examples=500, deadline=None)
@given(bodies(), st.integers(1, 8))
def test_card_sections_are_the_reference(body: str, min_words: int) -> None:
    data, line_map = parse_markdown_card(body, "card.md", min_words)
    sections_ref, lines_ref = reference_sections(body, "card.md", min_words)
    assert data["sections"] == sections_ref
    assert {k: v for k, v in line_map.items() if k.startswith("/sections/")} == lines_ref


def _real_cards() -> list[Path]:
    return sorted([*(DATA / "hf-model-card").glob("*.md"), *REALWORLD.glob("*/repo/**/*.md")])


def test_real_cards_give_the_reference_counts() -> None:
    cards = _real_cards()
    assert len(cards) >= 53
    derived = 0
    for path in cards:
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            _front, _lines, body, _line = split_front_matter(text, path.name)
        except AimaGateError:
            continue
        derived += _check_every_heading(body)
        try:
            data, line_map = parse_markdown_card(text, path.name, DEFAULT_MIN_WORDS)
        except AimaGateError:
            with pytest.raises(AimaGateError):
                reference_sections(text, path.name, DEFAULT_MIN_WORDS)
            continue
        sections_ref, lines_ref = reference_sections(text, path.name, DEFAULT_MIN_WORDS)
        assert data["sections"] == sections_ref, path
        assert {k: v for k, v in line_map.items() if k.startswith("/sections/")} == lines_ref, path
    assert derived > 0  # the corpus reaches the derivation, not only its fallback


def test_the_benchmark_card_title_is_derived() -> None:
    body = ("# Model Card for m\n\n## Intended uses & limitations\n\nScores synthetic records for benchmark 7.\n\n"
            "## Evaluation\n\nROC AUC 0.80 on a held-out synthetic split.\n")
    heads = sections(body)
    assert direct_children(heads, 0) == [1, 2]
    assert derived_count(heads, 0, lambda n: 100 * n, lambda text: 1000) == 300
    assert _check_every_heading(body) == 1


def test_split_parts_needs_blank_lines_and_clean_ends() -> None:
    assert split_parts("own\n\na\n\nb", ["a", "b"]) == "own"
    assert split_parts("a\n\nb", ["a", "", "b"]) == ""
    assert split_parts("own\na", ["a"]) is None  # one line break: a sentence may run over it
    assert split_parts("own \n\na", ["a"]) is None  # trailing space before the break
    assert split_parts("own\n\n a", [" a"]) is None
    assert split_parts("x\n\nb", ["a"]) is None


def test_direct_children_skip_nested_headings() -> None:
    heads = [Section(level, "t", 1, "") for level in (1, 3, 2, 3, 2, 1)]
    assert direct_children(heads, 0) == [1, 2, 4]
    assert direct_children(heads, 2) == [3]
    assert direct_children(heads, 5) == []
