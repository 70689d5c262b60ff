"""Structured (JSON) model-card formats mapped onto the same normalized fields as the Markdown cards.

Google Model Card Toolkit JSON (schema 0.0.1 and 0.0.2 shapes, :mod:`.mct`) and CycloneDX ML-BOM
``machine-learning-model`` components with a ``modelCard`` (:mod:`.cyclonedx`). Detection is by content: a
``model_card.json`` that is neither (an empty skeleton, another tool's shape) is an error naming the file.

The fill rule is the Markdown one: a section is ``filled`` when its entries together hold at least
``min_section_words`` real words (placeholders removed); ``words`` counts them. A one-word template value
(``use_cases``, ``limitations1``, ``overview``) is not a filled section in any format.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import LineIndex
from aima_gate.safeio.loaders import load_json
from aima_gate.safeio.markdown import word_count

CANONICAL = ("intended_use", "bias_risks_limitations", "training_data", "evaluation", "model_details")
PLACEHOLDERS = frozenset({"", "tbd", "todo", "n/a", "none", "[more information needed]", "more information needed"})

Card = tuple[dict[str, Any], LineIndex, str]
"""(normalized data, line index of normalized pointers, subject name)."""


def text_of(value: Any) -> list[str]:
    """Every non-placeholder string inside a value (strings, lists, {description|name|...} mappings)."""
    out: list[str] = []
    if isinstance(value, str):
        if value.strip().lower() not in PLACEHOLDERS:
            out.append(value.strip())
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out.append(str(value))
    elif isinstance(value, list):
        for item in value:
            out.extend(text_of(item))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key in ("graphics", "image", "bom-ref", "ref"):
                continue
            out.extend(text_of(item))
    return out


DEFAULT_MIN_WORDS = 5


def section(title: str, *values: Any, min_words: int = DEFAULT_MIN_WORDS) -> dict[str, Any]:
    texts = [t for v in values for t in text_of(v)]
    words = sum(word_count(t) for t in texts)
    return {"title": title if texts else None, "words": words, "filled": words >= min_words}


def card_data(fmt: str, *, name: str, version: Any, license_: Any, datasets: list[str], metrics: list[Any],
              sections: Mapping[str, dict[str, Any]], extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    found = {k: sections.get(k, {"title": None, "words": 0, "filled": False}) for k in CANONICAL}
    return {
        "format": fmt,
        "model_name": name,
        "version": None if version in (None, "") else str(version),
        "license": license_,
        "datasets": datasets,
        "metrics": metrics,
        "model_index": None,
        "tags": [],
        "has_front_matter": False,
        "front_matter": dict(extra or {}),
        "sections": found,
    }


def mapped_lines(source: LineIndex, mapping: Mapping[str, str]) -> LineIndex:
    """Normalized pointer -> line of the source pointer it was read from."""

    def build() -> dict[str, int]:
        out: dict[str, int] = {}
        for norm, src in mapping.items():
            line = source.line_of(src)
            if line is not None:
                out[norm] = line
        return out

    return LineIndex(build=build)


def parse_json_card(text: str, file: str, min_words: int = DEFAULT_MIN_WORDS) -> list[Card]:
    from aima_gate.collectors.model_card_formats import cyclonedx, mct

    doc, lines = load_json(text, file)
    if isinstance(doc, Mapping):
        if cyclonedx.detect(doc):
            return cyclonedx.parse(doc, lines, file, min_words)
        if mct.detect(doc):
            return [mct.parse(doc, lines, file, min_words)]
    raise ArtifactError(
        "not a recognised model card: JSON cards must be Google Model Card Toolkit JSON (schema_version + "
        "model_details.name) or a CycloneDX ML-BOM with a machine-learning-model component",
        file=file, line=1,
        hint="use the Hugging Face Markdown card format, or export the card with Model Card Toolkit / CycloneDX")
