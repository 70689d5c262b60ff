"""Adapters from what fairness tools really emit onto the normalized ``bias_report`` shape.

The format is detected by content, never by file name (``detect``). Each adapter returns the normalized
document (``schemas/bias-report.schema.json``); anything that matches no adapter is an error naming the file.
Seen in the wild (``docs/artifacts.md#bias_report``): the native document written by ``aima-gate evidence
fairness``; fairlearn ``MetricFrame`` exports (``{"overall": ..., "by_group": ...}`` as written by
``by_group.to_dict()``/``to_json()``); AIF360 metric dumps (``disparate_impact``,
``statistical_parity_difference``...); per-attribute by-group dicts (``{"overall": ..., "<attr>": {"<group>":
{metric..., "n"}}}``); group statistics with ``differences`` (LLM output audits); Patra Toolkit model cards.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from aima_gate.collectors._shapes import sub
from aima_gate.collectors.bias_derive import derive
from aima_gate.collectors.bias_derive import num as _num
from aima_gate.collectors.bias_native import check_native
from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import LineIndex

NATIVE_KIND = "bias_report"

# Per-group metric aliases -> canonical name (keys are normalized with _norm()).
GROUP_METRICS: dict[str, str] = {
    "selection_rate": "selection_rate", "positive_rate": "selection_rate",
    "true_positive_rate": "tpr", "true_positive_rate_tpr": "tpr", "tpr": "tpr", "recall": "tpr",
    "recall_score": "tpr",
    "false_positive_rate": "fpr", "false_positive_rate_fpr": "fpr", "fpr": "fpr",
    "false_negative_rate": "fnr", "fnr": "fnr", "true_negative_rate": "tnr", "tnr": "tnr",
    "accuracy": "accuracy", "accuracy_score": "accuracy", "precision": "precision",
    "precision_score": "precision", "auc": "auc", "roc_auc": "auc", "roc_auc_score": "auc",
}
# Group sizes as tools and hand-written reports name them (compared after _norm(): "Total" -> "total").
SUPPORT_KEYS = frozenset({"n", "count", "support", "num_instances", "size", "n_samples", "total", "samples",
                          "num_samples", "group_size", "rows", "n_rows"})
# Fairness (between-group) metric aliases -> canonical name.
FAIRNESS_METRICS: dict[str, str] = {
    "disparate_impact": "disparate_impact", "demographic_parity_ratio": "disparate_impact",
    "disparate_impact_ratio": "disparate_impact",
    "demographic_parity_difference": "demographic_parity_difference",
    "demographic_parity_diff": "demographic_parity_difference",
    "statistical_parity_difference": "demographic_parity_difference",
    "equalized_odds_difference": "equalized_odds_difference", "equal_odds_difference": "equalized_odds_difference",
    "equalized_odds_ratio": "equalized_odds_ratio",
    "equal_opportunity_difference": "equal_opportunity_difference",
    "equalized_odds_tpr_diff": "equal_opportunity_difference",
    "true_positive_rate_difference": "equal_opportunity_difference",
    "equalized_odds_fpr_diff": "false_positive_rate_difference",
    "false_positive_rate_difference": "false_positive_rate_difference",
    "average_odds_difference": "average_odds_difference",
}
META_KEYS = frozenset({"model", "tool", "dataset", "metadata"})
AIF360_KEYS = frozenset({"disparate_impact", "statistical_parity_difference", "average_odds_difference",
                         "equal_opportunity_difference", "theil_index"})


def _norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", key.lower()).strip("_")


def _str(v: Any) -> str | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (str, int, float)):
        text = str(v).strip()
        return text or None
    return None


def _metadata(doc: Mapping[str, Any], fmt: str) -> dict[str, Any]:
    """Model, dataset, date and tool, from the keys reports commonly use."""
    model = sub(doc, "model")
    name = _str(model.get("name")) or _str(doc.get("model_name")) or _str(doc.get("model"))
    version = _str(model.get("version")) or _str(doc.get("model_version"))
    sha = _str(model.get("sha256")) or _str(doc.get("model_sha256"))
    tool = sub(doc, "tool")
    dataset = doc.get("dataset")
    if isinstance(dataset, Mapping):
        dataset = dataset.get("name")
    out: dict[str, Any] = {
        "format": fmt,
        "model": {"name": name, "version": version, "sha256": sha},
        "dataset": _str(dataset),
        "generated_at": _str(doc.get("generated_at")) or _str(doc.get("timestamp")) or _str(doc.get("created_at")),
        "tool": {"name": _str(tool.get("name")) or _str(doc.get("tool")), "version": _str(tool.get("version"))},
        "overall": {},
        "attributes": [],
    }
    if _str(doc.get("risk_tier")):
        out["risk_tier"] = _str(doc.get("risk_tier"))
    return out


def _group(name: str, values: Mapping[str, Any]) -> dict[str, Any]:
    metrics: dict[str, Any] = {}
    n: Any = None
    for key, value in values.items():
        k = _norm(str(key))
        if k in SUPPORT_KEYS:
            n = _num(value)
        elif _num(value) is not None:
            metrics[GROUP_METRICS.get(k, k)] = value
    return {"name": str(name), "n": n if isinstance(n, int) or n is None else int(n), "metrics": metrics}


def _fairness(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        canon = FAIRNESS_METRICS.get(_norm(str(key)))
        if canon and _num(value) is not None and canon not in out:
            out[canon] = value
    return out


def _finish(out: dict[str, Any], min_support: int) -> dict[str, Any]:
    out["attributes"] = [derive(a, min_support) for a in out["attributes"]]
    if not out.get("protected_declared_by_tool"):
        out["protected_attributes"] = [a["name"] for a in out["attributes"]]
    return out


# ---------------------------------------------------------------------------------------------- adapters


def _is_group_table(value: Any) -> bool:
    """{group: {metric: number}} with at least one group."""
    return (isinstance(value, Mapping) and bool(value)
            and all(isinstance(g, Mapping) and g and any(_num(v) is not None for v in g.values())
                    for g in value.values()))


def _is_metricframe(doc: Mapping[str, Any]) -> bool:
    return "by_group" in doc and isinstance(doc.get("by_group"), Mapping) and bool(doc["by_group"])


def from_metricframe(doc: Mapping[str, Any], file: str) -> dict[str, Any]:
    out = _metadata(doc, "fairlearn-metricframe")
    by_group = doc["by_group"]
    sens = doc.get("sensitive_feature", doc.get("sensitive_features", doc.get("sensitive_attribute")))
    attr_name = sens[0] if isinstance(sens, list) and sens else sens
    attr_name = _str(attr_name) or "sensitive_feature"
    # to_dict()/to_json() default orient is {metric: {group: value}}; orient="index" is {group: {metric: value}}.
    first = next(iter(by_group.values()))
    if not isinstance(first, Mapping):
        raise ArtifactError("fairlearn MetricFrame export: by_group must map metrics to {group: value}", file=file,
                            hint="write MetricFrame.by_group.to_dict() (one column per metric)")
    metric_major = any(_norm(str(k)) in GROUP_METRICS or _norm(str(k)) in SUPPORT_KEYS for k in by_group)
    table: dict[str, dict[str, Any]] = {}
    if metric_major:
        for metric, groups in by_group.items():
            if not isinstance(groups, Mapping):
                raise ArtifactError(f"fairlearn MetricFrame export: by_group.{metric} is not a {{group: value}} map",
                                    file=file)
            for group, value in groups.items():
                table.setdefault(str(group), {})[str(metric)] = value
    else:
        table = {str(g): dict(v) for g, v in by_group.items() if isinstance(v, Mapping)}
    overall = doc.get("overall")
    if isinstance(overall, Mapping):
        out["overall"] = {GROUP_METRICS.get(_norm(str(k)), _norm(str(k))): v for k, v in overall.items()
                          if _num(v) is not None}
    attr = {"name": attr_name, "groups": [_group(g, v) for g, v in table.items()],
            "fairness": _fairness(doc.get("fairness", doc) if isinstance(doc.get("fairness", doc), Mapping) else {})}
    out["attributes"] = [attr]
    return out


def _is_aif360(doc: Mapping[str, Any]) -> bool:
    if {_norm(str(k)) for k in doc} & AIF360_KEYS:
        return True
    per_attr = [v for k, v in doc.items() if isinstance(v, Mapping) and k not in META_KEYS]
    return bool(per_attr) and all({_norm(str(k)) for k in v} & AIF360_KEYS for v in per_attr)


def from_aif360(doc: Mapping[str, Any], file: str) -> dict[str, Any]:
    out = _metadata(doc, "aif360")
    if not {_norm(str(k)) for k in doc} & AIF360_KEYS:  # {attribute: {metric: value}}
        out["attributes"] = [{"name": str(k), "groups": _aif360_groups(v), "fairness": _fairness(v)}
                             for k, v in doc.items() if isinstance(v, Mapping) and k not in META_KEYS]
        return out
    prot = doc.get("protected_attribute", doc.get("protected_attributes"))
    name = (prot[0] if isinstance(prot, list) and prot else prot) or _group_attr(doc.get("privileged_groups"))
    out["attributes"] = [{"name": _str(name) or "protected_attribute", "groups": _aif360_groups(doc),
                          "fairness": _fairness(doc)}]
    if _str(name) is not None:  # AIF360 names the protected attribute
        out["protected_declared_by_tool"] = True
        out["protected_attributes"] = [_str(name)]
    return out


def _aif360_groups(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    for label, key in (("privileged", "num_instances_privileged"), ("unprivileged", "num_instances_unprivileged")):
        if key in doc:
            n = _num(doc[key])
            groups.append({"name": label, "n": None if n is None else int(n), "metrics": {}})
    return groups


def _group_attr(value: Any) -> str | None:
    if isinstance(value, list) and value and isinstance(value[0], Mapping) and value[0]:
        return str(next(iter(value[0])))
    return None


def _attr_name(key: str) -> str:
    """``per_team`` / ``by_sex`` / ``groups_by_age`` -> the attribute's own name."""
    for prefix in ("groups_by_", "metrics_by_", "per_", "by_"):
        if key.lower().startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix):]
    return key


