"""Adoption without a big bang: baselines keyed on meaning, and target levels that make higher levels advisory."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import EXAMPLES, run_cli, write

OWNER = "model.owner-and-risk-tier"


def failures(repo: Path) -> int:
    report = json.loads(run_cli("check", str(repo), "--format", "json").stdout)
    assert report["summary"]["error"] == 0 and report["summary"]["fail"] > 0
    return int(report["summary"]["fail"])


@pytest.fixture
def legacy(tmp_path: Path) -> Path:
    """The failing example (many failures, no errors) with a baseline recorded today."""
    repo = shutil.copytree(EXAMPLES / "llm-assistant", tmp_path / "repo")
    n = failures(repo)
    proc = run_cli("baseline", str(repo))
    assert proc.returncode == 0 and f"{n} failure(s) recorded" in proc.stdout, proc.stdout + proc.stderr
    config = repo / ".aima-gate.yml"
    old = config.read_text(encoding="utf-8") if config.exists() else ""
    config.write_text(old + "baseline: .aima-gate-baseline.json\n", encoding="utf-8")
    return repo


def check(repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
    proc = run_cli("check", str(repo), "--format", "json", *args)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def blocking(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["policy_id"], f["subject"]["name"]) for f in report["findings"] if f["status"] in ("fail", "error")}


def test_recorded_failures_do_not_block_and_are_counted(legacy: Path) -> None:
    code, report = check(legacy)
    n = report["baseline"]["baselined"]
    assert code == 0 and report["verdict"] == "pass", blocking(report)
    assert n > 40 and report["summary"]["waived"] == n
    assert report["baseline"]["fixed"] == [] and not report["baseline"]["expired"]
    waived = [f for f in report["findings"] if f["status"] == "waived"]
    assert all(f["waiver"]["source"] == "baseline" for f in waived)
    text = run_cli("check", str(legacy)).stdout
    assert f"Baseline .aima-gate-baseline.json (2026-11-24): {n} failure(s) baselined" in text


def test_moved_lines_reordered_entries_and_renames_keep_debt_recorded(legacy: Path) -> None:
    registry = legacy / "registry" / "models.yml"
    doc = yaml.safe_load(registry.read_text(encoding="utf-8"))
    assert len(doc["models"]) > 1
    doc["models"].reverse()  # every entry on other lines, in another order, comments gone
    for entry in doc["models"]:
        if entry.get("model_card") == "../model_cards/intent-router.md":
            entry["model_card"] = "../model_cards/intent-router-card.md"
    (legacy / "model_cards" / "intent-router.md").rename(legacy / "model_cards" / "intent-router-card.md")
    registry.write_text("# moved\n\n" + yaml.safe_dump(doc, sort_keys=True), encoding="utf-8")
    code, report = check(legacy)
    assert code == 0, blocking(report)


def test_a_new_failure_of_the_same_policy_on_another_subject_blocks(legacy: Path) -> None:
    registry = legacy / "registry" / "models.yml"
    registry.write_text(registry.read_text(encoding="utf-8") + "\n  - name: newcomer\n    version: \"0.1.0\"\n"
                        "    risk_tier: low\n    stage: staging\n", encoding="utf-8")
    code, report = check(legacy)
    assert code == 1
    assert (OWNER, "newcomer@0.1.0") in blocking(report)
    assert not {(p, s) for p, s in blocking(report) if s != "newcomer@0.1.0" and p == OWNER}


def test_fixed_debt_is_reported(legacy: Path) -> None:
    registry = legacy / "registry" / "models.yml"
    registry.write_text(registry.read_text(encoding="utf-8").replace("    # no owner\n",
                                                                     "    owner: routing@shop.example\n"),
                        encoding="utf-8")
    code, report = check(legacy)
    assert code == 0
    assert {"policy_id": OWNER, "subject": "model intent-router@0.9.2"} in report["baseline"]["fixed"]


def test_an_expired_baseline_blocks_again(tmp_path: Path) -> None:
    repo = shutil.copytree(EXAMPLES / "llm-assistant", tmp_path / "repo")
    assert run_cli("baseline", str(repo), "--expires", "2026-11-23").returncode == 0
    code, report = check(repo, "--baseline", str(repo / ".aima-gate-baseline.json"))
    assert code == 1 and report["baseline"]["expired"] and report["summary"]["waived"] == 0
    assert "EXPIRED on 2026-11-23" in run_cli("check", str(repo), "--baseline",
                                              str(repo / ".aima-gate-baseline.json")).stdout


@pytest.mark.parametrize(("content", "message"), [
    ("{}", "not an aima-gate baseline"),
    ('{"format": "aima-gate-baseline/1", "created": "2026-11-24", "failures": [{"key": "x"}]}',
     "has no 64-character key"),
    ("not json", "baseline"),
])
def test_a_bad_baseline_is_an_input_error(tmp_path: Path, content: str, message: str) -> None:
    file = write(tmp_path, "b.json", content)
    proc = run_cli("check", str(EXAMPLES / "llm-assistant"), "--baseline", str(file))
    assert proc.returncode == 2 and message in proc.stderr and "b.json" in proc.stderr


def test_a_missing_configured_baseline_is_an_input_error(tmp_path: Path) -> None:
    repo = shutil.copytree(EXAMPLES / "credit-scoring", tmp_path / "repo")
    config = repo / ".aima-gate.yml"
    config.write_text((config.read_text(encoding="utf-8") if config.exists() else "") + "baseline: gone.json\n",
                      encoding="utf-8")
    proc = run_cli("check", str(repo))
    assert proc.returncode == 2 and "baseline 'gone.json' does not exist" in proc.stderr


def test_errors_are_never_baselined(tmp_path: Path) -> None:
    repo = shutil.copytree(EXAMPLES / "credit-scoring", tmp_path / "repo")
    (repo / "registry" / "models.yml").write_text("models: [\n", encoding="utf-8")
    proc = run_cli("baseline", str(repo))
    assert proc.returncode == 0 and "error(s) are not recorded" in proc.stderr
    code, _report = check(repo, "--baseline", str(repo / ".aima-gate-baseline.json"))
    assert code == 2


def test_target_level_makes_higher_levels_advisory(tmp_path: Path) -> None:
    repo = shutil.copytree(EXAMPLES / "llm-assistant", tmp_path / "repo")
    _, full = check(repo)
    config = repo / ".aima-gate.yml"
    config.write_text((config.read_text(encoding="utf-8") if config.exists() else "") + "target_level: 1\n",
                      encoding="utf-8")
    code, report = check(repo)
    failing = [f for f in report["findings"] if f["status"] == "fail"]
    above = [f for f in failing if f["aima"] and f["aima"]["level"] > 1]
    assert above and report["target_level"]["advisory"] == len(above)
    assert report["summary"]["blocking"] == full["summary"]["blocking"] - len(above)
    assert code == (1 if report["summary"]["blocking"] else 0)
    assert f"{len(above)} failure(s) of policies above it are advisory" in run_cli("check", str(repo)).stdout


def test_init_starts_at_target_level_one(tmp_path: Path) -> None:
    repo = shutil.copytree(EXAMPLES / "credit-scoring", tmp_path / "repo")
    (repo / ".aima-gate.yml").unlink(missing_ok=True)
    assert run_cli("init", str(repo)).returncode == 0
    assert "\ntarget_level: 1\n" in (repo / ".aima-gate.yml").read_text(encoding="utf-8")
