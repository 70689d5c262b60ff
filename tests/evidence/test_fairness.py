"""``aima-gate evidence fairness``: real fairlearn on a small dataset generated here, then gated."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import check_json, run_cli, write
from tests.realcomponents import module

module("fairlearn")  # fails under CI, skips locally when the test extra is missing


def predictions(path: Path, *, bias: float, rows: int = 1200, seed: int = 11, labels: tuple[str, str] = ("1", "0"),
                empty_group: bool = False) -> Path:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "sex", "region", "repaid", "approved"])
        for i in range(rows):
            sex = rng.choice(["female", "male"])
            region = rng.choice(["north", "south"])
            y = rng.random() < 0.4
            p = (0.85 if y else 0.1) - (bias if sex == "female" else 0.0)
            out.writerow([i, sex, region, labels[0] if y else labels[1], labels[0] if rng.random() < p else labels[1]])
        if empty_group:
            out.writerow([rows, "unknown", "north", labels[1], labels[1]])
    return path


def fairness(tmp_path: Path, csv_path: Path, *extra: str) -> tuple[int, str, dict[str, Any] | None]:
    out = tmp_path / "reports" / "bias-report-m.json"
    proc = run_cli("evidence", "fairness", "--predictions", str(csv_path), "--label", "repaid", "--prediction",
                   "approved", "--sensitive", "sex", "--sensitive", "region", "--model", "m", "--version", "1.0.0",
                   "--output", str(out), *extra)
    return proc.returncode, proc.stdout + proc.stderr, json.loads(out.read_text()) if out.exists() else None


def test_fair_model_report_matches_fairlearn_and_passes(tmp_path: Path) -> None:
    import pandas as pd
    from fairlearn.metrics import demographic_parity_ratio, equalized_odds_difference

    csv_path = predictions(tmp_path / "preds.csv", bias=0.0)
    code, output, report = fairness(tmp_path, csv_path)
    assert code == 0, output
    assert report is not None and report["kind"] == "bias_report" and report["model"]["version"] == "1.0.0"
    frame = pd.read_csv(csv_path)
    assert report is not None
    sex = {a["name"]: a for a in report["attributes"]}["sex"]
    assert sex["fairness"]["disparate_impact"] == pytest.approx(
        demographic_parity_ratio(frame.repaid, frame.approved, sensitive_features=frame.sex), abs=1e-6)
    assert sex["fairness"]["equalized_odds_difference"] == pytest.approx(
        equalized_odds_difference(frame.repaid, frame.approved, sensitive_features=frame.sex), abs=1e-6)
    assert sum(g["n"] for g in sex["groups"]) == 1200
    status, gate = check_json(tmp_path, *[a for p in ("bias_report.disparate-impact", "bias_report.equalized-odds",
                                                       "bias_report.min-group-support", "bias_report.names-model",
                                                       "bias_report.fresh") for a in ("--policy", p)])
    assert status == 0, [f for f in gate["findings"] if f["status"] != "pass"]


def test_biased_model_fails_four_fifths_and_equalized_odds(tmp_path: Path) -> None:
    code, output, _ = fairness(tmp_path, predictions(tmp_path / "preds.csv", bias=0.35))
    assert code == 0, output
    status, gate = check_json(tmp_path, "--policy", "bias_report.disparate-impact",
                              "--policy", "bias_report.equalized-odds")
    failing = {(f["policy_id"], f["evidence"][0]["pointer"]) for f in gate["findings"] if f["status"] == "fail"}
    assert status == 1
    assert ("bias_report.disparate-impact", "/attributes/0/fairness/disparate_impact") in failing
    assert ("bias_report.equalized-odds", "/attributes/0/fairness/equalized_odds_difference") in failing


def test_tiny_group_fails_min_support(tmp_path: Path) -> None:
    code, output, _report = fairness(tmp_path, predictions(tmp_path / "preds.csv", bias=0.0, empty_group=True))
    assert code == 0, output
    status, _gate = check_json(tmp_path, "--policy", "bias_report.min-group-support")
    assert status == 1


def test_pos_label_for_text_outcomes(tmp_path: Path) -> None:
    csv_path = predictions(tmp_path / "preds.csv", bias=0.0, labels=("yes", "no"))
    code, output, _ = fairness(tmp_path, csv_path, "--pos-label", "yes")
    assert code == 0, output
    code, output, _ = fairness(tmp_path, write(tmp_path, "odd.csv", "sex,region,repaid,approved\nf,n,good,bad\n"))
    assert code == 2 and "is not binary" in output and "--pos-label" in output


@pytest.mark.parametrize(("content", "message"), [
    ("sex,region,approved\nf,n,1\n", "'repaid'"),
    ("sex,region,repaid,approved\n", "no rows"),
    (None, "does not exist"),
])
def test_bad_predictions_exit_2(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "preds.csv"
    if content is not None:
        path.write_text(content)
    code, output, _ = fairness(tmp_path, path)
    assert code == 2 and message in output and "preds.csv" in output and "Traceback" not in output


def test_bootstrap_confidence_intervals(tmp_path: Path) -> None:
    code, output, report = fairness(tmp_path, predictions(tmp_path / "preds.csv", bias=0.0, rows=300),
                                    "--bootstrap", "40")
    assert code == 0, output
    assert report is not None
    sex = {a["name"]: a for a in report["attributes"]}["sex"]
    lo, hi = sex["confidence_intervals"]["disparate_impact"]
    # a fair model: the interval is a real interval around the point estimate, inside the ratio's range
    assert 0 < lo < hi <= 1 and lo <= sex["fairness"]["disparate_impact"] <= hi, (lo, hi)
    group = sex["groups"][0]
    assert group["confidence_intervals"]["selection_rate"][0] <= group["confidence_intervals"]["selection_rate"][1]
    status, _gate = check_json(tmp_path, "--policy", "bias_report.names-model")
    assert status == 0
