"""``model_card``: Hugging Face style Markdown cards (YAML front matter + standard sections).

Normalized shape (docs/artifacts.md#model_card): ``format``, ``model_name``, ``version``, ``license``,
``datasets``, ``metrics``, ``model_index``, ``has_front_matter`` and ``sections.<canonical>`` with ``title``,
``words`` and ``filled`` for the canonical sections below. Heading variants across HF template generations map
onto the same canonical name; a section holding only template placeholders is present but not filled.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

from aima_gate.collectors import CollectContext, Collector, Result
from aima_gate.collectors.model_card_boilerplate import strip_template_text
from aima_gate.collectors.model_card_words import derived_count
from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import Artifact, LineIndex
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
DEFAULT_MIN_WORDS = 5
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


# Front-matter keys only a Hugging Face model card has (a project README's front matter, if any, has none).
_HF_CARD_KEYS = frozenset({"model-index", "pipeline_tag", "library_name", "base_model", "model_name", "model_id"})


def is_model_card_readme(data: Mapping[str, Any], text: str) -> bool:
    """A repository's ``README.md`` is its model card on the Hugging Face Hub; elsewhere it usually is not.

    It counts as a card when its front matter has a card-only key, its first heading says "Model Card", or it
    has a front matter and at least two of the card's standard sections (so a project README is not gated)."""
    front = data.get("front_matter") or {}
    if _HF_CARD_KEYS & set(front):
        return True
    first = next((line for line in text.splitlines() if line.startswith("# ")), "")
    if "model card" in first.lower():
        return True
    present = sum(1 for sec in data["sections"].values() if sec["title"] is not None)
    return bool(front) and present >= 2


def min_section_words(ctx: CollectContext) -> int:
    """One fill rule for every card format: ``parameters.min_section_words`` (which the card policies use too),
    else ``artifacts.model_card.min_section_words``, else 5."""
    params = ctx.settings.get("parameters") if isinstance(ctx.settings, Mapping) else None
    value = (params or {}).get("min_section_words", ctx.options.get("min_section_words", DEFAULT_MIN_WORDS))
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else DEFAULT_MIN_WORDS


class ModelCardCollector(Collector):
    kind: ClassVar[str] = "model_card"
    default_paths: ClassVar[tuple[str, ...]] = ("**/MODEL_CARD.md", "**/model_card.md", "**/model-card.md",
                                                "**/model_cards/*.md", "**/model-cards/*.md", "**/cards/*.md",
                                                "**/model_card.json", "**/model-card.json", "**/model_cards/*.json",
                                                "**/model-cards/*.json", "**/*.mlbom.json", "**/ml-bom*.json",
                                                "README.md")
    description: ClassVar[str] = ("Model cards: Hugging Face Markdown, Model Card Toolkit JSON, CycloneDX ML-BOM "
                                  "modelCard")

    def parse(self, ctx: CollectContext, file: str) -> Iterable[Result]:
        text = ctx.repo.read_text(file)
        min_words = min_section_words(ctx)
        if file.lower().endswith(".json") or text.lstrip().startswith("{"):
            from aima_gate.collectors.model_card_formats import parse_json_card

            for data, lines, name in parse_json_card(text, file, min_words):
                yield Artifact(kind=self.kind, name=name, file=file, data=data, line=lines.line_of("") or 1,
                               lines=lines)
            return
        data, line_map = parse_markdown_card(text, file, min_words)
        if file == "README.md" and not is_model_card_readme(data, text):
            return  # the root README (a default path) is read as a card only when it is one
        yield Artifact(kind=self.kind, name=str(data["model_name"]), file=file, data=data, line=1,
                       lines=LineIndex(line_map))
