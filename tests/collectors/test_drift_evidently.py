"""Evidently 0.7 reports as drift evidence, on reports written by the real evidently 0.7.23 (tests/data/evidently,
see PROVENANCE.md for how they were generated)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from aima_gate.collectors.drift_evidently import evidently_current
from aima_gate.core.model import LineIndex
from tests.conftest import DATA, check_json, write

EV = DATA / "evidently"
DRIFT = "evidently_0.7.23_data_drift_preset.json"
NO_DRIFT = "evidently_0.7.23_data_drift_preset_no_drift.json"


def load(name: str) -> dict[str, object]:
    return evidently_current(json.loads((EV / name).read_text(encoding="utf-8")), name, LineIndex({}))


def test_data_drift_preset_with_drift() -> None:
    data = load(DRIFT)
    assert data["dataset_drift"] is True and data["drift_share"] == 0.5
    assert data["number_of_drifted_columns"] == 2
    assert [(f["feature"], f["test"], f["drifted"]) for f in data["features"]] == [  # type: ignore[attr-defined]
        ("age", "K-S p_value", False), ("channel", "chi-square p_value", True), ("income", "K-S p_value", True)]


def test_data_drift_preset_without_drift() -> None:
    data = load(NO_DRIFT)
    # one column of three drifted (income, K-S p = 0.007): share 1/3 is below drift_share 0.5
    assert data["dataset_drift"] is False and data["share_of_drifted_columns"] == 1 / 3
    assert [f["feature"] for f in data["features"] if f["drifted"]] == ["income"]  # type: ignore[attr-defined]


def test_preview_layout_with_metric_id_and_distance_method() -> None:
    doc = {"metrics": [
        {"metric_id": "DriftedColumnsCount(drift_share=0.5)", "value": {"count": 1.0, "share": 0.5}},
        {"metric_id": "ValueDrift(column=amount,method=Wasserstein distance (normed),threshold=0.1)", "value": 0.3},
        {"metric_id": "ValueDrift(column=age,method=K-S p_value,threshold=0.05)", "value": 0.4}]}
    data = evidently_current(doc, "r.json", LineIndex({}))
    assert data["dataset_drift"] is True
    assert {f["feature"]: f["drifted"] for f in data["features"]} == {"amount": True, "age": False}


def test_bare_report_named_by_date_in_its_model_folder_is_gated(tmp_path: Path) -> None:
    target = tmp_path / "monitoring" / "drift" / "credit-scorer" / "2026-11-20.json"
    target.parent.mkdir(parents=True)
    shutil.copyfile(EV / DRIFT, target)
    code, report = check_json(tmp_path, "--policy", "drift_report.no-unaddressed-drift")
    (finding,) = report["findings"]
    assert code == 1 and finding["status"] == "fail" and finding["subject"]["name"] == "credit-scorer@2026-11-20"


def test_wrapped_report_with_a_response_passes(tmp_path: Path) -> None:
    shutil.copyfile(EV / DRIFT, tmp_path / "evidently.json")
    write(tmp_path, "monitoring/drift/credit-scorer.yml",
          "model: credit-scorer\nmodel_version: '2.3.0'\ndate: 2026-11-20\nevidently: ../../evidently.json\n"
          "response: {addressed: true, ticket: ML-412, note: retrained on November data}\n")
    code, report = check_json(tmp_path, "--policy", "drift_report.no-unaddressed-drift")
    assert code == 0, json.dumps(report["findings"])[:1500]
