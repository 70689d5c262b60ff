"""Google Model Card Toolkit JSON (``model_card.schema.json`` 0.0.1 and 0.0.2 shapes) -> normalized card.

Besides the fields every card format has, an MCT card gives ``owners`` (``model_details.owners``, each
``{name, contact}`` that is not a placeholder, in order) and ``owner``, the same people as one string in the form
registry entries and governance documents use for ``owner`` (``Name <contact>``, several joined by ``; ``), or
None when the card names nobody.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aima_gate.collectors._shapes import seq, sub
from aima_gate.collectors.model_card_formats import PLACEHOLDERS, Card, card_data, mapped_lines, section, text_of
from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import LineIndex

MCT_SECTIONS = ("model_parameters", "quantitative_analysis", "considerations")


def detect(doc: Mapping[str, Any]) -> bool:
    details = doc.get("model_details")
    return (isinstance(details, Mapping) and ("schema_version" in doc or any(k in doc for k in MCT_SECTIONS))
            and set(doc) <= {"schema_version", "model_details", *MCT_SECTIONS, "model_card_id", "model_name"})


def _license(details: Mapping[str, Any]) -> Any:
    if isinstance(details.get("license"), str):  # 0.0.1
        return details["license"]
    licenses = details.get("licenses")
    if isinstance(licenses, list) and licenses and isinstance(licenses[0], Mapping):
        return licenses[0].get("identifier") or licenses[0].get("custom_text")
    return None


def _owners(details: Mapping[str, Any]) -> list[dict[str, str]]:
    """``model_details.owners`` as ``[{name, contact}]`` (either may be absent); entries naming nobody are dropped,
    so a template's ``{"name": "TODO"}`` is no owner."""
    owners = details.get("owners")
    out: list[dict[str, str]] = []
    for item in owners if isinstance(owners, list) else []:
        if isinstance(item, Mapping):
            entry = {key: item[key].strip() for key in ("name", "contact")
                     if isinstance(item.get(key), str) and item[key].strip().lower() not in PLACEHOLDERS}
            if entry:
                out.append(entry)
    return out


def _owner(owners: list[dict[str, str]]) -> str | None:
    shown = [f"{o['name']} <{o['contact']}>" if "name" in o and "contact" in o else o.get("name") or o["contact"]
             for o in owners]
    return "; ".join(shown) or None


def _datasets(params: Mapping[str, Any]) -> tuple[list[str], Any]:
    data = params.get("data")
    if isinstance(data, Mapping):  # 0.0.1: {train: {...}, eval: {...}}
        items = [v for v in data.values() if isinstance(v, Mapping)]
    elif isinstance(data, list):  # 0.0.2: [{name, link, description, sensitive}]
        items = [v for v in data if isinstance(v, Mapping)]
    else:
        items = []
    names = [str(i["name"]) for i in items if isinstance(i.get("name"), str)]
    return names, items


def parse(doc: Mapping[str, Any], lines: LineIndex, file: str, min_words: int) -> Card:
    details = doc["model_details"]
    name = details.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ArtifactError("Model Card Toolkit card without model_details.name", file=file,
                            line=lines.line_of("/model_details"))
    version = details.get("version")
    version = version.get("name") if isinstance(version, Mapping) else version
    params = sub(doc, "model_parameters")
    qa = sub(doc, "quantitative_analysis")
    cons = sub(doc, "considerations")
    names, data_items = _datasets(params)
    metrics = seq(qa, "performance_metrics")
    metric_text = [" ".join(text_of([m.get("type"), m.get("value"), m.get("slice")])) for m in metrics
                   if isinstance(m, Mapping)]
    def sec(title: str, *values: Any) -> dict[str, Any]:
        return section(title, *values, min_words=min_words)

    sections = {
        "model_details": sec("model_details", details.get("overview"), details.get("documentation"),
                                 params.get("model_architecture")),
        "intended_use": sec("considerations.use_cases", cons.get("use_cases"), cons.get("users")),
        "bias_risks_limitations": sec("considerations.limitations", cons.get("limitations"),
                                          cons.get("tradeoffs"), cons.get("ethical_considerations")),
        "training_data": sec("model_parameters.data", data_items),
        "evaluation": sec("quantitative_analysis.performance_metrics", metric_text),
    }
    data = card_data(f"model-card-toolkit-{doc.get('schema_version', 'unknown')}", name=name.strip(),
                     version=version, license_=_license(details), datasets=names, metrics=metrics, sections=sections,
                     extra={"schema_version": doc.get("schema_version")})
    owners = _owners(details)
    data["owner"], data["owners"] = _owner(owners), owners
    idx = mapped_lines(lines, {
        "/version": "/model_details/version", "/license": "/model_details/license",
        "/owner": "/model_details/owners", "/owners": "/model_details/owners",
        "/sections/model_details": "/model_details", "/sections/intended_use": "/considerations/use_cases",
        "/sections/bias_risks_limitations": "/considerations/limitations",
        "/sections/training_data": "/model_parameters/data",
        "/sections/evaluation": "/quantitative_analysis/performance_metrics",
    })
    return data, idx, name.strip()
