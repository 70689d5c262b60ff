"""The Markdown side of ``model_card`` (collectors/model_card.py): a Hugging Face style card's front matter and
its canonical sections, with their word counts. A module of its own so that a run that parses no Markdown card
(every card read back from the artifact cache) does not import the Markdown reader behind it."""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable, Sequence
from typing import Any

from aima_gate.collectors.model_card_boilerplate import strip_template_text
from aima_gate.collectors.model_card_words import derived_count
from aima_gate.core.errors import ArtifactError
from aima_gate.safeio.loaders import intern_short, split_front_matter
from aima_gate.safeio.markdown import Section, normalize_title, sections, word_count

# Canonical section -> predicate on the normalized heading. A heading's first match is its own section; a combined
# heading such as "Intended uses & limitations" also stands in for its other matches (here: limitations) when the
# card has no heading of their own for them (an empty dedicated heading stays empty).
CANONICAL_SECTIONS: dict[str, Callable[[str], bool]] = {
    "intended_use": lambda t: t.startswith(("intended use", "uses", "direct use", "downstream use", "out of scope"))
    or t in ("use", "use cases", "intended purpose"),
    "bias_risks_limitations": lambda t: any(w in t for w in ("bias", "risk", "limitation", "ethical consideration",
                                                             "caveat"))
    or t == "recommendations",
    "training_data": lambda t: t.startswith(("training data", "training and evaluation data", "training details",
                                             "training dataset", "dataset", "data"))
    or t == "training",
    "evaluation": lambda t: t.startswith(("evaluation", "results", "testing data", "metrics", "performance")),
    "model_details": lambda t: t.startswith(("model details", "model description", "model card for", "architecture")),
}
_SECTION_POINTERS = {name: f"/sections/{name}" for name in CANONICAL_SECTIONS}
"""Made once: every card's line map holds these pointers (one copy for all cards)."""


# "2. Training data", "2.1 Training data", "IV. Evaluation", "A) Uses": numbering is not part of the title
# (governance documents drop it the same way, collectors/document.py).
_NUMBERING = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.?|[IVXivx]+[.)]|[A-Za-z][.)])\s+(?=\S)")


@functools.lru_cache(maxsize=1024)  # cards repeat the same few headings
def _canonical(title: str) -> tuple[str, ...]:
    """Canonical sections a heading matches, its own (first) section first."""
    norm = normalize_title(_NUMBERING.sub("", title, count=1))
    return tuple(name for name, test in CANONICAL_SECTIONS.items() if test(norm))


def _model_name(front: dict[str, Any], heads: list[Any], file: str) -> str:
    for key in ("model_name", "model_id", "name"):
        if isinstance(front.get(key), str) and front[key].strip():
            return str(front[key]).strip()
    index = front.get("model-index")
    if isinstance(index, list) and index and isinstance(index[0], dict) and isinstance(index[0].get("name"), str):
        return str(index[0]["name"])
    top = next((h for h in heads if h.level == 1), None)
    if top is not None:
        title = str(top.title)
        prefix = "model card for "
        return title[len(prefix) :].strip(' "') if title.lower().startswith(prefix) else title
    return posixpath.splitext(posixpath.basename(file))[0]


class _SectionWords:
    """Word counts of a card's sections, each counted when a canonical section first asks (a heading no section
    matches, or one that loses to an earlier filled heading, is never counted: the count was most of a card).

    A class, not a closure that calls itself by name: such a closure is a reference cycle (the function and the
    cell holding it) that keeps the card's sections alive until the cyclic collector runs, and parsing runs with
    it paused (core/parallel.no_gc), so every card's sections stayed alive to the end of the run."""

    def __init__(self, heads: Sequence[Section]) -> None:
        self.heads = heads
        self.seen: dict[str, bool] = {}  # sentence -> template's: sections nest, so their sentences repeat
        self.counted: dict[int, int] = {}

    def count_text(self, text: str) -> int:
        return word_count(strip_template_text(text, self.seen))

    def words_of(self, n: int) -> int:
        """Words of the n-th heading's section. A heading with subsections adds up theirs where that is provably
        its own count (model_card_words.py): the title section spans the whole card and was counted again over
        every subsection."""
        counted = self.counted
        if n not in counted:
            derived = derived_count(self.heads, n, self.words_of, self.count_text)
            counted[n] = self.count_text(self.heads[n].text) if derived is None else derived
        return counted[n]


def parse_markdown_card(text: str, file: str, min_words: int) -> tuple[dict[str, Any], dict[str, int]]:
    front, fm_lines, body, body_line = split_front_matter(text, file)
    if front is None:
        front = {}
    if not isinstance(front, dict):
        raise ArtifactError("front matter must be a YAML mapping", file=file, line=2)
    heads = sections(body, body_line)
    found: dict[str, dict[str, Any]] = {}
    line_map: dict[str, int] = {}
    matched = [(head, _canonical(head.title)) for head in heads]
    words_of = _SectionWords(heads).words_of

    for own in (True, False):  # dedicated headings first; a combined heading only stands in for a missing one
        for n, (head, names) in enumerate(matched):
            for name in names[:1] if own else names[1:]:
                current = found.get(name)
                if current is None or (own and not current["filled"] and words_of(n) >= min_words):
                    words = words_of(n)
                    found[name] = {"title": intern_short(head.title), "words": words, "filled": words >= min_words}
                    line_map[_SECTION_POINTERS[name]] = head.line
    for name in CANONICAL_SECTIONS:
        found.setdefault(name, {"title": None, "words": 0, "filled": False})
    version = front.get("version", front.get("model_version"))
    data: dict[str, Any] = {
        "format": "hf-markdown",
        "model_name": _model_name(front, heads, file),
        "version": None if version is None else str(version),
        "license": front.get("license"),
        "datasets": front.get("datasets", []),
        "metrics": front.get("metrics", []),
        "model_index": front.get("model-index"),
        "tags": front.get("tags", []),
        "has_front_matter": bool(front),
        "front_matter": front,
        "sections": found,
    }
    for key in ("version", "license", "datasets", "metrics"):
        line = fm_lines.line_of(f"/{key}")
        if line is not None and key in front:
            line_map[intern_short(f"/{key}")] = line
    if "model_version" in front:
        line_map["/version"] = fm_lines.line_of("/model_version") or 1
    if "model-index" in front:
        line_map["/model_index"] = fm_lines.line_of("/model-index") or 1
    return data, line_map
