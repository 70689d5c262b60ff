"""CycloneDX ML-BOM (spec 1.5+): each ``machine-learning-model`` component -> one normalized card.

A component without ``modelCard`` still becomes a card (every section unfilled), so the sparse case (a hosted
foundation model with only a name) is flagged by the card policies rather than silently skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aima_gate.collectors._shapes import seq, sub
from aima_gate.collectors.model_card_formats import Card, card_data, mapped_lines, section, text_of
from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import LineIndex


def detect(doc: Mapping[str, Any]) -> bool:
    return doc.get("bomFormat") == "CycloneDX"


def _license(component: Mapping[str, Any]) -> Any:
    for item in component.get("licenses") or []:
        if isinstance(item, Mapping):
            lic = item.get("license")
            if isinstance(lic, Mapping):
                return lic.get("id") or lic.get("name")
            if isinstance(item.get("expression"), str):
                return item["expression"]
    return None


def parse(doc: Mapping[str, Any], lines: LineIndex, file: str, min_words: int) -> list[Card]:
    components = doc.get("components")
    if not isinstance(components, list):
        raise ArtifactError("CycloneDX BOM without a components list", file=file, line=1)
    by_ref = {c.get("bom-ref"): c for c in components if isinstance(c, Mapping) and c.get("bom-ref")}
    cards: list[Card] = []
    for i, comp in enumerate(components):
        if not isinstance(comp, Mapping) or comp.get("type") != "machine-learning-model":
            continue
        name = comp.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ArtifactError("machine-learning-model component without a name", file=file,
                                line=lines.line_of(f"/components/{i}"), pointer=f"/components/{i}")
        card = sub(comp, "modelCard")
        params = sub(card, "modelParameters")
        qa = sub(card, "quantitativeAnalysis")
        cons = sub(card, "considerations")
        datasets: list[Any] = []
        names: list[str] = []
        for ds in params.get("datasets") or []:
            if isinstance(ds, Mapping) and "ref" in ds:
                target = by_ref.get(ds["ref"])
                if target is None:
                    raise ArtifactError(f"dataset reference {ds['ref']!r} matches no component bom-ref", file=file,
                                        line=lines.line_of(f"/components/{i}/modelCard/modelParameters/datasets"))
                datasets.append({k: target.get(k) for k in ("name", "description", "data")})
                names.append(str(target.get("name")))
            elif isinstance(ds, Mapping):
                datasets.append(ds)
                if isinstance(ds.get("name"), str):
                    names.append(ds["name"])
        metrics = seq(qa, "performanceMetrics")
        metric_text = [" ".join(text_of([m.get("type"), m.get("value"), m.get("slice")])) for m in metrics
                       if isinstance(m, Mapping)]
        def sec(title: str, *values: Any) -> dict[str, Any]:
            return section(title, *values, min_words=min_words)

        sections = {
            "model_details": sec("description", comp.get("description"), params.get("task"),
                                     params.get("modelArchitecture")),
            "intended_use": sec("considerations.useCases", cons.get("useCases"), cons.get("users")),
            "bias_risks_limitations": sec("considerations.technicalLimitations", cons.get("technicalLimitations"),
                                              cons.get("performanceTradeoffs"), cons.get("ethicalConsiderations"),
                                              cons.get("fairnessAssessments")),
            "training_data": sec("modelParameters.datasets", datasets),
            "evaluation": sec("quantitativeAnalysis.performanceMetrics", metric_text),
        }
        data = card_data(f"cyclonedx-{doc.get('specVersion', 'unknown')}", name=name.strip(),
                         version=comp.get("version"), license_=_license(comp), datasets=names, metrics=metrics,
                         sections=sections, extra={"bom-ref": comp.get("bom-ref"), "has_model_card": bool(card)})
        base = f"/components/{i}"
        idx = mapped_lines(lines, {
            "": base, "/version": f"{base}/version", "/license": f"{base}/licenses",
            "/sections/model_details": f"{base}/description",
            "/sections/intended_use": f"{base}/modelCard/considerations/useCases",
            "/sections/bias_risks_limitations": f"{base}/modelCard/considerations",
            "/sections/training_data": f"{base}/modelCard/modelParameters/datasets",
            "/sections/evaluation": f"{base}/modelCard/quantitativeAnalysis",
        })
        cards.append((data, idx, name.strip()))
    if not cards:
        raise ArtifactError("CycloneDX BOM has no machine-learning-model component, so it holds no model card",
                            file=file, line=lines.line_of("/components") or 1)
    return cards
