"""``explainability_report``: SHAP / LIME feature attributions, normalized.

Normalized shape (``schemas/explainability-report.schema.json``): ``format``, ``method`` (shap, lime, ...),
``model {name, version}``, ``generated_at``, ``tool {name, version}`` and ``top_features[{name, importance}]``
sorted by absolute importance. Shapes read (detected by content):
- a summary document: ``method``/``explainer`` + ``top_features``/``feature_importance``/``features`` as a list of
  ``{feature|name, importance|mean_abs_shap|weight|value}`` or a ``{feature: importance}`` mapping;
- parallel arrays ``feature_names`` + ``mean_abs_shap``/``importances``/``shap_importance`` (SHAP summaries);
- LIME ``Explanation.as_list()`` exports: ``explanation``/``as_list`` as ``[[feature, weight], ...]``.
Anything else is an error naming the file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from aima_gate.collectors import CollectContext, Collector, Result
from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import Artifact
from aima_gate.safeio.loaders import load_json
from aima_gate.safeio.validation import schema_errors

FEATURE_LISTS = ("top_features", "feature_importance", "feature_importances", "features", "global_importance")
NAME_KEYS = ("feature", "name", "feature_name")
VALUE_KEYS = ("importance", "mean_abs_shap", "mean_abs_shap_value", "shap_importance", "weight", "value", "score")
ARRAY_VALUES = ("mean_abs_shap", "mean_abs_shap_values", "importances", "shap_importance", "feature_importance")
LIME_LISTS = ("explanation", "as_list", "lime_explanation")
KNOWN_METHODS = ("shap", "lime", "permutation", "integrated_gradients", "anchors", "eli5")


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return None if isinstance(v, float) and (math.isnan(v) or math.isinf(v)) else float(v)


def _text(v: Any) -> str | None:
    return str(v).strip() or None if isinstance(v, (str, int, float)) and not isinstance(v, bool) else None


def _pairs(doc: Mapping[str, Any], file: str) -> tuple[list[tuple[str, float]], str | None, str] | None:
    """(feature, importance) pairs, the method the shape implies, and the source key; None if no shape fits."""
    for key in FEATURE_LISTS:
        value = doc.get(key)
        if isinstance(value, Mapping) and value:
            return [(str(k), _req(v, file, f"{key}.{k}")) for k, v in value.items()], None, key
        if isinstance(value, list) and value and all(isinstance(x, Mapping) for x in value):
            out = []
            for i, item in enumerate(value):
                name = next((_text(item[k]) for k in NAME_KEYS if k in item), None)
                vkey = next((k for k in VALUE_KEYS if k in item), None)
                if name is None or vkey is None:
                    raise ArtifactError(f"{key}[{i}] needs a feature name ({'/'.join(NAME_KEYS)}) and an importance "
                                        f"({'/'.join(VALUE_KEYS)})", file=file)
                out.append((name, _req(item[vkey], file, f"{key}[{i}].{vkey}")))
            implied = "shap" if any("shap" in k for x in value for k in x) else None
            return out, implied, key
    names = doc.get("feature_names")
    if isinstance(names, list) and names:
        vkey = next((k for k in ARRAY_VALUES if isinstance(doc.get(k), list)), None)
        if vkey is None or len(doc[vkey]) != len(names):
            raise ArtifactError("feature_names needs a parallel list of importances of the same length "
                                f"({', '.join(ARRAY_VALUES)})", file=file)
        pairs = [(str(n), _req(v, file, f"{vkey}[{i}]")) for i, (n, v) in enumerate(zip(names, doc[vkey], strict=True))]
        return pairs, "shap" if "shap" in vkey else None, "feature_names"
    for key in LIME_LISTS:
        value = doc.get(key)
        if isinstance(value, list) and value and all(isinstance(x, list) and len(x) == 2 for x in value):
            return [(str(f), _req(w, file, f"{key}[{i}][1]")) for i, (f, w) in enumerate(value)], "lime", key
    return None


def _req(v: Any, file: str, where: str) -> float:
    num = _number(v)
    if num is None:
        raise ArtifactError(f"{where}: importance {v!r} is not a number", file=file)
    return num


def normalize(doc: Any, file: str) -> dict[str, Any]:
    if not isinstance(doc, Mapping):
        raise ArtifactError(f"an explainability report must be a JSON object, not a {type(doc).__name__}",
                            file=file, line=1)
    found = _pairs(doc, file)
    if found is None:
        raise ArtifactError(
            "not a recognised explainability report: expected top_features/feature_importance, feature_names with "
            "mean_abs_shap, or a LIME as_list() explanation", file=file, line=1,
            hint="write {method, model, model_version, generated_at, top_features: [{feature, importance}]}")
    pairs, implied, source_key = found
    method = _text(doc.get("method")) or _text(doc.get("explainer")) or implied
    model: Mapping[str, Any] = doc["model"] if isinstance(doc.get("model"), Mapping) else {}
    tool: Mapping[str, Any] = doc["tool"] if isinstance(doc.get("tool"), Mapping) else {}
    ranked = sorted(pairs, key=lambda p: (-abs(p[1]), p[0]))
    return {
        "format": source_key,
        "method": method.lower() if method else None,
        "model": {"name": _text(model.get("name")) or _text(doc.get("model_name")) or _text(doc.get("model")),
                  "version": _text(model.get("version")) or _text(doc.get("model_version"))},
        "generated_at": _text(doc.get("generated_at")) or _text(doc.get("timestamp")),
        "tool": {"name": _text(tool.get("name")) or _text(doc.get("tool")), "version": _text(tool.get("version"))},
        "top_features": [{"name": n, "importance": v} for n, v in ranked],
        "feature_count": len(ranked),
    }


class ExplainabilityReportCollector(Collector):
    kind: ClassVar[str] = "explainability_report"
    default_paths: ClassVar[tuple[str, ...]] = (
        "**/explainability-report*.json", "**/explainability_report*.json", "**/shap-report*.json",
        "**/lime-report*.json", "**/reports/explainability/*.json",
    )
    description: ClassVar[str] = "Explainability reports (SHAP, LIME): method, model version, top features"

    def warm(self) -> None:
        from aima_gate.safeio.validation import warm

        warm("explainability-report.schema.json")

    def parse(self, ctx: CollectContext, file: str) -> Iterable[Result]:
        doc, lines = load_json(ctx.repo.read_text(file), file)
        data = normalize(doc, file)
        errors = schema_errors(data, "explainability-report.schema.json", file=file, lines=lines,
                               error_cls=ArtifactError)
        if errors:
            yield from errors
            return
        model = data["model"]
        name = f"{model.get('name') or file}@{model.get('version') or '?'}"
        yield Artifact(kind=self.kind, name=name, file=file, data=data, line=1, lines=lines)
