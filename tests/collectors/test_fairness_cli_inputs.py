"""``aima-gate evidence fairness`` on the inputs teams have: probability columns, numeric sensitive columns, tiny
groups (real fairlearn on data generated here)."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

from tests.conftest import run_cli
from tests.realcomponents import module

module("fairlearn")  # fails under CI, skips locally when the test extra is missing


def scored(path: Path, rows: int = 600) -> Path:
    rng = random.Random(5)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["age", "sex", "label", "score"])
        for _ in range(rows):
            y = rng.random() < 0.4
            out.writerow([rng.randint(18, 86), rng.choice(["f", "m"]), int(y),
                          round(min(1.0, max(0.0, (0.7 if y else 0.3) + rng.uniform(-0.3, 0.3))), 3)])
    return path


def run(tmp_path: Path, *extra: str) -> tuple[int, str, dict[str, Any] | None]:
    out = tmp_path / "bias-report.json"
    proc = run_cli("evidence", "fairness", "--predictions", str(tmp_path / "preds.csv"), "--label", "label",
                   "--prediction", "score", "--model", "m", "--version", "1", "--output", str(out), *extra)
    return proc.returncode, proc.stdout + proc.stderr, json.loads(out.read_text()) if out.exists() else None


def test_probability_column_needs_threshold_and_the_hint_says_so(tmp_path: Path) -> None:
    scored(tmp_path / "preds.csv")
    code, output, _ = run(tmp_path, "--sensitive", "sex")
    assert code == 2 and "holds scores" in output and "--threshold" in output and "--pos-label" not in output
    code, output, report = run(tmp_path, "--sensitive", "sex", "--threshold", "0.5")
    assert code == 0, output
    sex = report["attributes"][0]  # type: ignore[index]
    assert {g["name"] for g in sex["groups"]} == {"f", "m"} and 0 < sex["fairness"]["disparate_impact"] <= 1


def test_numeric_sensitive_column_is_refused_unless_binned(tmp_path: Path) -> None:
    scored(tmp_path / "preds.csv")
    code, output, report = run(tmp_path, "--sensitive", "age", "--threshold", "0.5")
    assert code == 2 and report is None
    assert "numeric" in output and "--bins age=" in output
    code, output, report = run(tmp_path, "--sensitive", "age", "--threshold", "0.5", "--bins", "age=18,40,65,87")
    assert code == 0, output
    assert report is not None
    (age,) = report["attributes"]
    assert [g["name"] for g in age["groups"]] == ["[18, 40)", "[40, 65)", "[65, 87)"]
    assert all(g["n"] >= 30 for g in age["groups"]) and age["fairness"]["disparate_impact"] > 0


def test_small_groups_are_flagged_and_left_out_of_the_ratio(tmp_path: Path) -> None:
    path = scored(tmp_path / "preds.csv")
    with path.open("a", encoding="utf-8") as fh:
        fh.write("30,x,1,0.1\n30,x,0,0.2\n")  # a two-row group whose selection rate is 0
    code, output, report = run(tmp_path, "--sensitive", "sex", "--threshold", "0.5")
    assert code == 0, output
    assert report is not None
    (sex,) = report["attributes"]
    assert sex["excluded_groups"] == [{"name": "x", "n": 2, "reason": "fewer than 30 rows"}]
    assert sex["fairness"]["disparate_impact"] > 0.5  # f and m only, not 0.0 from the empty-rate group
    assert "sex=x has 2 row(s)" in output
