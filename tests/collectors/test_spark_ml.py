"""The ``spark-ml-folder`` discovery route (collectors/spark_ml.py, wired into collectors/model_inventory.py): Spark
ML model folders on small hand-built trees in the layout Spark's ``MLWriter`` writes, what is not one, and a
property test on the one file it reads."""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aima_gate.collectors import CollectContext
from aima_gate.collectors.inventory_merge import merge_models
from aima_gate.collectors.model_inventory import discover
from aima_gate.collectors.spark_ml import spark_class
from aima_gate.core.clock import Clock
from aima_gate.core.errors import AimaGateError
from aima_gate.core.model import Artifact
from aima_gate.safeio.repo import Repo
from tests.conftest import REPO_ROOT, TODAY, write

CORPUS_METADATA = (REPO_ROOT / "tests/realworld/repos/churn-mct-json/repo/Models/decision_tree_model/metadata"
                   / "part-00000")
TREE = CORPUS_METADATA.read_text(encoding="utf-8")
"""Spark 3.5.4's metadata of a saved DecisionTreeClassificationModel (one JSON line and a newline)."""


def _meta(cls: str, uid: str, **extra: object) -> str:
    # The shape DefaultParamsWriter.getMetadataToSave writes: compact JSON, one line, then saveAsTextFile's newline.
    return json.dumps({"class": cls, "timestamp": 1736710770446, "sparkVersion": "3.5.4", "uid": uid,
                       "paramMap": {}, "defaultParamMap": {}, **extra}, separators=(",", ":")) + "\n"


def _ctx(root: Path, max_bytes: int | None = None) -> CollectContext:
    repo = Repo(root) if max_bytes is None else Repo(root, max_bytes=max_bytes)
    return CollectContext(repo, {}, {}, Clock.at(TODAY), {})


def _models(root: Path, max_bytes: int | None = None) -> tuple[list[Artifact], list[AimaGateError]]:
    results = list(discover(_ctx(root, max_bytes)))
    arts = merge_models([r for r in results if isinstance(r, Artifact)])
    return arts, [r for r in results if isinstance(r, AimaGateError)]


def _spark_folder(root: Path, folder: str, metadata: str = TREE) -> None:
    write(root, f"{folder}/metadata/part-00000", metadata)
    write(root, f"{folder}/metadata/_SUCCESS", "")
    write(root, f"{folder}/data/part-00000-95ed2c88-c000.snappy.parquet", "PAR1 not really parquet PAR1")


def test_a_saved_spark_model_folder_is_one_subject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _spark_folder(tmp_path, "Models/decision_tree_model")
    reads: list[str] = []

    def spy(real: Any) -> Any:
        def read(self: Repo, rel: str, *args: Any, **kwargs: Any) -> Any:
            reads.append(rel)
            return real(self, rel, *args, **kwargs)
        return read

    for method in ("read_bytes", "open_binary"):  # read_text reads through read_bytes
        monkeypatch.setattr(Repo, method, spy(getattr(Repo, method)))
    models, errors = _models(tmp_path)
    assert not errors
    (model,) = models
    assert (model.name, model.file) == ("Models/decision_tree_model@unversioned",
                                        "Models/decision_tree_model/metadata/part-00000")
    data = model.data
    assert data["discovered"]["route"] == "spark-ml-folder"
    assert data["discovered"]["location"] == "Models/decision_tree_model"
    assert [r["route"] for r in data["found_by"]] == ["spark-ml-folder"]
    assert data["tags"] == {"spark_class": "org.apache.spark.ml.classification.DecisionTreeClassificationModel",
                            "spark_version": "3.5.4"}
    assert data["fact_sources"]["tags.spark_class"] == "Models/decision_tree_model/metadata/part-00000"
    assert data["artifacts"] == []  # Parquet node data is not a model file of its own
    assert "owner" not in data and "risk_tier" not in data  # nothing in Spark's metadata says who owns it
    assert reads == ["Models/decision_tree_model/metadata/part-00000"]  # only the metadata, never the data


