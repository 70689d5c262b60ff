"""Bias reports as teams have them: no ``overall``, nested metrics, other support names, empty groups, and
protected attributes declared per model (tests/data/fairness-bias holds the real delirium-risk report)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aima_gate.collectors.bias_formats import normalize
from tests.conftest import DATA, check_json, write
from tests.realcomponents import module

DELIRIUM = (DATA / "fairness-bias" / "bygroup_auc_selection_rate_fairness_report.json").read_text(encoding="utf-8")


def test_group_table_without_overall_is_read() -> None:
    data = normalize({"sex": {"F": {"selection_rate": 0.5, "count": 40}, "M": {"selection_rate": 0.6, "count": 50}}},
                     "r.json")
    (attr,) = data["attributes"]
    assert data["format"] == "by-attribute" and attr["name"] == "sex"
    assert attr["fairness"]["disparate_impact"] == pytest.approx(0.5 / 0.6, abs=1e-6)


@pytest.mark.parametrize("key", ["Total", "count", "support", "n", "N"])
def test_group_size_names(key: str) -> None:
    data = normalize({"sex": {"F": {"selection_rate": 0.5, key: 41}, "M": {"selection_rate": 0.6, key: 52}}}, "r.json")
    assert [g["n"] for g in data["attributes"][0]["groups"]] == [41, 52]


def test_metrics_nested_one_level() -> None:
    doc = {"model": {"name": "router", "version": "2"},
           "parity": {"disparate_impact": 0.91, "demographic_parity_difference": 0.03},
           "per_team": {"billing": {"selection_rate": 0.33, "support": 412},
                        "platform": {"selection_rate": 0.30, "support": 388}}}
    (attr,) = normalize(doc, "r.json")["attributes"]
    assert attr["name"] == "team"
    assert [(g["name"], g["n"]) for g in attr["groups"]] == [("billing", 412), ("platform", 388)]
    assert attr["fairness"]["disparate_impact"] == 0.91  # the report's own figure, not re-derived


def test_tables_nested_under_a_block_with_per_attribute_fairness() -> None:
    doc = {"results": {"sex": {"F": {"selection_rate": 0.4, "n": 100}, "M": {"selection_rate": 0.5, "n": 100}}},
           "fairness": {"sex": {"equalized_odds_difference": 0.04}}}
    (attr,) = normalize(doc, "r.json")["attributes"]
    assert attr["name"] == "sex" and attr["fairness"]["equalized_odds_difference"] == 0.04
    assert attr["fairness"]["disparate_impact"] == pytest.approx(0.8)


def test_empty_and_small_groups_stay_out_of_the_ratio_and_are_reported() -> None:
    doc = {"region": {"north": {"selection_rate": 0.42, "n": 950}, "south": {"selection_rate": 0.30, "n": 880},
                      "islands": {"selection_rate": 0.0, "n": 0}, "enclave": {"selection_rate": 0.9, "n": 4}}}
    (attr,) = normalize(doc, "r.json", min_support=30)["attributes"]
    assert attr["fairness"]["disparate_impact"] == pytest.approx(0.30 / 0.42, abs=1e-6)  # not 0.0
    assert attr["excluded_groups"] == [{"name": "islands", "n": 0, "reason": "no rows"},
                                       {"name": "enclave", "n": 4, "reason": "fewer than 30 rows"}]
    # the groups themselves stay, so bias_report.min-group-support still fails them
    assert {g["name"] for g in attr["groups"]} == {"north", "south", "islands", "enclave"}


def _di_findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["policy_id"] == "bias_report.disparate-impact"]


def test_without_a_declaration_every_attribute_is_gated(tmp_path: Path) -> None:
    write(tmp_path, "reports/fairness-report.json", DELIRIUM)
    code, report = check_json(tmp_path, "--policy", "bias_report.disparate-impact")
    (finding,) = _di_findings(report)
    assert code == 1 and finding["status"] == "fail"


@pytest.mark.parametrize("where", ["registry", "config"])
def test_a_declared_clinical_risk_factor_is_reported_not_gated(tmp_path: Path, where: str) -> None:
    write(tmp_path, "reports/fairness-report.json", DELIRIUM)
    if where == "registry":
        write(tmp_path, "registry/models.yml", "models:\n  - {name: delirium, version: '1', owner: t, risk_tier: high,"
              " protected_attributes: [sex], bias_report: ../reports/fairness-report.json}\n")
    else:
        write(tmp_path, ".aima-gate.yml", "version: 1\nartifacts:\n  bias_report:\n    protected_attributes: [sex]\n")
    code, report = check_json(tmp_path, "--policy", "bias_report.disparate-impact")
    (finding,) = _di_findings(report)
    assert code == 0 and finding["status"] == "pass", json.dumps(finding, indent=1)


def test_undated_report_fails_freshness_without_turning_the_run_into_exit_2(tmp_path: Path) -> None:
    write(tmp_path, "reports/fairness-report.json", DELIRIUM)
    code, report = check_json(tmp_path, "--policy", "bias_report.fresh")
    (finding,) = [f for f in report["findings"] if f["policy_id"] == "bias_report.fresh"]
    assert code == 1 and finding["status"] == "fail"
    assert "no date given" in json.dumps(finding)


def test_real_fairlearn_per_attribute_tables_without_overall() -> None:
    """What a team writes with fairlearn when it exports one MetricFrame per attribute and no overall block."""
    pd = module("pandas")
    metrics_mod = module("fairlearn.metrics")
    y_true = pd.Series([1, 0, 1, 1, 0, 0, 1, 0, 1, 1] * 6)
    y_pred = pd.Series([1, 0, 1, 0, 0, 1, 1, 0, 0, 1] * 6)
    sensitive = {"sex": pd.Series(["f", "m"] * 30), "region": pd.Series(["north"] * 35 + ["south"] * 25)}
    doc: dict[str, Any] = {"model": {"name": "m", "version": "1"}, "parity": {}}
    for name, column in sensitive.items():
        mf = metrics_mod.MetricFrame(metrics={"selection_rate": metrics_mod.selection_rate,
                                              "count": metrics_mod.count},
                                     y_true=y_true, y_pred=y_pred, sensitive_features=column)
        doc[name] = json.loads(mf.by_group.to_json(orient="index"))
        doc["parity"][name] = {"demographic_parity_ratio": float(mf.ratio()["selection_rate"])}
    data = normalize(doc, "r.json", min_support=30)
    by_name = {a["name"]: a for a in data["attributes"]}
    assert set(by_name) == {"sex", "region"}
    assert sorted(g["n"] for g in by_name["region"]["groups"]) == [25, 35]
    # the report's own ratio (fairlearn's demographic_parity_ratio), read from parity.<attribute>
    ratio = doc["parity"]["sex"]["demographic_parity_ratio"]
    assert by_name["sex"]["fairness"]["disparate_impact"] == pytest.approx(ratio)
    # region's south group has 25 < 30 rows: reported; with one group left no ratio can be derived, so the
    # tool's figure stays (and min-group-support fails the small group)
    assert by_name["region"]["excluded_groups"] == [{"name": "south", "n": 25, "reason": "fewer than 30 rows"}]


def test_a_tool_ratio_that_includes_an_empty_group_is_replaced() -> None:
    doc = {"sex": {"f": {"selection_rate": 0.4, "n": 100}, "m": {"selection_rate": 0.5, "n": 100},
                   "unknown": {"selection_rate": 0.0, "n": 0}},
           "parity": {"sex": {"disparate_impact": 0.0}}}
    (attr,) = normalize(doc, "r.json", min_support=30)["attributes"]
    assert attr["fairness"]["disparate_impact"] == pytest.approx(0.8)
    assert attr["reported_fairness"] == {"disparate_impact": 0.0}
