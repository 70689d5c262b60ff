"""Evidently >= 0.7 reports (``Snapshot.save_json()`` / ``.json()`` / ``.dict()``) as drift evidence.

Layout (evidently 0.7.x, e.g. 0.7.23 with ``DataDriftPreset``): ``{"metrics": [{"id", "metric_name", "config":
{"type": "evidently:metric_v2:<Name>", ...params}, "value"}], "tests": [...]}``; the 0.6 preview API wrote the
same list with ``metric_id`` (the name with its parameters) and ``value``. Read here:

- ``DriftedColumnsCount`` (``value: {count, share}``, parameter ``drift_share``): dataset drift when the share
  of drifted columns reaches ``drift_share`` (Evidently's own rule: its test passes when share < drift_share);
- ``ValueDrift`` (parameters ``column``, ``method``, ``threshold``; ``value`` is the test's score): a column
  drifted when a p-value method's score is below the threshold (K-S: at or below), or a distance method's score
  reaches it, as Evidently's stat tests decide.

The file carries no timestamp and no model: the model is the folder name (``monitoring/drift/<model>/...``) and
the date is the file name when it is an ISO date (``2026-11-20.json``), else null; or wrap it in a normalized
drift report (``model``, ``model_version``, ``date``, ``evidently: path``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import LineIndex

_PARAM = re.compile(r"(\w+)=([^,()]*)")


def is_current_layout(metrics: list[Any]) -> bool:
    first = metrics[0] if metrics else None
    return isinstance(first, Mapping) and ("metric_id" in first or "metric_name" in first or "config" in first)


def _metric(item: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """(metric name, parameters) from ``config`` (0.7) or the name string ``Name(k=v,...)`` (0.6 preview)."""
    config = item.get("config")
    label = str(item.get("metric_name") or item.get("metric_id") or "")
    if isinstance(config, Mapping) and isinstance(config.get("type"), str):
        return config["type"].rsplit(":", 1)[-1], {k: v for k, v in config.items() if k != "type"}
    name, _, rest = label.partition("(")
    params: dict[str, Any] = {}
    for key, raw in _PARAM.findall(rest):
        try:
            params[key] = float(raw)
        except ValueError:
            params[key] = raw.strip()
    return name.strip(), params


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def evidently_current(doc: Mapping[str, Any], file: str, lines: LineIndex) -> dict[str, Any]:
    count: Mapping[str, Any] | None = None
    drift_share: float | None = None
    features: list[dict[str, Any]] = []
    for i, item in enumerate(doc["metrics"]):
        if not isinstance(item, Mapping):
            continue
        name, params = _metric(item)
        value = item.get("value")
        if name == "DriftedColumnsCount" and isinstance(value, Mapping):
            count, drift_share = value, _number(params.get("drift_share"))
        elif name == "ValueDrift":
            score, threshold = _number(value), _number(params.get("threshold"))
            method = str(params.get("method") or "")
            if score is None or threshold is None or not params.get("column"):
                raise ArtifactError("Evidently ValueDrift without column, threshold or numeric value", file=file,
                                    line=lines.line_of(f"/metrics/{i}"), pointer=f"/metrics/{i}")
            p_value = "p_value" in method
            drifted = (score <= threshold if method.startswith("K-S") else score < threshold) if p_value \
                else score >= threshold
            features.append({"feature": str(params["column"]), "test": method, "statistic": score,
                             "p_value": score if p_value else None, "threshold": threshold, "drifted": drifted})
    share = _number(count.get("share")) if count is not None else None
    if share is None or drift_share is None:
        raise ArtifactError("Evidently report has no DriftedColumnsCount metric (drift_share, value.share)",
                            file=file, line=lines.line_of("/metrics") or 1, pointer="/metrics",
                            hint="run the report with DataDriftPreset (or DriftedColumnsCount)")
    drifted_count = _number(count.get("count")) if count is not None else None
    return {"format": "evidently", "evidently_version": None, "date": None, "dataset_drift": share >= drift_share,
            "drift_share": drift_share, "share_of_drifted_columns": share,
            "number_of_columns": len(features) or None,
            "number_of_drifted_columns": None if drifted_count is None else int(drifted_count),
            "features": sorted(features, key=lambda f: f["feature"])}
