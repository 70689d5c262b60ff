"""A card heading's word count, derived from its subsections' counts when that is provably the same number.

A section's text holds its subsections' (safeio/markdown.py), so counting every heading on its own reads the
card's title section, which spans the whole card, once more: about a quarter of a card's cost. Let
``f(t) = word_count(strip_template_text(t, seen))`` (what model_card.py has always counted). When a heading's text
``T`` is ``P0 + S1 + P1 + ... + Sk + Pk`` (``P0`` the text before its first subsection, possibly empty, the other
``Pi`` its direct subsections' texts, empty ones left out) and :func:`_additive` holds, then
``f(T) = f(P0) + f(P1) + ... + f(Pk)``. Otherwise the count is made from ``T`` itself, as before.

Why, step by step (tests/collectors/test_model_card_words.py holds it to the direct count on generated and real
cards). The conditions: every ``Si`` is a run of two or more line breaks, every non-empty ``Pi`` begins and ends
with a character that is not whitespace, and ``T`` is ASCII with no ``<!--``, ``{{``, ``{%``, ``#``, ``**``, no
``=`` or ``-`` at its start or after whitespace, and none of the placeholder triggers below.

1. Sentences (model_card_boilerplate._CARD_SENTENCE_END) split ``T`` as they split each ``Pi``. A separator match is
   whitespace only, and each ``Si`` is a whole whitespace run (its neighbours are not whitespace): the first match
   in it starts at its first character (after ``.!?`` the first branch, else the second, from the first line break
   to the last, which are its two ends) and takes all of it; no match crosses a non-whitespace character, so none
   reaches from a ``Pi`` into an ``Si``; and a match at a position inside ``Pi`` sees the same characters in ``T``
   as in ``Pi`` alone (the look-behind reads one character back, which at ``Pi``'s start would have to be a match
   of ``\\s`` there, and ``Pi`` starts with non-whitespace). So ``T``'s sentences are the ``Pi``'s, in order, and
   each is a template sentence or not on its own: ``T``'s kept sentences are the ``Pi``'s kept sentences.
2. A text shorter than 16 characters is returned whole by ``strip_template_text``; its sentences' keys are no
   longer than the text, and every template sentence's key is 16 characters or more (checked once, below), so no
   sentence of it is a template's: it is its kept sentences with other whitespace between them.
3. ``word_count`` of a text made of ``T``'s sentences and whitespace (what ``strip_template_text`` returns, for
   ``T`` and for each ``Pi``) is the sum over its whitespace-separated tokens of one function of the token: it is
   ASCII (one branch), nothing is delimited, nothing is a heading or a bold label (``#`` and ``**`` are absent,
   joining with line breaks cannot make them, and a line can only start with ``=``/``-`` where ``T`` has one at
   its start or after whitespace), no placeholder can match (a token of the text is a token of ``T``, and every
   trigger is a substring of one token but "more information needed" and "lorem ipsum", which need "needed" and
   "ipsum"; a word "na" bounded by whitespace in the text is bounded by whitespace in ``T``), and ``_ascii_words``
   counts letter runs and numbers, neither of which crosses a space.
So both sides count the same tokens of the same kept sentences.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from aima_gate.collectors.model_card_boilerplate import template_sentences
from aima_gate.safeio.markdown import Section, _has_na_word

_SHORT = 16
"""strip_template_text returns a text shorter than this unchanged."""


@functools.cache
def _templates_are_long() -> bool:
    """Step 2's premise: every template sentence's key is at least as long as the shortest text it strips."""
    return all(len(key) >= _SHORT for key in template_sentences())


def _additive(text: str) -> bool:
    """The character conditions of the module docstring on a heading's text ``T``."""
    if not text.isascii() or "#" in text or "**" in text or "<!--" in text or "{{" in text or "{%" in text:
        return False
    if ("-" in text or "=" in text) and _dash_token(text):
        return False
    low = text.lower()
    return not ("needed" in low or "ipsum" in low or "[optional]" in low or "todo" in low or "tbd" in low
                or "fixme" in low or "n/a" in low or ("na" in low and _has_na_word(low)))


def _dash_token(text: str) -> bool:
    r"""``re.search(r"(?:\A|\s)[=-]", text)`` (a regex led by ``\s`` tries every position: 5x slower here)."""
    for mark in "=-":
        i = text.find(mark)
        while i >= 0:
            if i == 0 or text[i - 1].isspace():
                return True
            i = text.find(mark, i + 1)
    return False


def _ends_clean(part: str) -> bool:
    return not part[0].isspace() and not part[-1].isspace()


def split_parts(text: str, children: Sequence[str]) -> str | None:
    """``P0`` when ``text`` is ``P0`` and the non-empty ``children`` texts, in order, joined by runs of two or
    more line breaks, each part starting and ending with non-whitespace; else None."""
    end = len(text)
    for child in reversed(children):
        if not child:
            continue
        start = end - len(child)
        if start < 0 or not text.startswith(child, start) or not _ends_clean(child):
            return None
        gap = start
        while gap > 0 and text[gap - 1] == "\n":
            gap -= 1
        if gap > 0 and start - gap < 2:
            return None
        end = gap
    own = text[:end]
    return own if not own or _ends_clean(own) else None


def direct_children(heads: Sequence[Section], n: int) -> list[int]:
    """Indices of heading ``n``'s direct subsections: the later headings before the next one of the same or a
    higher level that no heading between contains (none between has a lower level, i.e. a higher rank)."""
    level = heads[n].level
    out: list[int] = []
    lowest = 7  # the smallest level seen since n (headings are levels 1-6)
    for m in range(n + 1, len(heads)):
        current = heads[m].level
        if current <= level:
            break
        if current <= lowest:
            out.append(m)
            lowest = current
    return out


def derived_count(heads: Sequence[Section], n: int, count_of: Callable[[int], int],
                  count_text: Callable[[str], int]) -> int | None:
    """Heading ``n``'s count as the sum of its parts' (``count_of`` for a subsection, ``count_text`` for the text
    before the first), when the module docstring's conditions hold; None when they do not (count it directly)."""
    children = direct_children(heads, n)
    text = heads[n].text
    if not children or not _templates_are_long() or not _additive(text):
        return None
    own = split_parts(text, [heads[m].text for m in children])
    if own is None:
        return None
    return (count_text(own) if own else 0) + sum(count_of(m) for m in children)
