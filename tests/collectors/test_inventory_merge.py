"""One subject per model (collectors/inventory_merge.py): registry entries and MLflow versions claim what
discovery found; properties over generated inventories."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from aima_gate.collectors.inventory_merge import merge_models
from aima_gate.core.model import Artifact


def found(name: str, location: str, route: str = "model-file", keys: tuple[str, ...] = (),
          mlflow: dict[str, str] | None = None) -> Artifact:
    file = location if route == "model-file" else f"{location}/MLmodel"
    data = {"name": name.split("@")[0], "version": name.split("@")[1], "source": "discovered",
            "discovered": {"route": route, "file": file, "location": location, "keys": list(keys)},
            "found_by": [{"route": route, "file": file}], **({"mlflow": mlflow} if mlflow else {})}
    return Artifact("model", name, file, data)


def entry(name: str, refs: tuple[str, ...] = (), location: str | None = None) -> Artifact:
    data = {"name": name.split("@")[0], "source": "file", **({"location": location} if location else {})}
    return Artifact("model", name, "registry/models.yml", data, references=tuple(("model_file", r, "/a") for r in refs))


def test_a_registry_entry_claims_its_files_its_location_and_its_namesake_folder() -> None:
    arts = [entry("churn@1", refs=("models/churn.pkl",)), found("models/churn.pkl@unversioned", "models/churn.pkl"),
            entry("bert@2", location="hf/bert"), found("bert-base@unversioned", "hf/bert", "huggingface-folder"),
            entry("router@0.9"), found("serve/router@unversioned", "serve/router", "mlmodel-folder"),
            found("other.pkl@unversioned", "other.pkl")]
    merged = merge_models(arts)
    assert [a.name for a in merged] == ["churn@1", "bert@2", "router@0.9", "other.pkl@unversioned"]
    assert [r["route"] for r in merged[0].data["found_by"]] == ["registry-file", "model-file"]


def test_an_mlflow_version_claims_its_run_model_and_its_logged_model() -> None:
    version = Artifact("model", "credit@1", "mlruns/models/credit/version-1/meta.yaml",
                       {"source": "mlflow-file-store", "mlflow": {"run_id": "r1", "source": "models:/m-9"}})
    arts = [version, found("model@m-9", "mlruns/0/models/m-9", "mlflow-logged-model", mlflow={"model_id": "m-9"}),
            found("model@r1", "mlruns/0/r1/artifacts/model", "mlflow-run-artifact",
                  mlflow={"run_id": "r1", "artifact_path": "other"}),
            found("model@r2", "mlruns/0/r2/artifacts/model", "mlflow-run-artifact", mlflow={"run_id": "r2"})]
    assert [a.name for a in merge_models(arts)] == ["credit@1", "model@r1", "model@r2"]


PATHS = st.lists(st.sampled_from(["a", "a/b", "a/b/c", "d", "d/e"]), min_size=1, max_size=5, unique=True)


@given(PATHS, st.lists(st.sampled_from(["k1", "k2", "k3"]), max_size=3), st.booleans())
def test_merging_keeps_registered_subjects_and_is_idempotent(locations: list[str], keys: list[str],
                                                            with_entry: bool) -> None:
    arts = [found(f"m{i}@v", loc, "mlmodel-folder", keys=tuple(keys[i:i + 1])) for i, loc in enumerate(locations)]
    if with_entry:
        arts.insert(0, entry("reg@1", refs=(f"{locations[0]}/x.pkl",)))
    once = merge_models(arts)
    assert [a.name for a in merge_models(once)] == [a.name for a in once]
    assert not with_entry or once[0].name == "reg@1"
    kept = [a for a in once if a.data["source"] == "discovered"]
    locs = [a.data["discovered"]["location"] for a in kept]
    assert len(set(locs)) == len(locs)  # no model counted twice at one place
    routes = sum(len(a.data["found_by"]) for a in once)
    assert routes == len(arts)  # every route that found something is listed on exactly one subject


def test_a_copy_found_first_still_joins_the_model_an_entry_claims() -> None:
    copy = found("model@m-1", "mlartifacts/0/models/m-1/artifacts", "mlmodel-folder", keys=("model_id:m-1",))
    logged = found("model@m-1", "mlruns/0/models/m-1", "mlflow-logged-model", keys=("model_id:m-1",))
    merged = merge_models([copy, entry("credit@1", location="mlruns/0/models/m-1"), logged])
    assert [a.name for a in merged] == ["credit@1"]
    assert [r["route"] for r in merged[0].data["found_by"]] == ["registry-file", "mlflow-logged-model",
                                                                  "mlmodel-folder"]


class _CountingData(dict):  # type: ignore[type-arg]
    """A model's data that counts how often its ``source`` is read (a cached model's data decodes on demand)."""

    reads = 0

    def get(self, key: object, default: object = None) -> object:
        if key == "source":
            type(self).reads += 1
        return super().get(key, default)


def test_each_models_source_is_read_once_and_other_kinds_keep_their_place() -> None:
    _CountingData.reads = 0
    card = Artifact("model_card", "card", "cards/a.md", {"source": "ignored"})
    governed = [Artifact("model", f"m{i}@1", "registry/models.yml", _CountingData(name=f"m{i}", source="file"))
                for i in range(3)]
    merge_models([card, *governed])
    assert _CountingData.reads == 3  # sorting models into governed and discovered, and naming the route
    arts = [card, governed[0], found("other.pkl@unversioned", "other.pkl"), governed[1], card, governed[2]]
    merged = merge_models(arts)
    assert [a.name for a in merged] == ["card", "m0@1", "other.pkl@unversioned", "m1@1", "card", "m2@1"]
    assert merged[1].data["found_by"] == [{"route": "registry-file", "file": "registry/models.yml"}]
    assert "found_by" not in merged[0].data


def test_a_merged_subject_keeps_every_field_but_its_data() -> None:
    """merge_models builds each subject's artifact directly (not with dataclasses.replace): every field of the
    dataclass, present and future, must come through; only ``data`` gains ``found_by``."""
    from dataclasses import fields

    from aima_gate.core.model import LineIndex

    art = Artifact("model", "churn@1", "registry/models.yml", {"name": "churn", "source": "file"}, 7,
                   LineIndex({"/name": 8}), (("model_card", "cards/churn.md", "/model_card"),))
    (merged,) = merge_models([art])
    assert merged.data == {**art.data, "found_by": [{"route": "registry-file", "file": "registry/models.yml"}]}
    for f in fields(Artifact):
        if f.name != "data":
            assert getattr(merged, f.name) is getattr(art, f.name), f.name


def _merge_before(artifacts: list[Artifact]) -> list[Artifact]:
    """merge_models as it was: the same decisions, then one pass over every artifact, looked up in the sets."""
    from aima_gate.collectors import inventory_merge as im

    found_by: dict[int, list[Any]] = {}
    dropped: set[int] = set()
    governed: list[int] = []
    discovered: list[int] = []
    for i, art in enumerate(artifacts):
        if art.kind != "model":
            continue
        source = art.data.get("source")
        if source == "discovered":
            discovered.append(i)
        else:
            governed.append(i)
            found_by[i] = [{"route": im.ROUTE_OF_SOURCE.get(str(source), str(source)), "file": art.file}]
    direct = {i: next((g for g in governed if im._claims(artifacts[g], artifacts[i])), None) for i in discovered}
    owner_of: dict[int, int] = {}
    for i in sorted(discovered, key=lambda i: direct[i] is None):
        cand = artifacts[i]
        routes = list(cand.data.get("found_by") or [])
        owner = direct[i]
        if owner is None:
            owner = next((owner_of[k] for k in owner_of if im._same(artifacts[k], cand)), None)
        if owner is None:
            owner_of[i] = i
            found_by[i] = routes
        else:
            owner_of[i] = owner
            dropped.add(i)
            found_by[owner].extend(r for r in routes if r not in found_by[owner])
    out = []
    for i, art in enumerate(artifacts):
        if i in dropped:
            continue
        if i in found_by:
            data = dict(art.data.items())
            data["found_by"] = found_by[i]
            art = Artifact(art.kind, art.name, art.file, data, art.line, art.lines, art.references)
        out.append(art)
    return out


@given(st.lists(st.tuples(st.sampled_from(["found", "entry", "card"]), st.sampled_from(["a", "a/b", "d", "d/e"]),
                          st.sampled_from(["m1@v", "m2@v", "a/b@unversioned"])), max_size=8))
def test_merging_as_before(specs: list[tuple[str, str, str]]) -> None:
    arts = [found(name, loc, "mlmodel-folder") if what == "found" else
            entry(name, refs=(f"{loc}/x.pkl",), location=loc) if what == "entry" else
            Artifact("model_card", name, f"{loc}/README.md", {"title": name}) for what, loc, name in specs]
    assert merge_models(arts) == _merge_before(arts)