def test_a_pipeline_model_and_its_stages_are_one_model(tmp_path: Path) -> None:
    # PipelineModel.write: the pipeline's metadata (stageUids), then each stage under stages/<n>_<uid>/, padded
    # to the digits of the stage count; a stage may itself nest models (CrossValidatorModel's bestModel/).
    root = "pipelines/churn_pipeline"
    uids = ["StringIndexer_1a2b", "VectorAssembler_3c4d", "DecisionTreeClassifier_5e6f"]
    write(tmp_path, f"{root}/metadata/part-00000",
          _meta("org.apache.spark.ml.PipelineModel", "PipelineModel_9f8e", stageUids=uids))
    _spark_folder(tmp_path, f"{root}/stages/0_{uids[0]}",
                  _meta("org.apache.spark.ml.feature.StringIndexerModel", uids[0]))
    _spark_folder(tmp_path, f"{root}/stages/1_{uids[1]}",
                  _meta("org.apache.spark.ml.feature.VectorAssembler", uids[1]))
    _spark_folder(tmp_path, f"{root}/stages/2_{uids[2]}", TREE)
    _spark_folder(tmp_path, f"{root}/stages/2_{uids[2]}/bestModel", TREE)
    models, errors = _models(tmp_path)
    assert not errors
    assert [(m.name, m.file) for m in models] == [("pipelines/churn_pipeline@unversioned",
                                                   "pipelines/churn_pipeline/metadata/part-00000")]
    assert models[0].data["tags"]["spark_class"] == "org.apache.spark.ml.PipelineModel"
    assert len(models[0].data["found_by"]) == 1  # the stages are not routes that found it again


def test_a_tuned_model_and_its_best_model_are_one_model(tmp_path: Path) -> None:
    # CrossValidatorModel.write: its metadata, then bestModel/ (and subModels/ when kept); OneVsRestModel: model_<n>/.
    # "bestModel/" sorts before "metadata/" by name: the outer model must still be the subject.
    write(tmp_path, "cv/metadata/part-00000", _meta("org.apache.spark.ml.tuning.CrossValidatorModel", "cv_1",
                                                    avgMetrics=[0.71, 0.72]))
    _spark_folder(tmp_path, "cv/bestModel")
    _spark_folder(tmp_path, "cv/subModels/fold0/0")
    write(tmp_path, "ovr/metadata/part-00000", _meta("org.apache.spark.ml.classification.OneVsRestModel", "ovr_1"))
    _spark_folder(tmp_path, "ovr/model_0")
    _spark_folder(tmp_path, "ovr/classifier")
    models, errors = _models(tmp_path)
    assert not errors
    assert sorted((m.name, m.data["tags"]["spark_class"]) for m in models) == [
        ("cv@unversioned", "org.apache.spark.ml.tuning.CrossValidatorModel"),
        ("ovr@unversioned", "org.apache.spark.ml.classification.OneVsRestModel")]


def test_two_spark_models_side_by_side_are_two_subjects(tmp_path: Path) -> None:
    _spark_folder(tmp_path, "models/tree")
    _spark_folder(tmp_path, "models/tree_v2", _meta(
        "org.apache.spark.ml.classification.RandomForestClassificationModel", "rfc_1", numTrees=20))
    models, _ = _models(tmp_path)
    assert sorted(m.name for m in models) == ["models/tree@unversioned", "models/tree_v2@unversioned"]


@pytest.mark.parametrize("metadata", [
    pytest.param("PAR1\x00\x01 not json", id="not-json"),
    pytest.param('{"class":"org.apache.spark.ml.classification.DecisionTreeClassificationModel"', id="cut-short"),
    pytest.param(json.dumps({"timestamp": 1, "sparkVersion": "3.5.4", "uid": "x", "paramMap": {}}), id="no-class"),
    pytest.param(json.dumps({"class": ["org.apache.spark.ml.PipelineModel"]}), id="class-not-a-string"),
    pytest.param(json.dumps(["org.apache.spark.ml.PipelineModel"]), id="not-an-object"),
    pytest.param(_meta("org.apache.spark.mllib.classification.LogisticRegressionModel", "x"), id="mllib-class"),
    pytest.param(_meta("org.apache.spark.mlx.Model", "x"), id="lookalike-package"),
    pytest.param(_meta("pyspark.ml.feature.MyTransformer", "x"), id="python-class"),
    pytest.param(_meta("com.example.ml.Model", "x"), id="other-jvm-class"),
    pytest.param("tree\nversion=v4\n", id="text"),
])
def test_metadata_that_is_not_spark_ml_is_no_model(tmp_path: Path, metadata: str) -> None:
    _spark_folder(tmp_path, "exports/thing", metadata)
    models, errors = _models(tmp_path)
    assert not models and not errors