def _is_attr_table(value: Any) -> bool:
    """A group table that is not a block of between-group metrics per attribute (``fairness: {sex: {...}}``)."""
    return _is_group_table(value) and not all(
        all(_norm(str(k)) in FAIRNESS_METRICS for k in g) for g in value.values())


def _tables(doc: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Per-attribute group tables at the top level, or nested one level under a non-table block."""
    out = {str(k): v for k, v in doc.items() if k != "overall" and _is_attr_table(v)}
    for key, value in doc.items():
        if key in ("overall", *META_KEYS) or key in out or not isinstance(value, Mapping):
            continue
        for inner_key, inner in value.items():
            if _is_attr_table(inner) and inner_key not in out:
                out[str(inner_key)] = inner
    return out


def _nested_fairness(doc: Mapping[str, Any], attr: str, single: bool) -> dict[str, Any]:
    """Fairness metrics a report gives per attribute or, for a one-attribute report, in a block of its own
    (``parity: {disparate_impact: ...}``, ``fairness: {sex: {...}}``)."""
    found: dict[str, Any] = {}
    for key, value in doc.items():
        if not isinstance(value, Mapping) or key == "overall":
            continue
        per_attr = value.get(attr)
        if isinstance(per_attr, Mapping):
            found.update({k: v for k, v in _fairness(per_attr).items() if k not in found})
        elif single and not _is_group_table(value):
            found.update({k: v for k, v in _fairness(value).items() if k not in found})
    if single:
        found.update({k: v for k, v in _fairness(doc).items() if k not in found})
    return found


def _is_by_attribute(doc: Mapping[str, Any]) -> bool:
    # With or without an ``overall`` block: a per-attribute group table is the report.
    return bool(_tables(doc))


def from_by_attribute(doc: Mapping[str, Any], file: str) -> dict[str, Any]:
    out = _metadata(doc, "by-attribute")
    overall = doc.get("overall")
    if isinstance(overall, Mapping):
        out["overall"] = {GROUP_METRICS.get(_norm(str(k)), _norm(str(k))): v for k, v in overall.items()
                          if _num(v) is not None and _norm(str(k)) not in SUPPORT_KEYS}
    tables = _tables(doc)
    single = len(tables) == 1
    out["attributes"] = [{"name": _attr_name(k), "groups": [_group(g, m) for g, m in v.items()],
                          "fairness": _nested_fairness(doc, k, single)
                          or _nested_fairness(doc, _attr_name(k), single)}
                         for k, v in tables.items()]
    return out


def _is_group_stats(doc: Mapping[str, Any]) -> bool:
    groups = {k: v for k, v in doc.items() if k != "differences"}
    return isinstance(doc.get("differences"), Mapping) and _is_group_table(groups) and all(
        any(_norm(str(k)) in SUPPORT_KEYS for k in g) for g in groups.values())


def from_group_stats(doc: Mapping[str, Any], file: str) -> dict[str, Any]:
    out = _metadata({}, "group-stats")
    groups = [_group(k, v) for k, v in doc.items() if k != "differences"]
    diffs = {str(k): v for k, v in doc["differences"].items() if _num(v) is not None}
    out["attributes"] = [{"name": "group", "groups": groups, "fairness": {}, "differences": diffs}]
    return out


def _is_patra(doc: Mapping[str, Any]) -> bool:
    meta = doc.get("metadata")
    return isinstance(doc.get("bias_analysis"), Mapping) or (
        isinstance(meta, Mapping) and isinstance(meta.get("fairness_metrics"), Mapping))


def from_patra(doc: Mapping[str, Any], file: str) -> dict[str, Any]:
    out = _metadata({k: v for k, v in doc.items() if k != "model"}, "patra-model-card")
    ai_model = sub(doc, "ai_model")
    out["model"]["name"] = out["model"]["name"] or _str(doc.get("name")) or _str(ai_model.get("name"))
    out["model"]["version"] = out["model"]["version"] or _str(doc.get("version")) or _str(ai_model.get("version"))
    meta = sub(doc, "metadata")
    per_attr = sub(meta, "fairness_metrics")
    attrs = [{"name": str(k), "groups": [], "fairness": _fairness(v)} for k, v in per_attr.items()
             if isinstance(v, Mapping)]
    if not attrs and isinstance(doc.get("bias_analysis"), Mapping):
        attrs = [{"name": "unspecified", "groups": [], "fairness": _fairness(doc["bias_analysis"])}]
    out["attributes"] = attrs
    return out


def _is_native(doc: Mapping[str, Any]) -> bool:
    return doc.get("kind") == NATIVE_KIND


def from_native(doc: Mapping[str, Any], file: str, lines: LineIndex | None = None) -> dict[str, Any]:
    check_native(doc, file, lines)  # every container the gate walks has the right type (else file:line $.path)
    out = {k: v for k, v in doc.items() if k not in ("kind", "schema_version")}
    out.setdefault("format", "aima-gate")
    out["protected_declared_by_tool"] = isinstance(out.get("protected_attributes"), list)
    if isinstance(out.get("attributes"), list):  # anything else is reported by the schema check
        out["attributes"] = [dict(a) if isinstance(a, Mapping) else a for a in out["attributes"]]
    return out


ADAPTERS: list[tuple[str, Callable[[Mapping[str, Any]], bool], Callable[[Mapping[str, Any], str], dict[str, Any]]]] = [
    ("aima-gate", _is_native, from_native),
    ("fairlearn-metricframe", _is_metricframe, from_metricframe),
    ("patra-model-card", _is_patra, from_patra),
    ("aif360", _is_aif360, from_aif360),
    ("group-stats", _is_group_stats, from_group_stats),
    ("by-attribute", _is_by_attribute, from_by_attribute),
]


def normalize(doc: Any, file: str, min_support: int = 1, lines: LineIndex | None = None) -> dict[str, Any]:
    """The normalized report; ``lines`` (the source's line index) places a structure error at its line."""
    if not isinstance(doc, Mapping):
        raise ArtifactError(f"a bias report must be a JSON object, not a {type(doc).__name__}", file=file, line=1)
    for _name, test, adapt in ADAPTERS:
        if test(doc):
            if adapt is from_native:  # by the adapter, not by the document's own "format" value
                return from_native(doc, file, lines)
            return _finish(adapt(doc, file), min_support)
    raise ArtifactError(
        "not a recognised bias report: found no fairlearn MetricFrame export (by_group), AIF360 metrics "
        "(disparate_impact, statistical_parity_difference...), per-attribute group table ({attribute: {group: "
        "{metric: number}}}, at the top level or one level down) or aima-gate report",
        file=file, line=1,
        hint="produce one with `aima-gate evidence fairness`, or export MetricFrame.by_group.to_dict()")
