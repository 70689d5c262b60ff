"""Model Card Toolkit JSON and CycloneDX ML-BOM cards map onto the Markdown card fields; lookalikes are errors."""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.collectors.model_card_formats import parse_json_card
from aima_gate.core.errors import AimaGateError
from tests.conftest import DATA, REPO_ROOT, TODAY, check_json, run_cli, write

MCT = DATA / "model-card-toolkit"
CDX = DATA / "cyclonedx-mlbom"
REQUIRED = ("intended_use", "bias_risks_limitations", "training_data", "evaluation")

# A card in the 0.0.2 shape, written from the stored v0.0.2 schema (licenses[{identifier}], data as a list,
# considerations.*[{description}], metric value as string with a confidence interval).
MCT_002: dict[str, Any] = {
    "schema_version": "0.0.2",
    "model_details": {"name": "census-income", "overview": "Predicts whether income exceeds 50k.",
                      "version": {"name": "1.2.0", "date": "2026-09-01"},
                      "owners": [{"name": "ml-team", "contact": "ml@example.com"}],
                      "licenses": [{"identifier": "Apache-2.0"}], "references": [{"reference": "https://x.example"}]},
    "model_parameters": {"model_architecture": "gradient boosted trees",
                         "data": [{"name": "uci-census-train", "link": "https://archive.example/adult",
                                   "sensitive": {"sensitive_data": ["sex", "race"]}}]},
    "quantitative_analysis": {"performance_metrics": [
        {"type": "accuracy", "value": "0.87", "slice": "overall",
         "confidence_interval": {"lower_bound": "0.86", "upper_bound": "0.88"}},
        {"type": "accuracy", "value": "0.84", "slice": "sex=female"}]},
    "considerations": {"users": [{"description": "analysts"}],
                       "use_cases": [{"description": "research on income inequality only, never credit decisions"}],
                       "limitations": [{"description": "census data from 1994"}],
                       "ethical_considerations": [{"name": "sex and race are inputs", "mitigation_strategy": "audit"}]},
}


def cards(path: Path) -> list[dict[str, Any]]:
    return [data for data, _lines, _name in parse_json_card(path.read_text(encoding="utf-8"), path.name)]


def test_mct_001_shape() -> None:
    (card,) = cards(MCT / "mct_model_card_schema_v0.0.1_shape.json")
    assert card["model_name"] == "my model" and card["version"] == "0.1" and card["license"] == "Apache 2.0"
    assert card["datasets"] == ["train_split", "eval_split"]
    # MCT's own test fixture: one rule for every format (at least 5 words, numbers count), so its single metric
    # "log_loss 0.2" is 3 words and not a filled evaluation section, as it would not be in Markdown either
    assert {s: card["sections"][s]["words"] for s in REQUIRED} == {
        "intended_use": 5, "bias_risks_limitations": 6, "training_data": 10, "evaluation": 3}
    assert [s for s in REQUIRED if not card["sections"][s]["filled"]] == ["evaluation"]


def test_mct_002_shape(tmp_path: Path) -> None:
    path = write(tmp_path, "model_card.json", json.dumps(MCT_002))
    (card,) = cards(path)
    assert card["format"] == "model-card-toolkit-0.0.2" and card["version"] == "1.2.0"
    assert card["license"] == "Apache-2.0" and card["datasets"] == ["uci-census-train"]
    assert all(card["sections"][s]["filled"] for s in REQUIRED)


def test_mct_002_with_empty_considerations_is_not_filled(tmp_path: Path) -> None:
    doc = {**MCT_002, "considerations": {"limitations": [{"description": ""}], "use_cases": []}}
    (card,) = cards(write(tmp_path, "model_card.json", json.dumps(doc)))
    assert not card["sections"]["bias_risks_limitations"]["filled"]
    assert not card["sections"]["intended_use"]["filled"]


def test_mct_owners_of_a_real_card_are_its_owner() -> None:
    # model_cards/data/model_card.json of EllaN12/Customer_Churn_Analysis (tests/realworld/repos/churn-mct-json)
    path = REPO_ROOT / "tests/realworld/repos/churn-mct-json/repo/model_cards/data/model_card.json"
    ((card, lines, _name),) = parse_json_card(path.read_text(encoding="utf-8"), "model_cards/data/model_card.json")
    assert card["owners"] == [{"name": "Ella Ndalla", "contact": "ndallaella@gmail.com"}]
    assert card["owner"] == "Ella Ndalla <ndallaella@gmail.com>"
    assert lines.line_of("/owner") == lines.line_of("/owners") == 6  # the "owners": [ line


def test_mct_keeps_every_owner_and_drops_placeholders(tmp_path: Path) -> None:
    owners = [{"name": "Risk ML team", "contact": "risk-ml@bank.example"}, {"name": "Ana Ruiz"},
              {"contact": "oncall@bank.example"}, {"name": "TODO", "contact": ""}, {"name": "  "}, "ml-team", 7]
    doc = {**MCT_002, "model_details": {**MCT_002["model_details"], "owners": owners}}
    (card,) = cards(write(tmp_path, "model_card.json", json.dumps(doc)))
    assert card["owners"] == [{"name": "Risk ML team", "contact": "risk-ml@bank.example"}, {"name": "Ana Ruiz"},
                              {"contact": "oncall@bank.example"}]
    assert card["owner"] == "Risk ML team <risk-ml@bank.example>; Ana Ruiz; oncall@bank.example"


