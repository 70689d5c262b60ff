"""The model inventory (collectors/model_inventory.py): each discovery route, on small hand-built trees, plus
property tests on the parts that read repository bytes (never an exception other than a named input error)."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aima_gate.collectors import CollectContext
from aima_gate.collectors.inventory_merge import merge_models
from aima_gate.collectors.model_inventory import discover, safe_name
from aima_gate.core.clock import Clock
from aima_gate.core.errors import AimaGateError
from aima_gate.core.model import Artifact
from aima_gate.safeio.repo import Repo
from tests.conftest import TODAY, write

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")
LOGGED = ("artifact_location: file:///C:/x\ncreation_timestamp: 1767457844645\nexperiment_id: '0'\n"
          "model_id: m-abc\nname: credit\nsource_run_id: r1\nstatus: 2\n")


def _ctx(root: Path, options: dict[str, object] | None = None) -> CollectContext:
    return CollectContext(Repo(root), options or {}, {}, Clock.at(TODAY), {})


def _models(root: Path) -> tuple[list[Artifact], list[AimaGateError]]:
    results = list(discover(_ctx(root)))
    arts = merge_models([r for r in results if isinstance(r, Artifact)])
    return arts, [r for r in results if isinstance(r, AimaGateError)]


def test_an_mlflow3_logged_model_is_one_subject_with_facts_from_its_tags(tmp_path: Path) -> None:
    write(tmp_path, "mlruns/0/models/m-abc/meta.yaml", LOGGED)
    write(tmp_path, "mlruns/0/models/m-abc/tags/owner", "risk-ml@bank.example\n")
    write(tmp_path, "mlruns/0/r1/tags/risk_tier", "High\n")  # the source run's tag, normalised
    write(tmp_path, "mlruns/0/models/m-abc/artifacts/MLmodel", "flavors: {sklearn: {}}\nmodel_id: m-abc\n")
    write(tmp_path, "mlruns/0/models/m-abc/artifacts/model.pkl", "x")
    write(tmp_path, "mlartifacts/0/models/m-abc/artifacts/MLmodel", "flavors: {sklearn: {}}\nmodel_id: m-abc\n")
    write(tmp_path, "mlruns/models/credit/version-1/meta.yaml", "name: credit\nversion: 1\n")  # the registry
    models, errors = _models(tmp_path)
    assert not errors
    assert [m.name for m in models] == ["credit@m-abc"]
    data = models[0].data
    assert data["owner"] == "risk-ml@bank.example" and data["risk_tier"] == "high"
    assert data["fact_sources"]["owner"] == "mlruns/0/models/m-abc/tags/owner"
    assert data["fact_sources"]["risk_tier"] == "mlruns/0/r1/tags/risk_tier"
    assert [r["route"] for r in data["found_by"]] == [
        "mlflow-logged-model", "mlmodel-folder", "mlmodel-folder"]
    assert data["artifacts"] == ["mlruns/0/models/m-abc/artifacts/model.pkl"]


def test_mlflow2_run_artifacts_and_their_copies(tmp_path: Path) -> None:
    mlmodel = "artifact_path: model\nflavors: {sklearn: {}}\nrun_id: {run}\nmodel_uuid: {uuid}\n"
    write(tmp_path, "mlruns/0/run1/meta.yaml", "run_id: run1\n")
    write(tmp_path, "mlruns/0/run1/artifacts/model/MLmodel", mlmodel.replace("{run}", "run1").replace("{uuid}", "u1"))
    write(tmp_path, "mlruns/0/run1/tags/intended_use", "Rank applications\n")
    write(tmp_path, "deploy/model/MLmodel", mlmodel.replace("{run}", "run1").replace("{uuid}", "u1"))
    write(tmp_path, "monitor/model/MLmodel", "flavors: {sklearn: {}}\nmodel_uuid: u2\n")
    models, _ = _models(tmp_path)
    assert sorted(m.name for m in models) == ["model@run1", "monitor/model@unversioned"]
    run_model = next(m for m in models if m.name == "model@run1")
    assert run_model.data["intended_use"] == "Rank applications"
    assert {r["file"] for r in run_model.data["found_by"]} == {
        "mlruns/0/run1/artifacts/model/MLmodel", "deploy/model/MLmodel"}


def test_hugging_face_folders_checkpoints_and_what_is_not_one(tmp_path: Path) -> None:
    write(tmp_path, "hf/bert/config.json", json.dumps({"model_type": "bert"}))
    write(tmp_path, "hf/bert/README.md", "---\nlicense: mit\nmodel-index:\n  - name: My Bert!\n---\n# card\n")
    write(tmp_path, "hf/bert/model.safetensors", "x")
    write(tmp_path, "hf/bert/training_args.bin", "x")
    for step in (500, 1000):
        write(tmp_path, f"results/checkpoint-{step}/adapter_config.json", "{}")
        write(tmp_path, f"results/checkpoint-{step}/rng_state.pth", "x")
    write(tmp_path, "web/config.json", json.dumps({"port": 8080}))  # another tool's config.json
    write(tmp_path, "cache/models--openai--gpt2/snapshots/abc/config.json", json.dumps({"architectures": ["X"]}))
    models, _ = _models(tmp_path)
    by_name = {m.name: m for m in models}
    assert set(by_name) == {"My-Bert@unversioned", "results@unversioned", "openai/gpt2@unversioned"}
    bert = by_name["My-Bert@unversioned"]
    assert bert.data["model_card"] == "hf/bert/README.md"
    assert ("model_card", "hf/bert/README.md", "/model_card") in bert.references
    assert bert.data["artifacts"] == ["hf/bert/model.safetensors"]
    assert by_name["results@unversioned"].data["discovered"]["route"] == "huggingface-checkpoints"


def test_model_files_nothing_else_claims_and_virtualenvs(tmp_path: Path) -> None:
    write(tmp_path, "models/clf.joblib", "x")
    write(tmp_path, "models/lgbm.txt", "tree\nversion=v4\nnum_class=1\n")
    write(tmp_path, "requirements.txt", "numpy\n")
    write(tmp_path, "venv/pyvenv.cfg", "home = /usr\n")
    write(tmp_path, "venv/Lib/site-packages/pkg/m.pkl", "x")
    write(tmp_path, "node_modules/x/model.onnx", "x")
    models, _ = _models(tmp_path)
    assert sorted(m.name for m in models) == ["models/clf.joblib@unversioned", "models/lgbm.txt@unversioned"]
    assert all(m.data["source"] == "discovered" and m.file == m.data["artifacts"][0] for m in models)


def test_discovery_can_be_turned_off(tmp_path: Path) -> None:
    from aima_gate.collectors.model_registry import ModelRegistryCollector

    write(tmp_path, "models/clf.pkl", "x")
    found = list(ModelRegistryCollector().collect_external(_ctx(tmp_path)))
    assert [a.name for a in found if isinstance(a, Artifact)] == ["models/clf.pkl@unversioned"]
    assert not list(ModelRegistryCollector().collect_external(_ctx(tmp_path, {"discover": False})))


def test_an_unreadable_mlmodel_is_an_error_naming_it_and_still_a_model(tmp_path: Path) -> None:
    write(tmp_path, "serve/MLmodel", "flavors: [unclosed\n")
    models, errors = _models(tmp_path)
    assert [e.file for e in errors] == ["serve/MLmodel"]
    assert [m.name for m in models] == ["serve@unversioned"]


@given(st.text())
def test_safe_name_always_makes_a_registry_name(raw: str) -> None:
    assert NAME.match(safe_name(raw))


TEXT = st.text(string.printable + "é\u202e", max_size=200)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(meta=TEXT, mlmodel=TEXT, config=TEXT, card=TEXT)
def test_hostile_metadata_yields_subjects_or_named_errors(tmp_path: Path, meta: str, mlmodel: str, config: str,
                                                         card: str) -> None:
    root = tmp_path / "r"
    write(root, "mlruns/1/models/m-1/meta.yaml", meta)
    write(root, "mlruns/1/r/artifacts/model/MLmodel", mlmodel)
    write(root, "hf/config.json", config)
    write(root, "hf/README.md", card)
    write(root, "hf/model.safetensors", "x")
    for item in discover(_ctx(root)):  # nothing but artifacts and input errors that name a file
        assert isinstance(item, (Artifact, AimaGateError))
        if isinstance(item, AimaGateError):
            assert item.file
        else:
            assert NAME.match(item.name.rsplit("@", 1)[0])


def test_an_unreadable_tag_file_is_an_error_and_the_model_stays(tmp_path: Path) -> None:
    write(tmp_path, "mlruns/0/models/m-abc/meta.yaml", LOGGED)
    (tmp_path / "mlruns/0/models/m-abc/tags").mkdir(parents=True)
    (tmp_path / "mlruns/0/models/m-abc/tags/owner").write_bytes(b"\xff\xfe\x00bad")
    models, errors = _models(tmp_path)
    assert [m.name for m in models] == ["credit@m-abc"] and "owner" not in models[0].data
    assert [e.file for e in errors] == ["mlruns/0/models/m-abc/tags/owner"]


@given(st.text(alphabet="ab./PTkl", max_size=12) | st.sampled_from(["a.pkl", "d.pkl/x", ".pt", "a/.", "x.SafeTensors"]))
def test_a_model_file_is_told_by_its_name_s_last_extension(path: str) -> None:
    """_is_model_file (asked for every file, so written with string methods) answers as its definition: the base
    name holds a dot and what follows the last one is a model file extension, in any case."""
    import posixpath

    from aima_gate.collectors.model_inventory import MODEL_FILE_EXTENSIONS, _is_model_file

    name = posixpath.basename(path)
    assert _is_model_file(path) == ("." in name and path.rsplit(".", 1)[-1].lower() in MODEL_FILE_EXTENSIONS)
