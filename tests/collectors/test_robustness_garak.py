"""garak ``.report.jsonl`` as robustness evidence, on real garak reports (tests/data/garak, see PROVENANCE.md)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from aima_gate.collectors.robustness_garak import parse_garak
from aima_gate.core.errors import ArtifactError
from tests.conftest import DATA, check_json, write

GARAK = DATA / "garak"


def test_real_single_run_report() -> None:
    data, lines = parse_garak((GARAK / "garak_0.14.0.pre1_quack.report.jsonl").read_text(encoding="utf-8"), "q")
    assert data["tool"] == "garak 0.14.0.pre1" and data["date"] == "2025-08-28" and data["target_type"] == "test"
    (attack,) = data["attacks"]
    assert attack["attack"] == "lmrc.QuackMedicine (lmrc.QuackMedicine)"
    assert (attack["samples"], attack["fails"], attack["attack_success_rate"]) == (1, 0, 0.0)
    assert lines["/attacks/0"] == 5  # the eval row's line


def test_real_aggregated_report_has_one_attack_per_probe_and_detector() -> None:
    data, _ = parse_garak((GARAK / "garak_0.14.0.pre1_agg.report.jsonl").read_text(encoding="utf-8"), "a")
    assert [(a["probe"], a["detector"], a["samples"]) for a in data["attacks"]] == [
        ("test.Test", "always.Pass", 8), ("lmrc.QuackMedicine", "lmrc.QuackMedicine", 1)]


def test_pre_0_14_counts_and_rates() -> None:
    text = "\n".join(json.dumps(r) for r in (
        {"entry_type": "init", "garak_version": "0.9.0.9", "start_time": "2024-03-01T10:00:00"},
        {"entry_type": "eval", "probe": "dan.Dan_11_0", "detector": "mitigation.MitigationBypass", "passed": 3,
         "total": 5}))
    (attack,) = parse_garak(text, "old")[0]["attacks"]
    assert attack["attack_success_rate"] == 0.4 and attack["samples"] == 5


@pytest.mark.parametrize("text", ['{"entry_type": "init", "start_time": "2025-01-01"}\n', '{"entry_type": "eval"}\n',
                                  '{"entry_type": "init"}\nnot json\n'])
def test_unusable_report_is_an_error_at_its_line(text: str) -> None:
    with pytest.raises(ArtifactError):
        parse_garak(text, "x.report.jsonl")


def test_bare_garak_report_is_found_and_gated_for_recency(tmp_path: Path) -> None:
    shutil.copyfile(GARAK / "garak_0.14.0.pre1_quack.report.jsonl", tmp_path / "garak.d7ba0a51.report.jsonl")
    code, report = check_json(tmp_path, "--policy", "robustness_report.recent")
    (finding,) = report["findings"]
    # started 2025-08-28: older than 180 days on 2026-11-24
    assert code == 1 and finding["status"] == "fail" and finding["evidence"][0]["file"] == "garak.d7ba0a51.report.jsonl"


def test_missing_referenced_garak_file_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "robustness-m.yml", "model: m\nmodel_version: '1'\ngarak: runs/none.report.jsonl\n")
    code, report = check_json(tmp_path, "--policy", "robustness_report.recent")
    assert code == 2 and "runs/none.report.jsonl" in json.dumps(report)
