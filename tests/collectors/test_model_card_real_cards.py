"""Model cards as teams have them: numbered headings, the root README as the card, untouched official
templates, and failure messages that say what was counted (tests/data/hf-model-card, see PROVENANCE.md)."""

from __future__ import annotations

import json
from pathlib import Path

from aima_gate.collectors.model_card_boilerplate import template_sentences
from aima_gate.collectors.model_card_markdown import parse_markdown_card
from tests.conftest import DATA, check_json, write

CARDS = DATA / "hf-model-card"


def test_untouched_template_rendered_by_huggingface_hub_fills_nothing() -> None:
    text = (CARDS / "GENERATED_untouched_hf_hub_2.4.0_template_card.md").read_text(encoding="utf-8")
    data, _ = parse_markdown_card(text, "README.md", 5)
    # the Recommendations boilerplate ("Users (both direct and downstream) should be made aware ...") is not content
    assert {name: s["words"] for name, s in data["sections"].items() if name != "model_details"} == {
        "intended_use": 0, "bias_risks_limitations": 0, "training_data": 0, "evaluation": 0}


def test_template_sentences_come_from_the_shipped_templates() -> None:
    known = template_sentences()
    assert "users both direct and downstream should be made aware of the risks biases and limitations of the model" \
        in known
    assert "use the code below to get started with the model" in known


def test_a_real_sentence_next_to_boilerplate_still_counts() -> None:
    text = ("# M\n\n## Bias, Risks, and Limitations\n\nUsers (both direct and downstream) should be made aware of "
            "the risks, biases and limitations of the model. Scores are unreliable for tickets under ten words.\n")
    data, _ = parse_markdown_card(text, "c.md", 5)
    assert data["sections"]["bias_risks_limitations"]["words"] == 8


def test_numbered_headings_are_recognised() -> None:
    text = ("# Card\n\n## 1. Intended use\n\nRanks subscribers by churn risk for the retention team.\n\n"
            "## 2.1 Training data\n\nSynthetic data, 100 rows, 3 features.\n\n## IV. Evaluation\n\nAUC 0.81 on 20% "
            "held out.\n\n## B) Limitations\n\nOne market only; not calibrated elsewhere at all.\n")
    data, lines = parse_markdown_card(text, "c.md", 5)
    assert {n: (s["title"], s["filled"]) for n, s in data["sections"].items() if n != "model_details"} == {
        "intended_use": ("1. Intended use", True), "training_data": ("2.1 Training data", True),
        "evaluation": ("IV. Evaluation", True), "bias_risks_limitations": ("B) Limitations", True)}
    assert data["sections"]["training_data"]["words"] == 6  # numbers count: Synthetic data 100 rows 3 features
    assert lines["/sections/training_data"] == 7


def test_root_readme_is_the_card_only_when_it_is_one(tmp_path: Path) -> None:
    write(tmp_path, "README.md", "# my-project\n\nA library.\n\n## Installation\n\npip install it\n")
    _, report = check_json(tmp_path, "--policy", "model_card.required-sections")
    assert not [f for f in report["findings"] if f["status"] != "not_applicable"]
    card = (CARDS / "WELLFILLED_yaml_model_index_nonstandard_task_mini-foxes_README.md").read_text(encoding="utf-8")
    write(tmp_path, "README.md", card)
    _, report = check_json(tmp_path, "--policy", "model_card.required-sections")
    files = {f["evidence"][0]["file"] for f in report["findings"] if f["policy_id"] == "model_card.required-sections"}
    assert files == {"README.md"}, json.dumps(report["findings"])[:2000]


def test_a_thin_section_says_what_was_counted_and_the_minimum(tmp_path: Path) -> None:
    write(tmp_path, "model_cards/m.md", "# M\n\n## Uses\n\nScores churn risk for the retention team daily.\n\n"
          "## Limitations\n\nOne market only; never used for pricing at all.\n\n## Training data\n\n"
          "Synthetic data.\n\n## Evaluation\n\nAUC 0.81 on a held-out split.\n")
    code, report = check_json(tmp_path, "--policy", "model_card.required-sections")
    (finding,) = report["findings"]
    assert code == 1 and finding["status"] == "fail"
    (ev,) = finding["evidence"]
    assert ev["message"] == "$.sections.training_data.words = 2" and ev["expected"] == ">= 5" and ev["line"] == 11
