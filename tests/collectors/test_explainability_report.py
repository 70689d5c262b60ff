"""``explainability_report``: SHAP summaries, feature-importance documents and LIME ``as_list()`` exports."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.collectors.explainability_report import normalize
from aima_gate.core.errors import AimaGateError
from tests.conftest import TODAY, run_cli, write


def test_shap_summary_list() -> None:
    data = normalize({"method": "SHAP", "model": {"name": "m", "version": "2"}, "generated_at": "2026-10-01",
                      "top_features": [{"feature": "b", "mean_abs_shap": 0.1},
                                       {"feature": "a", "mean_abs_shap": -0.4}]},
                     "s.json")
    assert data["method"] == "shap" and data["model"] == {"name": "m", "version": "2"}
    assert [f["name"] for f in data["top_features"]] == ["a", "b"]  # by absolute importance


def test_parallel_arrays_imply_shap() -> None:
    data = normalize({"model_name": "m", "model_version": "1", "feature_names": ["x", "y"],
                      "mean_abs_shap": [0.2, 0.5]}, "s.json")
    assert data["method"] == "shap" and data["top_features"][0] == {"name": "y", "importance": 0.5}


def test_lime_as_list_export() -> None:
    data = normalize({"model": "router", "as_list": [["len > 40", -0.05], ["contains 'refund'", 0.31]]}, "l.json")
    assert data["method"] == "lime" and data["model"]["name"] == "router" and data["model"]["version"] is None
    assert data["top_features"][0]["name"] == "contains 'refund'"


def test_mapping_of_importances() -> None:
    data = normalize({"method": "permutation", "feature_importance": {"x": 0.3, "y": 0.1}}, "p.json")
    assert data["feature_count"] == 2


@pytest.mark.parametrize(("doc", "message"), [
    ({"method": "shap"}, "not a recognised explainability report"),
    ({"top_features": [{"feature": "x"}]}, "needs a feature name"),
    ({"feature_names": ["x", "y"], "mean_abs_shap": [0.1]}, "same length"),
    ({"top_features": {"x": "high"}}, "is not a number"),
    ([["x", 0.1]], "must be a JSON object"),
])
def test_bad_shapes_are_errors_naming_the_file(doc: Any, message: str, tmp_path: Path) -> None:
    with pytest.raises(AimaGateError, match=message):
        normalize(doc, "e.json")
    write(tmp_path, "registry/models.yml",
          'models:\n  - {name: m, version: "1", risk_tier: high, explainability_report: ../r/shap.json}\n')
    write(tmp_path, "r/shap.json", json.dumps(doc))
    proc = run_cli("check", str(tmp_path), "--today", TODAY.isoformat(), "--policy",
                   "model.explainability-matches-version")
    assert proc.returncode == 2 and "r/shap.json" in proc.stdout and "Traceback" not in proc.stderr


keys = st.sampled_from(["method", "top_features", "feature_importance", "features", "feature_names",
                        "mean_abs_shap", "as_list", "explanation", "feature", "importance", "model", "name"])
docs = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                    lambda inner: st.dictionaries(keys, inner, max_size=5) | st.lists(inner, max_size=4),
                    max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(docs)
def test_no_input_crashes_the_adapter(doc: Any) -> None:
    with contextlib.suppress(AimaGateError):
        normalize(doc, "x.json")
