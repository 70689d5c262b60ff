"""Template-sentence keys: the ASCII shortcut of ``_key`` gives exactly the key of the full recipe (fold, lower
case, link targets dropped, words joined), so a card's template text is recognised as before."""

from __future__ import annotations

import re

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


def test_template_sentences_are_stripped_with_links_and_wrapping() -> None:
    sentence = next(iter(sorted(template_sentences())))
    words = sentence.split()
    wrapped = " ".join(words[:2]) + "\n" + " ".join(words[2:]) + "."
    assert strip_template_text(f"Our own words here.  {wrapped}") == "Our own words here."
    linked = f"[{words[0]}](https://example.org/x) " + " ".join(words[1:])
    assert _key(linked) == sentence