@pytest.mark.parametrize("owners", [None, [], [{"name": "TBD"}], {"name": "ml-team"}, "ml-team"])
def test_mct_without_owners_has_no_owner(tmp_path: Path, owners: Any) -> None:
    details = {k: v for k, v in MCT_002["model_details"].items() if k != "owners"}
    doc = {**MCT_002, "model_details": details if owners is None else {**details, "owners": owners}}
    (card,) = cards(write(tmp_path, "model_card.json", json.dumps(doc)))
    assert card["owner"] is None and card["owners"] == []


@pytest.mark.parametrize("fmt", ["mct", "cyclonedx"])
def test_one_word_template_values_are_not_filled_sections(tmp_path: Path, fmt: str) -> None:
    if fmt == "mct":
        doc: dict[str, Any] = {"schema_version": "0.0.2", "model_details": {"name": "m", "overview": "overview"},
                               "considerations": {"use_cases": [{"description": "use_cases"}],
                                                  "limitations": [{"description": "limitations1"}]}}
    else:
        doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{
            "type": "machine-learning-model", "name": "m", "description": "overview",
            "modelCard": {"considerations": {"useCases": ["use_cases"], "technicalLimitations": ["limitations1"]}}}]}
    (card,) = cards(write(tmp_path, "model_card.json", json.dumps(doc)))
    for name in ("intended_use", "bias_risks_limitations", "model_details"):
        assert card["sections"][name]["filled"] is False, (name, card["sections"][name])
        assert card["sections"][name]["words"] <= 2


def test_cyclonedx_17_model_card_resolves_dataset_refs() -> None:
    (card,) = cards(CDX / "mlbom_spec1.7_model_card_with_dataset_refs.json")
    assert card["model_name"] == "support-ticket-classifier" and card["version"] == "1.0.0"
    assert card["datasets"] == ["support-ticket-training-data", "support-ticket-evaluation-data"]
    assert all(card["sections"][s]["filled"] for s in REQUIRED)


def test_cyclonedx_16_minimal_component_is_a_card_with_nothing_filled() -> None:
    (card,) = cards(CDX / "mlbom_spec1.6_minimal_foundation_model_no_version.json")
    assert card["model_name"] == "gpt-4o" and card["version"] is None
    assert not any(card["sections"][s]["filled"] for s in REQUIRED)


def test_same_policies_apply_to_all_card_formats(tmp_path: Path) -> None:
    shutil.copyfile(CDX / "mlbom_spec1.7_model_card_with_dataset_refs.json", tmp_path / "support.mlbom.json")
    shutil.copyfile(CDX / "mlbom_spec1.6_minimal_foundation_model_no_version.json", tmp_path / "ml-bom-gpt.json")
    write(tmp_path, "model_cards/census.json", json.dumps(MCT_002))
    code, report = check_json(tmp_path, "--policy", "model_card.required-sections")
    status = {f["subject"]["name"]: f["status"] for f in report["findings"]}
    assert status == {"support-ticket-classifier": "pass", "census-income": "pass", "gpt-4o": "fail"}
    assert code == 1


def test_registry_version_is_compared_with_structured_card(tmp_path: Path) -> None:
    write(tmp_path, "model_cards/census.json", json.dumps(MCT_002, indent=2))
    write(tmp_path, "registry/models.yml",
          'models:\n  - {name: census-income, version: "1.3.0", model_card: ../model_cards/census.json}\n')
    code, report = check_json(tmp_path, "--policy", "model.card-version-matches")
    (finding,) = [f for f in report["findings"] if f["policy_id"] == "model.card-version-matches"]
    assert code == 1 and finding["status"] == "fail" and finding["evidence"][0]["actual"] == "1.2.0"
    assert finding["evidence"][0]["file"] == "model_cards/census.json" and finding["evidence"][0]["line"] > 1


@pytest.mark.parametrize("sample", [MCT / "EDGE_model_card.json_NOT_MCT_empty_skeleton.json",
                                    MCT / "model_card.schema.v0.0.2.json"])
def test_lookalike_json_is_rejected_naming_the_file(sample: Path, tmp_path: Path) -> None:
    shutil.copyfile(sample, tmp_path / "model_card.json")
    proc = run_cli("check", str(tmp_path), "--today", TODAY.isoformat(), "--policy", "model_card.required-sections")
    assert proc.returncode == 2, proc.stdout
    assert "model_card.json:1: not a recognised model card" in proc.stdout and "Traceback" not in proc.stderr


def test_bom_without_model_component_is_rejected(tmp_path: Path) -> None:
    write(tmp_path, "x.mlbom.json", json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6",
                                                 "components": [{"type": "library", "name": "numpy"}]}))
    proc = run_cli("check", str(tmp_path), "--today", TODAY.isoformat(), "--policy", "model_card.required-sections")
    assert proc.returncode == 2 and "no machine-learning-model component" in proc.stdout


keys = st.sampled_from(["schema_version", "model_details", "name", "version", "considerations", "use_cases",
                        "limitations", "model_parameters", "data", "quantitative_analysis", "performance_metrics",
                        "bomFormat", "components", "type", "modelCard", "datasets", "ref", "licenses", "license",
                        "owners", "contact"])
values = st.none() | st.booleans() | st.integers() | st.text(max_size=6) | st.sampled_from(
    ["CycloneDX", "machine-learning-model", "0.0.2"])
docs = st.recursive(values, lambda inner: st.dictionaries(keys, inner, max_size=5) | st.lists(inner, max_size=3),
                    max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(docs)
def test_no_input_crashes_the_adapters(doc: Any) -> None:
    with contextlib.suppress(AimaGateError):
        parse_json_card(json.dumps(doc), "card.json")
