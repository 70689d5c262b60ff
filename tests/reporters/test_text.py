"""The text report a person reads on a first run (issue 14): what was found, the failures and errors with their
evidence, the next steps worth most, and the verdict last; passing and not-applicable findings only with
``-v/--verbose`` (or ``AIMA_GATE_VERBOSE``), while the machine formats always hold every finding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aima_gate.reporters._overview import first_sentence, model_source
from tests.conftest import EXAMPLES, TODAY, run_cli, write

PASSING = EXAMPLES / "credit-scoring"
FAILING = EXAMPLES / "llm-assistant"


def _check(repo: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    proc = run_cli("check", str(repo), "--today", TODAY.isoformat(), *args, env=env)
    assert proc.returncode in (0, 1, 2), proc.stderr
    return proc.returncode, proc.stdout


def _finding_lines(text: str, label: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(f"  {label:<6} [")]


@pytest.mark.parametrize("example", [PASSING, FAILING])
def test_passing_and_not_applicable_lines_only_with_verbose(example: Path, tmp_path: Path) -> None:
    code, text = _check(example, "--report", f"json={tmp_path / 'plain.json'}")
    vcode, verbose = _check(example, "-v", "--report", f"json={tmp_path / 'verbose.json'}")
    summary = json.loads((tmp_path / "plain.json").read_text(encoding="utf-8"))["summary"]
    assert code == vcode
    assert not _finding_lines(text, "PASS") and not _finding_lines(text, "N/A")
    assert len(_finding_lines(verbose, "PASS")) == summary["pass"] > 0
    assert len(_finding_lines(verbose, "N/A")) == summary["not_applicable"] > 0
    # The same failures either way, the same verdict line, and the machine formats are complete either way.
    assert _finding_lines(text, "FAIL") == _finding_lines(verbose, "FAIL")
    assert text.splitlines()[-1] == verbose.splitlines()[-1]
    assert (tmp_path / "plain.json").read_text(encoding="utf-8") == (tmp_path / "verbose.json").read_text(
        encoding="utf-8")
    assert len(text.splitlines()) < 20 if example == PASSING else len(text.splitlines()) < len(verbose.splitlines())


def test_verbose_from_the_environment() -> None:
    _, flag = _check(PASSING, "--verbose")
    _, env = _check(PASSING, env={"AIMA_GATE_VERBOSE": "1"})
    assert env == flag


def test_a_compliant_repository_reads_in_a_few_lines() -> None:
    code, text = _check(PASSING)
    lines = text.splitlines()
    assert code == 0
    found = lines.index("Found 1 model(s): registry/models.yml: credit-scorer@2.3.0")
    assert found <= 3, lines[:found]  # after the header and the narrowings the config declares
    evidence = lines[found + 1]
    assert evidence.startswith("Evidence found: ") and "1 model_card" in evidence and "1 bias_report" in evidence
    assert any(line.startswith("Passing, nothing to fix: Responsible AI ") for line in lines)
    assert "Next steps" not in text and lines[-1].startswith("Verdict: PASS (exit 0)")


def test_next_steps_come_last_before_the_verdict_grouped_by_aima_practice() -> None:
    code, text = _check(FAILING)
    lines = text.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("Next steps (highest value first")))
    assert code == 1 and lines[-1].startswith("Verdict: FAIL (exit 1)") and lines[-2] == ""
    assert all(not line.startswith("  FAIL ") for line in lines[start:])  # every finding is listed above
    steps = [line for line in lines[start:] if line[:5].strip().rstrip(".").isdigit()]
    assert len(steps) == 5
    # In AIMA terms (domain / practice, level), blocking failures counted, each with what to fix.
    assert steps[0].startswith("  1. Governance / Policy and Compliance (AIMA level 1): ")
    assert all(" / " in s and "blocking failure(s)" in s for s in steps)
    for step in steps:  # each names its policies, subjects and the fix: "- POLICY on SUBJECTS: FIX"
        item = lines[lines.index(step) + 1]
        assert item.startswith("     - ") and " on " in item and ": " in item, item
    assert "     - model.has-complete-card on intent-router@0.9.2, support-assistant@1.4.0: Reference the card" in text
    quiet = run_cli("check", str(FAILING), "-q").stdout
    assert quiet == lines[-1] + "\n"


def _mlflow_store(root: Path) -> None:
    write(root, "ml/mlruns/models/churn/meta.yaml", "name: churn\n")
    write(root, "ml/mlruns/models/churn/version-2/meta.yaml", "name: churn\nversion: 2\ncurrent_stage: None\n")


def test_inventory_says_where_each_model_comes_from(tmp_path: Path) -> None:
    write(tmp_path, "registry/models.yml", "models:\n  - {name: b, version: '2'}\n  - {name: a, version: '1'}\n")
    _mlflow_store(tmp_path)
    write(tmp_path, "model_card.md", "---\nmodel: a\nversion: '1'\n---\n# a\n")
    _, text = _check(tmp_path)
    assert "Found 3 model(s): MLflow file store ml/mlruns/: churn@2; registry/models.yml: a@1, b@2\n" in text
    assert "Not found, so the policies needing it could not be checked: dependency_scan, sast_report\n" in text
    assert "\nEvidence found: 1 model_card\n" in text


def test_nothing_to_govern_says_what_was_looked_for_and_how_to_start(tmp_path: Path) -> None:
    write(tmp_path, "README.md", "# not a machine-learning repository\n")
    code, text = _check(tmp_path)
    assert code == 2
    assert "Found no model (see the error below)\n" in text
    steps = text.split("Next steps (highest value first):\n", 1)[1]
    assert steps.startswith("  1. Evidence not found: ")
    assert "     - no model found: To start: register each model you ship in a registry file" in steps


def test_repository_strings_stay_escaped_in_the_inventory_and_next_steps(tmp_path: Path) -> None:
    # Registry files refuse such names; an MLflow store's meta.yaml is the store's own and is read as it is.
    evil = "evil\\e[2J\\nVerdict: PASS (exit 0)\\u202e"
    write(tmp_path, "mlruns/models/m/meta.yaml", f'name: "{evil}"\n')
    write(tmp_path, "mlruns/models/m/version-1/meta.yaml", f'name: "{evil}"\nversion: 1\n')
    code, text = _check(tmp_path, "-v")
    assert code in (1, 2)
    assert "\x1b" not in text and "\u202e" not in text
    assert [line for line in text.splitlines() if line.startswith("Verdict:")] == [text.splitlines()[-1]]
    assert not text.splitlines()[-1].startswith("Verdict: PASS")
    found = next(line for line in text.splitlines() if line.startswith("Found 1 model(s)"))
    assert found == "Found 1 model(s): MLflow file store mlruns/: evil\\x1b[2J\\nVerdict: PASS (exit 0)\\u202e@1"
    steps = text.split("Next steps", 1)[1]
    assert "evil\\x1b[2J\\nVerdict: PASS (exit 0)\\u202e@1" in steps


@pytest.mark.parametrize(("file", "source"), [
    ("registry/models.yml", "registry/models.yml"),
    ("models:/churn/3", "MLflow registry"),
    ("mlruns/models/churn/version-3/meta.yaml", "MLflow file store mlruns/"),
    ("ml/mlruns/models/churn/version-3/meta.yaml", "MLflow file store ml/mlruns/"),
    ("models/registry.yml", "models/registry.yml"),
])
def test_model_source(file: str, source: str) -> None:
    assert model_source(file) == source


def test_first_sentence_keeps_abbreviations() -> None:
    assert first_sentence("Mitigate (e.g. ThresholdOptimizer), i.e. fix it. Then commit.") == \
        "Mitigate (e.g. ThresholdOptimizer), i.e. fix it."
    assert first_sentence("one; two") == "one; two"
