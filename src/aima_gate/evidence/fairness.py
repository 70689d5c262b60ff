"""Compute a normalized bias report from a predictions CSV with fairlearn (``aima-gate[fairness]``).

Used by ``aima-gate evidence fairness`` so a team without a fairness report can produce one in CI. The output is
the native ``bias_report`` document (``schemas/bias-report.schema.json``, ``kind: bias_report``): per protected
attribute, groups with support n and selection rate / TPR / FPR, and fairlearn's demographic parity ratio
(reported as disparate impact) and difference, equalized odds difference and equal opportunity difference.
fairlearn and pandas are imported only here.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import math
from collections.abc import Mapping, Sequence
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
    if _numeric(values) is not None:  # scores or probabilities: the decision needs a cut-off, not a label
        raise InputError(f"column {column!r} holds scores, not 0/1 decisions (values: {shown})", file=file,
                         hint="pass --threshold T to turn scores >= T into positive decisions")
    raise InputError(f"column {column!r} is not binary 0/1 (values: {shown})", file=file,
                     hint="pass --pos-label VALUE to say which value is the positive outcome")


def _numeric(values: Any) -> Any:
    """The column as floats when every value is a number, else None."""
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]

    numbers = pd.to_numeric(values, errors="coerce")
    return None if numbers.isna().any() else numbers


def _decisions(series: Any, column: str, threshold: float, file: str) -> Any:
    """A score or probability column turned into decisions: score >= threshold is positive."""
    numbers = _numeric(series.astype(str).str.strip())
    if numbers is None:
        raise InputError(f"--threshold needs numeric scores, but column {column!r} has non-numeric values",
                         file=file)
    return (numbers >= threshold).astype(int)


MAX_NUMERIC_GROUPS = 10
"""A numeric sensitive column with more distinct values than this is a measurement (age), not a group label."""


def _sensitive(series: Any, column: str, edges: Sequence[float] | None, file: str) -> Any:
    """Group labels for a sensitive column; a numeric column is binned (``--bins``) or refused.

    Read as is, an age column becomes one group per age (69 groups of 1-6 rows), whose selection rates are
    noise and whose disparate impact is 0.0: a verdict about nothing."""
    import pandas as pd

    values = series.astype(str).str.strip()
    numbers = _numeric(values)
    if edges:
        if numbers is None:
            raise InputError(f"--bins for {column!r}: the column has non-numeric values", file=file)
        cuts = sorted(set(edges))
        labels = [f"[{a:g}, {b:g})" for a, b in itertools.pairwise(cuts)]
        binned = pd.cut(numbers, bins=cuts, right=False, labels=labels)
        if binned.isna().any():
            raise InputError(f"--bins for {column!r}: values outside [{cuts[0]:g}, {cuts[-1]:g})", file=file,
                             hint="widen the first and last bin edges")
        return binned.astype(str)
    if numbers is not None and values.nunique() > MAX_NUMERIC_GROUPS:
        raise InputError(f"sensitive column {column!r} is numeric with {values.nunique()} distinct values: each "
                         "value would be a group of its own", file=file,
                         hint=f"bin it, e.g. --bins {column}=0,30,45,65,120 (left-closed bins)")
    return values


def parse_bins(specs: Sequence[str]) -> dict[str, list[float]]:
    """``--bins age=0,30,45,65,120`` -> {"age": [0, 30, 45, 65, 120]}."""
    out: dict[str, list[float]] = {}
    for spec in specs:
        column, sep, raw = spec.partition("=")
        try:
            edges = [float(x) for x in raw.split(",") if x.strip()]
        except ValueError:
            edges = []
        if not sep or not column.strip() or len(edges) < 3:
            raise ConfigError(f"--bins {spec!r}: expected COLUMN=EDGE,EDGE,EDGE (at least two bins)")
        out[column.strip()] = edges
    return out


def _round(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else round(number, 6)


def compute_report(predictions: Path, *, label: str, prediction: str, sensitive: Sequence[str],
                   model: str | None, version: str | None, pos_label: str | None = None,
                   now: _dt.datetime, dataset: str | None = None,
                   bootstrap: int = 0, threshold: float | None = None,
                   bins: Mapping[str, Sequence[float]] | None = None, min_support: int = 30) -> dict[str, Any]:
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
    y_pred = (_binary(frame[prediction], prediction, pos_label, file) if threshold is None
              else _decisions(frame[prediction], prediction, threshold, file))
    unknown = sorted(set(bins or {}) - set(sensitive))
    if unknown:
        raise ConfigError(f"--bins names {', '.join(map(repr, unknown))}, which is not a --sensitive column")
    metrics = {"selection_rate": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate,
               "count": count}
    attributes = []
    for attr in sensitive:
        groups_col = _sensitive(frame[attr], attr, (bins or {}).get(attr), file)
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
        # Groups below the minimum support stay out of the between-group ratios (reported in excluded_groups).
        small = {g["name"]: g["n"] for g in groups if g["n"] < min_support}
        keep = ~groups_col.astype(str).isin(list(small)) if small else None
        yt, yp, gc = (y_true, y_pred, groups_col) if keep is None else (y_true[keep], y_pred[keep], groups_col[keep])
        fairness: dict[str, float | None] = {}
        if gc.nunique() >= 2:
            fairness = {
                "disparate_impact": _round(demographic_parity_ratio(yt, yp, sensitive_features=gc)),
                "demographic_parity_difference": _round(demographic_parity_difference(yt, yp, sensitive_features=gc)),
                "equalized_odds_difference": _round(equalized_odds_difference(yt, yp, sensitive_features=gc)),
                "equal_opportunity_difference": _round(
                    MetricFrame(metrics={"tpr": true_positive_rate}, y_true=yt, y_pred=yp,
                                sensitive_features=gc).difference()["tpr"]),
            }
        attribute: dict[str, Any] = {"name": attr, "groups": groups,
                                     "fairness": {k: v for k, v in fairness.items() if v is not None}}
        if small:
            attribute["excluded_groups"] = [{"name": name, "n": n, "reason": f"fewer than {min_support} rows"}
                                            for name, n in small.items()]
        if bootstrap:  # 95% bootstrap intervals (fairlearn MetricFrame n_boot)
            ratio_lo, ratio_hi = mf.ratio_ci()
            diff_lo, diff_hi = mf.difference_ci()
            intervals = {"disparate_impact": [_round(ratio_lo["selection_rate"]), _round(ratio_hi["selection_rate"])],
                         "equal_opportunity_difference": [_round(diff_lo["tpr"]), _round(diff_hi["tpr"])]}
            attribute["confidence_intervals"] = {k: v for k, v in intervals.items() if None not in v}
        attributes.append(attribute)
    overall = MetricFrame(metrics={"selection_rate": selection_rate, "tpr": true_positive_rate,
                                   "fpr": false_positive_rate}, y_true=y_true, y_pred=y_pred,
                          sensitive_features=frame[sensitive[0]].astype(str)).overall
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
