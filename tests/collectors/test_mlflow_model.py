"""``mlflow_model``: real MLmodel files (tests/data/mlflow) and the Git LFS pointer committed in their place."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.collectors.mlflow_model import normalize
from aima_gate.core.errors import AimaGateError
from aima_gate.safeio.loaders import load_yaml
from tests.conftest import DATA, TODAY, run_cli, write

SAMPLES = DATA / "mlflow"


def parse(name: str) -> dict[str, Any]:
    text = (SAMPLES / name).read_text(encoding="utf-8")
    doc, lines = load_yaml(text, name)
    return normalize(doc, lines, name)


def test_mlflow_1_30_colspec_signature() -> None:
    data = parse("MLmodel_mlflow1.30_sklearn_colspec_signature.yaml")
    assert data["flavors"] == ["python_function", "sklearn"]
    assert data["mlflow_version"] == "1.30.0" and data["model_uuid"] == "580862f780fb48eda0a137857d12c9f9"
    assert data["has_signature"] and data["input_names"][:2] == ["Pregnancies", "PlasmaGlucose"]
    assert data["signature"]["outputs"] == [{"type": "boolean"}]


def test_old_mlmodel_without_mlflow_version_and_tensor_output() -> None:
    data = parse("MLmodel_no_mlflow_version_tensor_output_input_example.yaml")
    assert data["mlflow_version"] is None and data["has_input_example"]
    assert data["signature"]["outputs"][0]["tensor-spec"] == {"dtype": "object", "shape": [-1]}


def test_git_lfs_pointer_is_reported_as_such(tmp_path: Path) -> None:
    shutil.copyfile(SAMPLES / "EDGE_MLmodel_is_git_lfs_pointer.txt", tmp_path / "MLmodel")
    write(tmp_path, "README.md", "repo\n")
    proc = run_cli("check", str(tmp_path), "--today", TODAY.isoformat(), "--policy", "mlflow_model.has-signature")
    assert proc.returncode == 2, proc.stdout
    assert "MLmodel:1: MLmodel is a Git LFS pointer, not the MLmodel file itself" in proc.stdout
    assert "git lfs pull" in proc.stdout and "YAML" not in proc.stdout


@pytest.mark.parametrize(("text", "message"), [
    ("flavors: {}\n", "not an MLmodel file"),
    ("- a\n- b\n", "not an MLmodel file"),
    ("flavors: {sklearn: {}}\nsignature:\n  inputs: '[{\"name\": '\n", "signature.inputs is not valid JSON"),
    ("flavors: {sklearn: {}}\nsignature:\n  inputs: '{\"a\": 1}'\n", "must be a list"),
    ("flavors: {sklearn: {}}\nsignature: 3\n", "signature must be a mapping"),
])
def test_bad_mlmodel_is_an_error_naming_the_file(text: str, message: str, tmp_path: Path) -> None:
    write(tmp_path, "model/MLmodel", text)
    proc = run_cli("check", str(tmp_path), "--today", TODAY.isoformat(), "--policy", "mlflow_model.has-signature")
    assert proc.returncode == 2 and "model/MLmodel" in proc.stdout and message in proc.stdout, proc.stdout


keys = st.sampled_from(["flavors", "signature", "inputs", "outputs", "params", "mlflow_version", "model_uuid",
                        "saved_input_example_info", "name", "sklearn"])
docs = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.just('[{"name": "a"}]'),
                    lambda inner: st.dictionaries(keys, inner, max_size=5) | st.lists(inner, max_size=3),
                    max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(docs)
def test_no_input_crashes_the_adapter(doc: Any) -> None:
    from aima_gate.core.model import LineIndex

    with contextlib.suppress(AimaGateError):
        normalize(doc, LineIndex({}), "MLmodel")
