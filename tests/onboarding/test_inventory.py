"""What ``init`` finds (onboarding/inventory.py): the evidence it reports is what ``check`` reads as that kind, so
a project README at the root (a default card path) is not counted as a model card unless it is one."""

from __future__ import annotations

import json
from pathlib import Path

from aima_gate.onboarding.inventory import take_inventory
from tests.conftest import TODAY, run_cli, write

PROJECT_README = "# Customer churn\n\n## Key Results\n\n| model | AUC |\n|---|---|\n| tree | 72.0% |\n"
CARD_README = "# Model Card for churn-tree\n\n## Intended use\n\nRanks customers by churn risk for outreach.\n"
MCT_CARD = {"schema_version": "0.0.2", "model_details": {"name": "churn", "owners": [{"name": "Ella"}]},
            "considerations": {"use_cases": [{"description": "retention outreach"}]}}


def _cards_check_reads(repo: Path) -> list[str]:
    proc = run_cli("check", str(repo), "--format", "json", "--today", TODAY.isoformat())
    report = json.loads(proc.stdout)
    return sorted({f["subject"]["file"] for f in report["findings"] if f["subject"]["kind"] == "model_card"})


def test_a_project_readme_is_not_a_card_init_counts(tmp_path: Path) -> None:
    write(tmp_path, "README.md", PROJECT_README)
    write(tmp_path, "model_cards/model_card.md", CARD_README)
    write(tmp_path, "model_cards/data/model_card.json", json.dumps(MCT_CARD))
    found = take_inventory(tmp_path).found["model_card"]
    assert found == ("model_cards/data/model_card.json", "model_cards/model_card.md")
    assert list(found) == _cards_check_reads(tmp_path)


def test_a_readme_that_is_a_card_is_counted_and_a_broken_card_still_is(tmp_path: Path) -> None:
    write(tmp_path, "README.md", CARD_README)
    write(tmp_path, "model_cards/model_card.json", "{}")  # check reports it, naming the file
    assert take_inventory(tmp_path).found["model_card"] == ("README.md", "model_cards/model_card.json")


def test_no_card_but_a_project_readme_is_no_model_card_found(tmp_path: Path) -> None:
    write(tmp_path, "README.md", PROJECT_README)
    write(tmp_path, "models/clf.joblib", "x")
    assert "model_card" not in take_inventory(tmp_path).found
    proc = run_cli("init", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "model_card: " not in proc.stdout.split("next steps:")[0]  # no "model_card: 1 file(s), e.g. README.md"
    # nor does the single model's entry take the project README as "the only model card found"
    assert "README.md" not in (tmp_path / "registry" / "models.yml").read_text(encoding="utf-8")