@pytest.mark.parametrize("path", [
    "exports/part-00000",  # an RDD saved as text: the same file name, not in a metadata/ folder
    "exports/metadata/part-00001",
    "exports/metadata/nested/part-00000",
    "exports/metadata/part-00000.crc",
    "exports/metadata/part-00000-95ed2c88-c000.txt",
    "exports/meta/part-00000",
    "exports/Metadata/part-00000",
])
def test_spark_metadata_at_any_other_path_is_no_model(tmp_path: Path, path: str) -> None:
    write(tmp_path, path, TREE)
    models, errors = _models(tmp_path)
    assert not models and not errors


def test_a_spark_model_at_the_repository_root_and_in_virtualenvs(tmp_path: Path) -> None:
    write(tmp_path, "metadata/part-00000", TREE)  # the repository is the saved model folder
    write(tmp_path, "venv/pyvenv.cfg", "home = /usr\n")
    _spark_folder(tmp_path, "venv/lib/site-packages/pyspark/models/tree")
    models, _ = _models(tmp_path)
    assert [(m.name, m.data["discovered"]["location"]) for m in models] == [("model@unversioned", "")]


def test_a_spark_model_inside_an_mlflow_model_is_the_mlflow_model(tmp_path: Path) -> None:
    # MLflow's spark flavor: <model>/MLmodel and the Spark model saved into <model>/sparkml/
    write(tmp_path, "deploy/model/MLmodel", "flavors:\n  spark: {model_data: sparkml}\nmodel_uuid: u1\n")
    _spark_folder(tmp_path, "deploy/model/sparkml")
    models, _ = _models(tmp_path)
    assert [m.name for m in models] == ["deploy/model@unversioned"]
    assert [r["route"] for r in models[0].data["found_by"]] == ["mlmodel-folder"]


def test_metadata_over_the_size_limit_is_an_error_naming_it(tmp_path: Path) -> None:
    _spark_folder(tmp_path, "models/big", _meta("org.apache.spark.ml.PipelineModel", "p", pad="x" * 2000))
    _spark_folder(tmp_path, "models/small")
    models, errors = _models(tmp_path, max_bytes=1000)
    assert [m.name for m in models] == ["models/small@unversioned"]
    # whether it is a model is unknown: an error naming the file, never silently nothing
    assert [e.file for e in errors] == ["models/big/metadata/part-00000"]


def test_metadata_that_is_not_utf8_is_no_model(tmp_path: Path) -> None:
    _spark_folder(tmp_path, "models/latin1")
    (tmp_path / "models/latin1/metadata/part-00000").write_bytes(b'{"class":"org.apache.spark.ml.X","uid":"\xe9"}')
    models, errors = _models(tmp_path)
    assert not models and not errors


TEXT = st.text(string.printable + "é\u202e\x00", max_size=200)
SPARKISH = st.builds(lambda cls, extra: json.dumps({"class": cls, **extra}),
                     st.sampled_from(["org.apache.spark.ml.PipelineModel", "org.apache.spark.ml.", "org.apache.spark",
                                      "org.apache.spark.mllib.X", ""]) | st.text(max_size=30),
                     st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8), max_size=3))


def _is_spark_ml(text: str) -> bool:
    try:
        doc = json.loads(text)
    except ValueError:
        return False
    return isinstance(doc, dict) and isinstance(doc.get("class"), str) and doc["class"].startswith(
        "org.apache.spark.ml.")


@given(text=TEXT)
def test_spark_class_never_raises_and_accepts_only_spark_ml_metadata(text: str) -> None:
    meta = spark_class(text, "m/metadata/part-00000")
    assert meta is None or _is_spark_ml(text)


@given(text=SPARKISH)
def test_spark_class_answers_as_its_definition_on_json_objects(text: str) -> None:
    meta = spark_class(text, "m/metadata/part-00000")
    assert (meta is not None) == _is_spark_ml(text)
    assert meta is None or meta == json.loads(text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(outer=TEXT | SPARKISH, stage=TEXT | SPARKISH)
def test_hostile_spark_metadata_yields_subjects_or_named_errors(tmp_path: Path, outer: str, stage: str) -> None:
    root = tmp_path / "r"
    write(root, "m/metadata/part-00000", outer)
    write(root, "m/stages/0_x/metadata/part-00000", stage)
    results = list(discover(_ctx(root)))
    for item in results:  # nothing but artifacts and input errors that name a file
        assert isinstance(item, (Artifact, AimaGateError))
        if isinstance(item, AimaGateError):
            assert item.file
    assert len([r for r in results if isinstance(r, Artifact)]) <= 1  # never the pipeline and a stage
