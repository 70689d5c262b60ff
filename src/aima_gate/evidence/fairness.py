"""Compute a normalized bias report from a predictions CSV with fairlearn (``aima-gate[fairness]``).

Used by ``aima-gate evidence fairness`` so a team without a fairness report can produce one in CI. The output is
the native ``bias_report`` document (``schemas/bias-report.schema.json``, ``kind: bias_report``): per protected
attribute, groups with support n and selection rate / TPR / FPR, and fairlearn's demographic parity ratio
(reported as disparate impact) and difference, equalized odds difference and equal opportunity difference.
fairlearn and pandas are imported only here.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aima_gate.core.errors import ConfigError, InputError

MAX_CSV_BYTES = 512 * 1024 * 1024


def _binary(series: Any, column: str, pos_label: str | None, file: str) -> Any:
    values = series.astype(str).str.strip()
    if pos_label is not None:
        return (values == pos_label).astype(int)
    seen = set(values.unique())
    for positive, negative in (("1", "0"), ("true", "false"), ("True", "False"), ("1.0", "0.0"), ("yes", "no")):
        if seen <= {positive, negative}:
            return (values == positive).astype(int)
    shown = ", ".join(sorted(seen)[:5])
    raise InputError(f"column {column!r} is not binary 0/1 (values: {shown})", file=file,
                     hint="pass --pos-label VALUE to say which value is the positive outcome")


def _round(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else round(number, 6)


def compute_report(predictions: Path, *, label: str, prediction: str, sensitive: Sequence[str],
                   model: str | None, version: str | None, pos_label: str | None = None,
                   now: _dt.datetime, dataset: str | None = None,
                   bootstrap: int = 0) -> dict[str, Any]:
    try:
        import fairlearn
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]
        from fairlearn.metrics import (
            MetricFrame,
            count,
            demographic_parity_difference,
            demographic_parity_ratio,
            equalized_odds_difference,
            false_positive_rate,
            selection_rate,
            true_positive_rate,
        )
    except ImportError:
        raise ConfigError("computing a fairness report needs fairlearn",
                          hint="pip install 'aima-gate[fairness]'") from None
    file = str(predictions)
    if not predictions.is_file():
        raise InputError("predictions file does not exist", file=file)
    if predictions.stat().st_size > MAX_CSV_BYTES:
        raise InputError(f"predictions file is over {MAX_CSV_BYTES:,} bytes", file=file)
    try:
        frame = pd.read_csv(predictions, dtype=str, keep_default_na=False, encoding="utf-8")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot read the predictions CSV: {str(exc).splitlines()[0]}", file=file) from None
    missing = [c for c in (label, prediction, *sensitive) if c not in frame.columns]
    if missing:
        raise InputError(f"column(s) {', '.join(map(repr, missing))} not in the CSV "
                         f"(columns: {', '.join(map(str, frame.columns[:20]))})", file=file)
    if frame.empty:
        raise InputError("the predictions CSV has no rows", file=file)
    y_true = _binary(frame[label], label, pos_label, file)
    y_pred = _binary(frame[prediction], prediction, pos_label, file)
    metrics = {"selection_rate": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate,
               "count": count}
    attributes = []
    for attr in sensitive:
        groups_col = frame[attr]
        boot = {"n_boot": bootstrap, "ci_quantiles": [0.025, 0.975], "random_state": 0} if bootstrap else {}
        mf = MetricFrame(metrics=metrics, y_true=y_true, y_pred=y_pred, sensitive_features=groups_col, **boot)
        groups = []
        for group, row in mf.by_group.iterrows():
            entry: dict[str, Any] = {"name": str(group), "n": int(row["count"]),
                                     "metrics": {k: v for k in ("selection_rate", "tpr", "fpr")
                                                 if (v := _round(row[k])) is not None}}
            if bootstrap:
                lo, hi = (ci.loc[group] for ci in mf.by_group_ci)
                bounds = {k: [_round(lo[k]), _round(hi[k])] for k in entry["metrics"]}
                entry["confidence_intervals"] = {k: v for k, v in bounds.items() if None not in v}
            groups.append(entry)
        fairness = {
            "disparate_impact": _round(demographic_parity_ratio(y_true, y_pred, sensitive_features=groups_col)),
            "demographic_parity_difference": _round(
                demographic_parity_difference(y_true, y_pred, sensitive_features=groups_col)),
            "equalized_odds_difference": _round(
                equalized_odds_difference(y_true, y_pred, sensitive_features=groups_col)),
            "equal_opportunity_difference": _round(mf.difference()["tpr"]),
        }
        attribute: dict[str, Any] = {"name": attr, "groups": groups,
                                     "fairness": {k: v for k, v in fairness.items() if v is not None}}
        if bootstrap:  # 95% bootstrap intervals (fairlearn MetricFrame n_boot)
            ratio_lo, ratio_hi = mf.ratio_ci()
            diff_lo, diff_hi = mf.difference_ci()
            intervals = {"disparate_impact": [_round(ratio_lo["selection_rate"]), _round(ratio_hi["selection_rate"])],
                         "equal_opportunity_difference": [_round(diff_lo["tpr"]), _round(diff_hi["tpr"])]}
            attribute["confidence_intervals"] = {k: v for k, v in intervals.items() if None not in v}
        attributes.append(attribute)
    overall = MetricFrame(metrics={"selection_rate": selection_rate, "tpr": true_positive_rate,
                                   "fpr": false_positive_rate}, y_true=y_true, y_pred=y_pred,
                          sensitive_features=frame[sensitive[0]]).overall
    moment = now.replace(microsecond=0)  # from the run's clock: --today pins it
    return {
        "kind": "bias_report",
        "schema_version": "1",
        "format": "aima-gate",
        "model": {"name": model, "version": version, "sha256": None},
        "dataset": dataset or predictions.name,
        "generated_at": moment.isoformat().replace("+00:00", "Z"),
        "tool": {"name": "fairlearn", "version": str(fairlearn.__version__)},
        "overall": {k: v for k in ("selection_rate", "tpr", "fpr") if (v := _round(overall[k])) is not None},
        "protected_attributes": list(sensitive),
        "attributes": attributes,
    }
