"""The model card's section matching as first written, on eagerly counted headings (every heading's words counted
from its own text): the reference that the card parser's fast paths (lazy counts, counts derived from
subsections) are held to."""

from __future__ import annotations

from typing import Any

from aima_gate.collectors import model_card_markdown as model_card
from aima_gate.collectors.model_card_boilerplate import strip_template_text
from aima_gate.safeio.loaders import intern_short, split_front_matter
from aima_gate.safeio.markdown import sections, word_count


def reference_sections(text: str, file: str, min_words: int) -> tuple[dict[str, Any], dict[str, int]]:
    """(sections, line map) of a card, as ``parse_markdown_card`` gives them."""
    _front, _lines, body, body_line = split_front_matter(text, file)
    heads = sections(body, body_line)
    found: dict[str, dict[str, Any]] = {}
    line_map: dict[str, int] = {}
    seen: dict[str, bool] = {}
    matched = [(head, model_card._canonical(head.title), word_count(strip_template_text(head.text, seen)))
               for head in heads]
    for own in (True, False):
        for head, names, words in matched:
            for name in names[:1] if own else names[1:]:
                current = found.get(name)
                if current is None or (own and not current["filled"] and words >= min_words):
                    found[name] = {"title": intern_short(head.title), "words": words, "filled": words >= min_words}
                    line_map[f"/sections/{name}"] = head.line
    for name in model_card.CANONICAL_SECTIONS:
        found.setdefault(name, {"title": None, "words": 0, "filled": False})
    return found, line_map
