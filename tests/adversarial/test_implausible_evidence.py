"""Class 10: evidence that cannot be true never passes.

Each case takes a passing piece of evidence and makes one value impossible (a negative or infinite equalized
odds difference, a rate above 1, a CVSS score of 98, a validation run claiming success with failed expectations,
a date with trailing text). The gate must refuse it as an error naming the file and the line of the value
(exit 2); the policy that would have read the value never reports a pass.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from aima_gate.core.clock import Clock
from aima_gate.core.model import Status
from aima_gate.core.report import Report
from aima_gate.engine.dates import parse_date
from aima_gate.pipeline.runner import RunOptions, run_check
from tests.conftest import TODAY

CASES = Path(__file__).resolve().parents[1] / "policies" / "cases"
BIAS = CASES / "bias_report.equalized-odds" / "fail" / "large-gap" / "reports" / "bias-report-m.json"
TRIVY = CASES / "vulnerability.none-at-or-above-severity" / "pass" / "low-severity-only"


def _run(root: Path, policy: str) -> Report:
    return run_check(RunOptions(root=root, clock=Clock.at(TODAY), only_policies=frozenset({policy})))


def _assert_refused(report: Report, policy: str, file: str, text: str, line: int | None = None) -> None:
    assert int(report.exit_code) == 2, [(f.status, f.evidence) for f in report.findings]
    assert not any(f.policy_id == policy and f.status is Status.PASS for f in report.findings)
    errors = [e for f in report.findings if f.status is Status.ERROR for e in f.evidence]
    hits = [e for e in errors if e.file == file and text in e.message]
    assert hits, errors
    if line is not None:
        assert hits[0].line == line, hits


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in text)


# --- fairness ----------------------------------------------------------------------------------------------------

def _bias(tmp_path: Path, edit: Any, raw: tuple[str, str] | None = None) -> tuple[Path, Path]:
    doc = json.loads(BIAS.read_text(encoding="utf-8"))
    doc["attributes"][0]["fairness"]["equalized_odds_difference"] = 0.05  # passing, until edited
    edit(doc)
    text = json.dumps(doc, indent=2)
    if raw is not None:  # values JSON can hold but json.dumps would not write (1e999)
        text = text.replace(*raw)
    target = tmp_path / "reports" / "bias-report-m.json"
    target.parent.mkdir(parents=True)
    target.write_text(text, encoding="utf-8")
    return tmp_path, target


def _fairness(doc: dict[str, Any]) -> dict[str, Any]:
    fairness: dict[str, Any] = doc["attributes"][0]["fairness"]
    return fairness


def test_passing_bias_baseline_passes(tmp_path: Path) -> None:
    root, _ = _bias(tmp_path, lambda d: None)
    assert int(_run(root, "bias_report.equalized-odds").exit_code) == 0


@pytest.mark.parametrize("value", [-0.5, -1e-9, 1.5])
def test_equalized_odds_out_of_range_is_refused(tmp_path: Path, value: float) -> None:
    root, target = _bias(tmp_path, lambda d: _fairness(d).update(equalized_odds_difference=value))
    _assert_refused(_run(root, "bias_report.equalized-odds"), "bias_report.equalized-odds",
                    "reports/bias-report-m.json", "", _line_of(target, "equalized_odds_difference"))


@pytest.mark.parametrize("literal", ["1e999", "-1e999"])
def test_infinite_equalized_odds_is_refused(tmp_path: Path, literal: str) -> None:
    root, target = _bias(tmp_path, lambda d: _fairness(d).update(equalized_odds_difference=0.123456),
                         raw=("0.123456", literal))
    _assert_refused(_run(root, "bias_report.equalized-odds"), "bias_report.equalized-odds",
                    "reports/bias-report-m.json", "not a finite number",
                    _line_of(target, "equalized_odds_difference"))


@pytest.mark.parametrize(("metric", "value"), [("tpr", 1.7), ("fpr", -0.2), ("selection_rate", 42)])
def test_group_rate_outside_0_1_is_refused(tmp_path: Path, metric: str, value: float) -> None:
    root, _ = _bias(tmp_path, lambda d: d["attributes"][0]["groups"][0]["metrics"].update({metric: value}))
    _assert_refused(_run(root, "bias_report.equalized-odds"), "bias_report.equalized-odds",
                    "reports/bias-report-m.json", "")


def test_negative_disparate_impact_is_refused(tmp_path: Path) -> None:
    root, _ = _bias(tmp_path, lambda d: _fairness(d).update(disparate_impact=-0.9))
    _assert_refused(_run(root, "bias_report.disparate-impact"), "bias_report.disparate-impact",
                    "reports/bias-report-m.json", "less than the minimum")


def test_overall_rate_above_1_is_refused(tmp_path: Path) -> None:
    root, _ = _bias(tmp_path, lambda d: d["overall"].update(selection_rate=2.0))
    _assert_refused(_run(root, "bias_report.equalized-odds"), "bias_report.equalized-odds",
                    "reports/bias-report-m.json", "greater than the maximum")


def test_inverted_confidence_interval_is_refused(tmp_path: Path) -> None:
    root, _ = _bias(tmp_path, lambda d: d["attributes"][0].update(
        confidence_intervals={"equalized_odds_difference": [0.09, 0.01]}))
    _assert_refused(_run(root, "bias_report.equalized-odds"), "bias_report.equalized-odds",
                    "reports/bias-report-m.json", "lower bound 0.09 above upper bound 0.01")


@pytest.mark.parametrize("stamp", ["2026-10-01 (re-run pending)", "2026-10-01T99:00:00Z", "2026-10-01junk",
                                   "2026-10-01T09:00:00Z and again in 2030"])
def test_date_with_trailing_text_is_refused_at_its_line(tmp_path: Path, stamp: str) -> None:
    root, target = _bias(tmp_path, lambda d: d.update(generated_at=stamp))
    _assert_refused(_run(root, "bias_report.fresh"), "bias_report.fresh", "reports/bias-report-m.json",
                    "not an ISO 8601 date", _line_of(target, "generated_at"))


# --- data validation ---------------------------------------------------------------------------------------------

def _validation(tmp_path: Path, doc: dict[str, Any]) -> tuple[Path, Path]:
    target = tmp_path / "data-validation" / "applications" / "2026-11-01.json"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return tmp_path, target


def _ge(success: bool, results: list[bool], **stats: Any) -> dict[str, Any]:
    return {"meta": {"expectation_suite_name": "s", "dataset": "applications",
                     "run_id": {"run_time": "2026-11-01T02:00:00Z"}},
            "success": success,
            "results": [{"success": ok, "expectation_config": {"expectation_type": "expect_x", "kwargs": {}}}
                        for ok in results],
            "statistics": stats}


def test_passing_validation_baseline_passes(tmp_path: Path) -> None:
    root, _ = _validation(tmp_path, _ge(True, [True, True], evaluated_expectations=2, successful_expectations=2,
                                        unsuccessful_expectations=0, success_percent=100.0))
    assert int(_run(root, "data_validation.latest-succeeded").exit_code) == 0


def test_success_claimed_with_failed_expectations_is_refused(tmp_path: Path) -> None:
    root, target = _validation(tmp_path, _ge(True, [True, False]))
    _assert_refused(_run(root, "data_validation.latest-succeeded"), "data_validation.latest-succeeded",
                    "data-validation/applications/2026-11-01.json", "success is true but 1 of 2",
                    _line_of(target, '"success": true'))


@pytest.mark.parametrize(("stats", "text"), [
    ({"unsuccessful_expectations": 3}, "statistics.unsuccessful_expectations"),
    ({"evaluated_expectations": 10}, "statistics.evaluated_expectations"),
    ({"successful_expectations": 5}, "statistics.successful_expectations"),
    ({"success_percent": 250}, "statistics.success_percent"),
    ({"success_percent": 50.0}, "statistics.success_percent"),
])
def test_statistics_contradicting_the_results_are_refused(tmp_path: Path, stats: dict[str, Any], text: str) -> None:
    root, target = _validation(tmp_path, _ge(True, [True, True], **stats))
    key = text.split(".")[1]
    _assert_refused(_run(root, "data_validation.latest-succeeded"), "data_validation.latest-succeeded",
                    "data-validation/applications/2026-11-01.json", text, _line_of(target, f'"{key}"'))


# --- vulnerabilities ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("score", ["98", "-1", "10.5", "1e999"])
def test_cvss_score_outside_0_10_is_refused_at_its_line(tmp_path: Path, score: str) -> None:
    root = tmp_path / "repo"
    shutil.copytree(TRIVY, root)
    report_file = root / "security" / "trivy-fs.json"
    text = report_file.read_text(encoding="utf-8")
    assert text.count('"V3Score": 3.1') == 1
    report_file.write_text(text.replace('"V3Score": 3.1', f'"V3Score": {score}'), encoding="utf-8")
    _assert_refused(_run(root, "vulnerability.none-at-or-above-severity"),
                    "vulnerability.none-at-or-above-severity", "security/trivy-fs.json", "outside 0-10",
                    _line_of(report_file, '"V3Score"'))


def test_date_rule_not_example() -> None:
    """A date is the whole string: an ISO date, optionally an ISO time; nothing may follow."""
    assert parse_date("2026-11-24") == TODAY
    assert parse_date("2026-11-24T10:00:00.123456789Z") == TODAY
    assert parse_date("2026-11-24 10:00:00+0000") == TODAY
    for bad in ("2026-11-24 approx", "2026-11-24T25:00", "2026-11-24Z junk", "2026-11-24T10:00:00Zextra",
                "2026-13-01", "2026-11-24\nVerdict"):
        assert parse_date(bad) is None, bad
