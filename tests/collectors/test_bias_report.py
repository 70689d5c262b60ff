"""``bias_report`` adapters on real fairness outputs (tests/data/fairness-bias) and on real fairlearn exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.collectors.bias_formats import normalize
from aima_gate.core.errors import AimaGateError
from aima_gate.core.model import LineIndex
from aima_gate.safeio.validation import schema_errors
from tests.conftest import DATA, TODAY, run_cli, write

SAMPLES = DATA / "fairness-bias"


def load(name: str) -> dict[str, Any]:
    data = normalize(json.loads((SAMPLES / name).read_text(encoding="utf-8")), name)
    assert not schema_errors(data, "bias-report.schema.json", file=name, lines=LineIndex({}),
                             error_cls=AimaGateError)
    return data


def attrs(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["name"]: a for a in data["attributes"]}


def test_every_sample_is_covered() -> None:
    assert {p.name for p in SAMPLES.iterdir()} == {
        "bygroup_auc_selection_rate_fairness_report.json",
        "llm_output_bias_report_group_stats_and_differences.json",
        "patra_toolkit_model_card_with_fairness_metrics.json"}


def test_by_attribute_export_gets_groups_support_and_derived_ratio() -> None:
    data = load("bygroup_auc_selection_rate_fairness_report.json")
    assert data["format"] == "by-attribute"
    a = attrs(data)
    assert set(a) == {"sex", "age_band", "frailty_tercile"}
    assert [(g["name"], g["n"]) for g in a["sex"]["groups"]] == [("F", 2099), ("M", 2101)]
    assert a["sex"]["groups"][0]["metrics"] == {"auc": 0.6945, "selection_rate": 0.2039}
    # selection rates 0.129 .. 0.3171: min/max = 0.4068 (fails four-fifths)
    assert a["age_band"]["fairness"]["disparate_impact"] == pytest.approx(0.129 / 0.3171, abs=1e-6)
    assert data["model"] == {"name": None, "version": None, "sha256": None}
    assert data["overall"] == {"auc": 0.699, "selection_rate": 0.2}


def test_group_stats_without_rates_has_no_invented_metrics() -> None:
    data = load("llm_output_bias_report_group_stats_and_differences.json")
    (attr,) = data["attributes"]
    assert [(g["name"], g["n"]) for g in attr["groups"]] == [("male", 118), ("female", 118)]
    assert attr["fairness"] == {}  # no selection rates: nothing to derive, the DI policy fails rather than passes
    assert attr["differences"]["advice_quality_diff"] == pytest.approx(0.3055, abs=1e-4)


def test_patra_card_fairness_metrics_map_to_canonical_names() -> None:
    data = load("patra_toolkit_model_card_with_fairness_metrics.json")
    assert data["model"]["name"] == "RF Re-weighed Hiring Model" and data["model"]["version"] == "1.0"
    a = attrs(data)
    assert a["race_white"]["fairness"]["disparate_impact"] == pytest.approx(0.34605762994533495)
    # equalized odds = the larger of the TPR and FPR gaps
    assert a["race_white"]["fairness"]["equalized_odds_difference"] == pytest.approx(0.1628937348563516)
    assert a["sex_male"]["groups"] == []


def test_real_fairlearn_metricframe_export() -> None:
    import pandas as pd
    from fairlearn.metrics import MetricFrame, count, selection_rate, true_positive_rate

    y_true = pd.Series([1, 0, 1, 1, 0, 0, 1, 0, 1, 1])
    y_pred = pd.Series([1, 0, 1, 0, 0, 1, 1, 0, 0, 1])
    sex = pd.Series(["f", "f", "f", "f", "f", "m", "m", "m", "m", "m"], name="sex")
    mf = MetricFrame(metrics={"selection_rate": selection_rate, "true_positive_rate": true_positive_rate,
                              "count": count}, y_true=y_true, y_pred=y_pred, sensitive_features=sex)
    doc = {"model": {"name": "m", "version": "1"}, "sensitive_feature": "sex",
           "overall": json.loads(mf.overall.to_json()), "by_group": json.loads(mf.by_group.to_json())}
    data = normalize(doc, "mf.json")
    (attr,) = data["attributes"]
    assert data["format"] == "fairlearn-metricframe" and attr["name"] == "sex"
    assert {g["name"]: g["n"] for g in attr["groups"]} == {"f": 5, "m": 5}
    assert attr["groups"][0]["metrics"]["tpr"] == pytest.approx(2 / 3)
    assert attr["fairness"]["disparate_impact"] == pytest.approx(0.4 / 0.6, abs=1e-6)


def test_aif360_metric_dump() -> None:
    doc = {"model_name": "m", "model_version": "2", "protected_attribute": "race",
           "disparate_impact": 0.71, "statistical_parity_difference": -0.12, "equal_opportunity_difference": -0.04,
           "average_odds_difference": -0.05, "num_instances_privileged": 800, "num_instances_unprivileged": 200}
    data = normalize(doc, "aif.json")
    (attr,) = data["attributes"]
    assert data["format"] == "aif360" and attr["name"] == "race"
    assert attr["fairness"]["demographic_parity_difference"] == -0.12
    assert [g["n"] for g in attr["groups"]] == [800, 200]


@pytest.mark.parametrize("doc", [{"accuracy": 0.9}, {"model": "m"}, [1, 2], {"overall": 1, "by_group": []}])
def test_unknown_shape_is_an_error_naming_the_file(doc: Any, tmp_path: Path) -> None:
    write(tmp_path, "registry/models.yml", 'models:\n  - {name: m, version: "1", bias_report: ../r/bias.json}\n')
    write(tmp_path, "r/bias.json", json.dumps(doc))
    proc = run_cli("check", str(tmp_path), "--today", TODAY.isoformat(),
                   "--policy", "model.bias-report-matches-version")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "r/bias.json" in proc.stdout and "bias report" in proc.stdout
    assert "Traceback" not in proc.stderr


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                        max_size=5), max_leaves=25)
keys = st.sampled_from(["overall", "by_group", "sex", "differences", "count", "n", "selection_rate", "bias_analysis",
                        "metadata", "fairness_metrics", "disparate_impact", "kind", "model", "attributes", "F", "tpr"])
shaped = st.recursive(st.none() | st.integers(-5, 5) | st.floats(allow_nan=True) | st.text(max_size=4)
                      | st.just("bias_report"),
                      lambda inner: st.dictionaries(keys, inner, max_size=5) | st.lists(inner, max_size=3),
                      max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, shaped))
def test_no_input_crashes_the_adapters(doc: Any) -> None:
    try:
        data = normalize(doc, "x.json")
    except AimaGateError:
        return
    schema_errors(data, "bias-report.schema.json", file="x.json", lines=LineIndex({}), error_cls=AimaGateError)
