"""``drift_report``: data drift of a production model, from Evidently or in aima-gate's normalized shape.

Two inputs, detected by content:
- an **Evidently** legacy report (``Report.save_json``, Evidently <= 0.6: ``{version, timestamp, metrics[{metric,
  result}]}`` with ``DatasetDriftMetric`` and ``DataDriftTable``). It names no model, so the model is the name of
  the folder holding the file (``monitoring/drift/<model>/<date>.json``);
- a **normalized** drift report (YAML or JSON) naming the model, version and date, the per-feature tests
  (feature, test such as K-S, statistic, p-value, threshold, drifted) and the team's ``response`` to drift; it
  may take its numbers from an Evidently file instead (``evidently: path/to/report.json``).

Normalized shape: schemas/drift-report.schema.json. ``latest`` is true for the newest report of each model.
Evidently >= 0.7 reports (``metrics[{metric_name, config, value}]``, no timestamp) are read by
:mod:`.drift_evidently`; an undated report counts as its model's latest (fail closed: its drift is gated).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from aima_gate.collectors import CollectContext, Collector, Result
from aima_gate.collectors._latest import is_latest
from aima_gate.collectors.drift_evidently import evidently_current, is_current_layout
from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import Artifact, LineIndex
from aima_gate.engine.dates import parse_date
from aima_gate.safeio.loaders import load_structured


def _is_evidently(doc: Any) -> bool:
    return isinstance(doc, Mapping) and isinstance(doc.get("metrics"), list) and "model" not in doc


def evidently_drift(doc: Mapping[str, Any], file: str, lines: LineIndex) -> dict[str, Any]:
    metrics = doc["metrics"]
    if is_current_layout(metrics):
        return evidently_current(doc, file, lines)
    by_name = {m.get("metric"): m.get("result") or {} for m in metrics if isinstance(m, Mapping)}
    dataset = by_name.get("DatasetDriftMetric") or by_name.get("DataDriftTable")
    if not isinstance(dataset, Mapping) or not isinstance(dataset.get("dataset_drift"), bool):
        raise ArtifactError("Evidently report has no DatasetDriftMetric or DataDriftTable with dataset_drift",
                            file=file, line=lines.line_of("/metrics"), pointer="/metrics",
                            hint="include DataDriftPreset (or DatasetDriftMetric) in the Evidently report")
    features = []
    table = (by_name.get("DataDriftTable") or {}).get("drift_by_columns") or {}
    for col, res in sorted(table.items()):
        test = str(res.get("stattest_name") or "")
        score = res.get("drift_score")
        features.append({"feature": col, "test": test, "statistic": score,
                         "p_value": score if "p_value" in test else None,
                         "threshold": res.get("stattest_threshold"), "drifted": bool(res.get("drift_detected"))})
    return {"format": "evidently-legacy", "evidently_version": doc.get("version"),
            "date": _iso(doc.get("timestamp"), file, lines, "/timestamp"),
            "dataset_drift": dataset["dataset_drift"], "drift_share": dataset.get("drift_share"),
            "share_of_drifted_columns": dataset.get("share_of_drifted_columns"),
            "number_of_columns": dataset.get("number_of_columns"),
            "number_of_drifted_columns": dataset.get("number_of_drifted_columns"), "features": features}


def _iso(value: Any, file: str, lines: LineIndex, pointer: str) -> str:
    date = parse_date(value)
    if date is None:
        raise ArtifactError(f"{pointer[1:] or 'date'} {value!r} is not a date or timestamp", file=file,
                            line=lines.line_of(pointer), pointer=pointer, hint="use ISO 8601, e.g. 2026-11-20")
    return date.isoformat()


def parse_drift(ctx: CollectContext, file: str) -> tuple[dict[str, Any], LineIndex, tuple[tuple[str, str, str], ...]]:
    doc, lines = load_structured(ctx.repo.read_text(file), file)
    refs: tuple[tuple[str, str, str], ...] = ()
    if _is_evidently(doc):
        data = evidently_drift(doc, file, lines)
        if data["date"] is None:  # Evidently >= 0.7 writes no timestamp: monitoring/drift/<model>/<date>.json
            named = parse_date(posixpath.splitext(posixpath.basename(file))[0])
            data["date"] = named.isoformat() if named else None
        data.update({"model": posixpath.basename(posixpath.dirname(file)) or None, "model_version": None,
                     "response": None})
        return data, LineIndex({"/date": lines.line_of("/timestamp") or 1, "/dataset_drift": 1}), refs
    if not isinstance(doc, Mapping) or not doc.get("model"):
        raise ArtifactError("not a drift report: expected an Evidently report or a mapping with model, date and "
                            "dataset_drift/features", file=file, line=1)
    line_map = {f"/{k}": lines.line_of(f"/{k}") or 1 for k in doc}
    if doc.get("evidently"):
        ptr_line = lines.line_of("/evidently")
        path = ctx.repo.resolve_reference(str(doc["evidently"]), base_file=file, line=ptr_line)
        if not ctx.repo.exists(path):
            raise ArtifactError(f"evidently references {path}, which does not exist", file=file, line=ptr_line,
                                pointer="/evidently")
        inner, inner_lines = load_structured(ctx.repo.read_text(path), path)
        if not _is_evidently(inner):
            raise ArtifactError(f"{path} is not an Evidently report", file=file, line=ptr_line, pointer="/evidently")
        data = evidently_drift(inner, path, inner_lines)
        refs = (("evidence", path, "/evidently"),)
    else:
        features = doc.get("features") or []
        if not isinstance(features, list) or not all(isinstance(f, Mapping) for f in features):
            raise ArtifactError("features must be a list of {feature, test, statistic, p_value, threshold, drifted}",
                                file=file, line=lines.line_of("/features"), pointer="/features")
        drift = doc.get("dataset_drift")
        if drift is None and features:
            drift = any(bool(f.get("drifted")) for f in features)
        if not isinstance(drift, bool):
            raise ArtifactError("dataset_drift (true/false) or per-feature results are required", file=file,
                                line=lines.line_of("/dataset_drift") or 1, pointer="/dataset_drift")
        data = {"format": "normalized", "dataset_drift": drift, "drift_share": doc.get("drift_share"),
                "features": [dict(f) for f in features]}
        for i in range(len(features)):
            line_map[f"/features/{i}"] = lines.line_of(f"/features/{i}") or 1
    if doc.get("date") is not None or "date" not in data:
        data["date"] = _iso(doc.get("date"), file, lines, "/date")
    response = doc.get("response")
    if response is not None and not isinstance(response, Mapping):
        raise ArtifactError("response must be a mapping {addressed, ticket, by, date, note}", file=file,
                            line=lines.line_of("/response"), pointer="/response")
    for key in ("addressed", "ticket", "note"):
        if response and key in response:
            line_map[f"/response/{key}"] = lines.line_of(f"/response/{key}") or 1
    data.update({"model": str(doc["model"]), "model_version": None if doc.get("model_version") is None
                 else str(doc["model_version"]), "response": dict(response) if response else None})
    return data, LineIndex(line_map), refs


class DriftReportCollector(Collector):
    kind: ClassVar[str] = "drift_report"
    default_paths: ClassVar[tuple[str, ...]] = ("monitoring/drift/**/*.{json,yml,yaml}",
                                                "**/drift-report*.{json,yml,yaml}", "**/drift_report*.{json,yml,yaml}")
    description: ClassVar[str] = "Data drift reports (Evidently 0.4-0.7 JSON or normalized YAML/JSON)"

    def parse(self, ctx: CollectContext, file: str) -> Iterable[Result]:
        data, lines, refs = parse_drift(ctx, file)
        features = data.get("features") or []
        data["drifted_features"] = [f.get("feature") for f in features if f.get("drifted")]
        paths = ctx.options.get("paths") or self.default_paths

        def key_date(other: str) -> tuple[str, str] | None:
            d, _, _ = parse_drift(ctx, other)
            return (str(d["model"]), str(d["date"])) if d.get("model") and d.get("date") else None

        # An undated report cannot be shown to be superseded, so it is gated as the latest (fail closed).
        data["latest"] = data.get("date") is None or is_latest(ctx.repo, self.kind, paths, file, str(data["model"]),
                                                               data.get("date"), key_date)
        name = f"{data['model']}@{data['date']}"
        yield Artifact(kind=self.kind, name=name, file=file, data=data, line=1, lines=lines, references=refs)
