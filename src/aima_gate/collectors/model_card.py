"""``model_card``: Hugging Face style Markdown cards (YAML front matter + standard sections).

Normalized shape (docs/artifacts.md#model_card): ``format``, ``model_name``, ``version``, ``license``,
``datasets``, ``metrics``, ``model_index``, ``has_front_matter`` and ``sections.<canonical>`` with ``title``,
``words`` and ``filled`` for each canonical section (model_card_markdown.CANONICAL_SECTIONS). Heading variants
across HF template generations map onto the same canonical name; a section holding only template placeholders
is present but not filled. The Markdown reading itself is in collectors/model_card_markdown.py, imported by the
first card parsed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from aima_gate.collectors import CollectContext, Collector, Result
from aima_gate.core.model import Artifact, LineIndex

DEFAULT_MIN_WORDS = 5


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

    def warm(self) -> None:
        from aima_gate.collectors.model_card_markdown import parse_markdown_card

        # A small card through the Markdown reader: its imports, and the patterns it compiles on first use.
        parse_markdown_card("---\nmodel_name: m\n---\n# Model Card for m\n\n## Uses\n\nScores records.\n", "-", 1)

    def parse(self, ctx: CollectContext, file: str) -> Iterable[Result]:
        text = ctx.repo.read_text(file)
        min_words = min_section_words(ctx)
        if file.lower().endswith(".json") or text.lstrip().startswith("{"):
            from aima_gate.collectors.model_card_formats import parse_json_card

            for data, lines, name in parse_json_card(text, file, min_words):
                yield Artifact(kind=self.kind, name=name, file=file, data=data, line=lines.line_of("") or 1,
                               lines=lines)
            return
        from aima_gate.collectors.model_card_markdown import parse_markdown_card

        data, line_map = parse_markdown_card(text, file, min_words)
        if file == "README.md" and not is_model_card_readme(data, text):
            return  # the root README (a default path) is read as a card only when it is one
        yield Artifact(kind=self.kind, name=str(data["model_name"]), file=file, data=data, line=1,
                       lines=LineIndex(line_map))
