"""Sentences of the official model-card templates, so an untouched template's text does not count as content.

An unfilled Hugging Face card keeps the template's default sentences ("Users (both direct and downstream) should
be made aware of the risks, biases and limitations of the model. More information needed for further
recommendations.", "Use the code below to get started with the model."). They are words, so a word count alone
calls the bias section filled. The templates ship in ``model_card_templates/`` (with their provenance); their
sentences (plain lines and the ``default("...")`` texts of the Jinja variables) are compared with a card's
sentences as word sequences, so punctuation, Markdown links and line wrapping do not matter.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from aima_gate.safeio.textfold import fold

TEMPLATES = Path(__file__).resolve().parent / "model_card_templates"
_DEFAULT = re.compile(r'default\("([^"\n]{1,2000})"')
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n")
_CARD_SENTENCE_END = re.compile(r"\s(?<=[.!?]\s)\s*|\n\s*\n")
r"""In a card's visible text a single line break is a soft wrap inside a paragraph: sentences end at punctuation
or a blank line, so a template sentence wrapped over two lines is still recognised. What ``(?<=[.!?])\s+`` matches
(a whitespace run after the punctuation) is written with the run's first character ahead of the look-behind, so
both branches start with whitespace and the regex engine skips to the next whitespace instead of trying every
position (the same matches: tests/collectors/test_model_card_boilerplate.py)."""
_WORDS = re.compile(r"[a-z0-9]+")
MIN_SENTENCE_WORDS = 4
"""Shorter template fragments ("Click to expand") are not distinctive enough to remove from a real card."""


_LINK_TARGET = re.compile(r"\]\([^)\s]{0,500}\)")


def _key(sentence: str) -> str:
    # Link targets are dropped so "[calculator](https://...)" and "calculator" compare equal; folded first
    # (safeio/textfold.py), so a template sentence with a zero-width space or a Cyrillic "о" is still the template's.
    # ASCII text is not folded: folding would only merge whitespace, which neither a link target nor a word holds.
    text = (sentence if sentence.isascii() else fold(sentence)).lower()
    if "](" in text:
        text = _LINK_TARGET.sub("]", text)
    if text.isascii():  # the words _WORDS finds, split out of the text with every other character a space
        return " ".join(text.translate(_NOT_WORD_CHARS).split())
    return " ".join(_WORDS.findall(text))


_NOT_WORD_CHARS = str.maketrans({chr(c): " " for c in range(128) if not _WORDS.fullmatch(chr(c))})


@functools.cache
def template_sentences() -> frozenset[str]:
    out: set[str] = set()
    for path in sorted(TEMPLATES.glob("*.md")):
        if path.name == "PROVENANCE.md":
            continue
        text = path.read_text(encoding="utf-8")
        pieces = _DEFAULT.findall(text)
        for line in text.splitlines():
            stripped = line.strip()
            if stripped and not stripped.startswith(("#", "<!--", "{{", "{%", "-", "|", "<", "---")):
                pieces.append(stripped)
        for piece in pieces:
            for sentence in _SENTENCE_END.split(piece):
                key = _key(sentence)
                if len(key.split()) >= MIN_SENTENCE_WORDS:
                    out.add(key)
    return frozenset(out)


@functools.cache
def _telltale_words() -> frozenset[str]:
    """One word of each template sentence (its longest). A sentence whose key is a template's holds all of that
    key's words: for ASCII text, ``_key`` lower-cases, cuts link targets (leaving a ``]``, which no word crosses)
    and keeps runs of ``[a-z0-9]``, so each word of the key is a substring of the lower-cased sentence. ASCII text
    holding none of these words has no template sentence, and its sentences need no key (which was most of the
    cost of a section's count)."""
    return frozenset(max(key.split(), key=len) for key in template_sentences())


def strip_template_text(text: str, seen: dict[str, bool] | None = None) -> str:
    """``text`` without the sentences it shares with an official template.

    ``seen`` (sentence -> whether it is a template's), kept by the caller for one card: a section's text is also
    part of every enclosing section's (a card's title section holds all of it), so each sentence's key is worked
    out once per card, not once per enclosing heading. Kept per card, so it never outgrows the card."""
    known = template_sentences()
    if not known or len(text) < 16:  # shorter than any template sentence (most of a hostile card's sections)
        return text
    if text.isascii():
        low = text.lower()
        if not any(word in low for word in _telltale_words()):  # no sentence can be a template's: all are kept
            return "\n".join(_CARD_SENTENCE_END.split(text))
    if seen is None:
        kept = [s for s in _CARD_SENTENCE_END.split(text) if _key(s) not in known]
    else:
        kept = []
        for s in _CARD_SENTENCE_END.split(text):
            template = seen.get(s)
            if template is None:
                template = seen[s] = _key(s) in known
            if not template:
                kept.append(s)
    return "\n".join(kept)
