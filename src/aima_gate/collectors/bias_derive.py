"""Between-group fairness metrics derived from a report's groups (shared by every bias report adapter)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def num(v: Any) -> float | int | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return None if isinstance(v, float) and (math.isnan(v) or math.isinf(v)) else v


def finite_float(v: Any) -> float | None:
    """A finite number as a float, or None (also for an integer too large for a float)."""
    n = num(v)
    if n is None:
        return None
    try:
        f = float(n)
    except OverflowError:
        return None
    return f if math.isfinite(f) else None


def derive(attr: dict[str, Any], min_support: int = 1) -> dict[str, Any]:
    """Fill the fairness metrics the groups determine (ratio/difference of selection rates, equalized odds).

    A group with fewer than ``min_support`` rows (always one with none) stays out of the derived ratios: an
    empty group's "rate 0" would make disparate impact 0.0, and a handful of rows gives a rate that is noise.
    Such groups are listed in ``excluded_groups`` (and still fail bias_report.min-group-support).
    """
    fair = attr.setdefault("fairness", {})
    groups = [g for g in attr.get("groups", []) if isinstance(g.get("metrics"), Mapping)]
    small = [g for g in groups if isinstance(g.get("n"), int) and g["n"] < max(min_support, 1)]
    if small:
        attr["excluded_groups"] = [
            {"name": g["name"], "n": g["n"],
             "reason": "no rows" if g["n"] == 0 else f"fewer than {min_support} rows"} for g in small]
        groups = [g for g in groups if g not in small]

    def rates(metric: str) -> list[float]:
        # Only values arithmetic can use: an integer beyond float range (JSON allows 1e400 written out) stays in
        # the metrics, where the schema's bounds name it with its path, instead of overflowing a ratio here.
        return [v for v in (finite_float(g["metrics"].get(metric)) for g in groups) if v is not None]

    derived: dict[str, float] = {}
    sel = rates("selection_rate")
    if len(sel) >= 2:
        hi, lo = max(sel), min(sel)
        derived["disparate_impact"] = round(lo / hi, 6) if hi > 0 else 0.0
        derived["demographic_parity_difference"] = round(hi - lo, 6)
    tpr, fpr = rates("tpr"), rates("fpr")
    if len(tpr) >= 2:
        derived["equal_opportunity_difference"] = round(max(tpr) - min(tpr), 6)
    if len(tpr) >= 2 and len(fpr) >= 2:
        derived["equalized_odds_difference"] = round(max(max(tpr) - min(tpr), max(fpr) - min(fpr)), 6)
    for key, value in derived.items():
        if small and key in fair and fair[key] != value:
            # The tool's figure includes the excluded groups; the gate uses the one without them and keeps both.
            attr.setdefault("reported_fairness", {})[key] = fair[key]
            fair[key] = value
        else:
            fair.setdefault(key, value)
    if "equalized_odds_difference" not in fair:
        parts = [abs(f) for f in (finite_float(fair.get(k)) for k in ("equal_opportunity_difference",
                                                                 "false_positive_rate_difference")) if f is not None]
        if len(parts) == 2:
            fair["equalized_odds_difference"] = max(parts)
    return attr
