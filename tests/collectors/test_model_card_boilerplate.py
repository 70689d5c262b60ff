"""Template-sentence keys: the ASCII shortcut of ``_key`` gives exactly the key of the full recipe (fold, lower
case, link targets dropped, words joined), so a card's template text is recognised as before."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.collectors.model_card_boilerplate import _key, strip_template_text, template_sentences
from aima_gate.safeio.textfold import fold


def _reference_key(sentence: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", re.sub(r"\]\([^)\s]{0,500}\)", "]", fold(sentence).lower())))


_PIECES = st.sampled_from(["Use", " the", "  code", "\n", "\t", "\u00a0", "](", ")", "[x]", "(https://a.b/c)",
                           "]( x)", ".", "!", "\u200b", "Ｔｏ", "о", "More information needed", "42", "_", "-"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=14).map("".join) | st.text(max_size=60))
def test_key_is_the_full_recipe(sentence: str) -> None:
    assert _key(sentence) == _reference_key(sentence)


@settings(max_examples=3000, deadline=None)
@given(st.text(st.characters(max_codepoint=127), max_size=60) | st.lists(_PIECES, max_size=14).map("".join))
def test_the_ascii_split_of_key_is_the_word_pattern(sentence: str) -> None:
    """An ASCII key is split out with str.translate: every ASCII character, the words and what separates them."""
    assert _key(sentence) == _reference_key(sentence)


def test_template_sentences_are_stripped_with_links_and_wrapping() -> None:
    sentence = next(iter(sorted(template_sentences())))
    words = sentence.split()
    wrapped = " ".join(words[:2]) + "\n" + " ".join(words[2:]) + "."
    assert strip_template_text(f"Our own words here.  {wrapped}") == "Our own words here."
    linked = f"[{words[0]}](https://example.org/x) " + " ".join(words[1:])
    assert _key(linked) == sentence


_SENTENCES = st.sampled_from([*sorted(template_sentences())[:6], "Our own words about the model.", "TODO.",
                              "Trained on synthetic rows only", "[x](https://a.b) link", "  ", "\n"])
_CARD_TEXT = st.lists(st.tuples(_SENTENCES, st.sampled_from([" ", ".  ", "\n", "\n\n", ". "])), max_size=10).map(
    lambda parts: "".join(s + sep for s, sep in parts))


@settings(max_examples=300, deadline=None)
@given(st.lists(_CARD_TEXT, min_size=1, max_size=5))
def test_a_shared_sentence_memo_strips_exactly_what_no_memo_strips(texts: list[str]) -> None:
    seen: dict[str, bool] = {}  # one card's sections share it, as parse_markdown_card does
    assert [strip_template_text(t, seen) for t in texts] == [strip_template_text(t) for t in texts]


def test_a_cards_nested_sections_key_each_sentence_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from aima_gate.collectors import model_card_boilerplate
    from aima_gate.collectors.model_card_markdown import parse_markdown_card
    from tests.spies import record_first_args

    template = sorted(template_sentences())[0]
    card = ("# Model Card for m\n\n## Uses\n\nScores synthetic records for a benchmark.\n\n"
            f"### Direct Use\n\n{template}.\n\n## Bias, Risks, and Limitations\n\nSynthetic data only, no people.\n")
    keyed = record_first_args(monkeypatch, model_card_boilerplate, "_key")
    data, _ = parse_markdown_card(card, "card.md", 5)
    assert keyed and len(keyed) == len(set(keyed))  # the title section repeats every sentence: keyed once
    assert data["sections"]["intended_use"]["words"] == 5  # the template sentence is still not content


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(["a", "Word", ".", "!", "?", " ", "\n", "\t", "\u00a0", "\u2028", "\x0b", "\x1c",
                                 "\u3000", "x. ", "\n\n", " \n ", "\r\n"]), max_size=16).map("".join)
       | st.text(max_size=30))
def test_card_sentences_split_as_the_look_behind_pattern(text: str) -> None:
    from aima_gate.collectors.model_card_boilerplate import _CARD_SENTENCE_END

    assert _CARD_SENTENCE_END.split(text) == re.split(r"(?<=[.!?])\s+|\n\s*\n", text)


def _strip_reference(text: str, seen: dict[str, bool] | None = None) -> str:
    """strip_template_text before its telltale-word shortcut, kept as the reference."""
    from aima_gate.collectors.model_card_boilerplate import _CARD_SENTENCE_END, _key, template_sentences

    known = template_sentences()
    if not known or len(text) < 16:
        return text
    return "\n".join(s for s in _CARD_SENTENCE_END.split(text) if _key(s) not in known)


_TELLTALE_PIECES = ["Use the code below to get started with the model.", "Bias, Risks, and Limitations",
           "[Bias](https://x.org), risks and [limitations](y)", "How to get started with the model",
           "More information needed for further recommendations.", "Scores synthetic records", "0.80", "STARTED",
           "limitati\u043ens", "bias risks and limitations", "  ", "\n", "\n\n", ". ", "!", "caf\u00e9", "\u200b"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_TELLTALE_PIECES), max_size=12))
def test_telltale_shortcut_strips_what_the_keys_strip(pieces: list[str]) -> None:
    text = " ".join(pieces)
    assert strip_template_text(text) == _strip_reference(text)
    assert strip_template_text(text, {}) == _strip_reference(text)
