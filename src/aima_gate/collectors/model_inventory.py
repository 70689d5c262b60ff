"""The model inventory: ``model`` subjects discovered from what a repository already holds, with no registry.

Routes, in the order they claim what they find (a later route never re-counts files an earlier one owns):

- ``mlflow-logged-model``: MLflow 3 logged models, ``<store>/<experiment>/models/<model id>/meta.yaml`` (not the
  registry under ``<store>/models/``); name from ``name``, version the model id; ``tags/`` files may hold
  ``owner``, ``risk_tier`` and ``intended_use``, else the source run's tags.
- ``mlflow-run-artifact``: an ``MLmodel`` inside a run, ``<store>/<experiment>/<run>/artifacts/<path>/MLmodel``
  (MLflow 2); name the artifact path, version the run id; governance facts from the run's tags.
- ``mlmodel-folder``: any other folder holding an ``MLmodel`` (copies under ``mlartifacts/``, ``DEPLOY/model``).
  MLflow's own ids (``model_id``, ``model_uuid``, run id and artifact path) make copies of one model one subject.
- ``huggingface-folder``: a folder with ``adapter_config.json``, or ``config.json`` plus a Hugging Face sign (a
  ``model_type``/``architectures`` key, weight files, a README card with front matter); its README is the card.
  ``checkpoint-N`` folders are checkpoints of one training run: one subject for their parent folder.
- ``spark-ml-folder``: a Spark ML model saved with ``MLWriter``, a folder whose ``metadata/part-00000`` is
  JSON naming an ``org.apache.spark.ml.`` class (:mod:`aima_gate.collectors.spark_ml`); a pipeline's stages
  and other nested models are part of it. Folder @ ``unversioned``.
- ``model-file``: a model file (:data:`MODEL_FILE_EXTENSIONS`, or a ``.txt`` that begins like a LightGBM text
  model) in no folder above and outside virtualenvs.

Each subject has ``source: discovered``, ``discovered {route, file, location}``, ``found_by`` (every route that
found it) and ``fact_sources`` (the file each fact came from). Nothing is loaded or imported: metadata is read
with the safe YAML/JSON loaders through the confined repository reader. Default exclusions apply (the walk never
enters virtualenvs, ``site-packages``, ``node_modules`` or build outputs); ``artifacts.model.discover: false`` in
the config turns discovery off. Deduplication against registry entries and MLflow registries is
:mod:`aima_gate.collectors.inventory_merge`.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aima_gate.collectors import CollectContext, Result
from aima_gate.collectors.spark_ml import ROUTE as SPARK_ROUTE
from aima_gate.collectors.spark_ml import spark_folders
from aima_gate.collectors.vocabulary import normalize_entry
from aima_gate.core.errors import AimaGateError, ArtifactError
from aima_gate.core.model import Artifact

MODEL_FILE_EXTENSIONS = frozenset({
    "pkl", "pickle", "joblib", "jbl", "sav", "dill", "pt", "pth", "ckpt", "safetensors", "onnx", "gguf", "h5",
    "keras", "tflite", "mlmodel", "cbm",
})
"""Extensions of files that are models on their own (``.bin``, ``.npy``, ``.txt`` are too often something else,
so they count only inside a model folder)."""
WEIGHT_NAMES = re.compile(r"(^|/)(pytorch_model.*\.bin|tf_model\.h5|flax_model\.msgpack|adapter_model\.\w+"
                          r"|model.*\.safetensors|.*\.gguf|model\.onnx)$")
CHECKPOINT = re.compile(r"^checkpoint-\d+$")
FIELD_TAGS = ("owner", "risk_tier", "intended_use")
UNVERSIONED = "unversioned"


@dataclass
class Candidate:
    """One model found by one route, before merging."""

    route: str
    file: str
    """The file it was discovered from (evidence points here)."""
    location: str
    """The folder (or, for a lone model file, the file) that holds the model."""
    name: str
    version: str
    keys: tuple[str, ...] = ()
    """Identities shared by copies of one model (``model_id:m-…``, ``uuid:…``, ``run:<id>/<path>``)."""
    facts: dict[str, Any] = field(default_factory=dict)
    fact_sources: dict[str, str] = field(default_factory=dict)
    references: list[tuple[str, str, str]] = field(default_factory=list)
    mlflow: dict[str, Any] = field(default_factory=dict)

    def artifact(self, ctx: CollectContext, files: Sequence[str]) -> Iterator[Result]:
        """The ``model`` artifact; ``files`` is the repository's sorted file list (searched, not scanned)."""
        data: dict[str, Any] = {"name": self.name, "version": self.version, **self.facts}
        data, errors = normalize_entry(data, ctx.settings, file=self.file, line_of=lambda _p: None)
        yield from errors
        if self.location == self.file:  # a lone model file is its own artifact, whatever its extension
            artifacts = [self.file]
        else:
            artifacts = sorted(f for f in _under(files, self.location) if _is_model_file(f) or WEIGHT_NAMES.search(f))
        data.update({
            "source": "discovered", "mlflow_sync": False,
            "discovered": {"route": self.route, "file": self.file, "location": self.location,
                           "keys": list(self.keys)},
            "found_by": [{"route": self.route, "file": self.file}],
            "fact_sources": {"name": self.file, "version": self.file, **self.fact_sources},
            "artifacts": artifacts,
        })
        if self.mlflow:
            data["mlflow"] = dict(self.mlflow)
        yield Artifact(kind="model", name=f"{self.name}@{self.version}", file=self.file, data=data, line=1,
                       references=tuple(self.references))


def _under(files: Sequence[str], folder: str) -> Sequence[str]:
    """The files below ``folder`` in the sorted list ``files`` (a slice found by bisection)."""
    if folder in ("", "."):
        return files
    prefix = folder + "/"
    start = bisect.bisect_left(files, prefix)
    end = bisect.bisect_left(files, folder + "0")  # "0" sorts right after "/"
    return files[start:end]


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + "/") if folder not in ("", ".") else True


def _is_model_file(path: str) -> bool:
    # Asked for every file of the repository: string methods only (posixpath.basename and rsplit cost twice as much).
    name = path.rpartition("/")[2]
    return "." in name and name.rpartition(".")[2].lower() in MODEL_FILE_EXTENSIONS


_MODEL_SUFFIXES = (*(f".{ext}" for ext in sorted(MODEL_FILE_EXTENSIONS)), ".txt")
_TAIL = max(map(len, _MODEL_SUFFIXES))


def _maybe_model_files(files: Sequence[str]) -> list[str]:
    """The files that may pass :func:`_is_model_file` or :func:`_text_model`: those whose name ends, in any case,
    with a model file extension or ``.txt`` (one C-level test per file instead of two calls: 20,000 files at 5,000
    models, on every run). A superset: a name's extension lowercased to one of them ends the name, whole."""
    suffixes, tail = _MODEL_SUFFIXES, -_TAIL
    return [f for f in files if f[tail:].lower().endswith(suffixes)]


def safe_name(raw: str) -> str:
    """A registry-valid model name (``^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$``) for a path or free-text name."""
    name = re.sub(r"[^A-Za-z0-9._/-]+", "-", raw).strip("-./_")
    name = re.sub(r"/+", "/", name)
    return (name or "model")[:200].rstrip("/") or "model"


def enabled(ctx: CollectContext) -> bool:
    return ctx.options.get("discover", True) is not False


def discover(ctx: CollectContext) -> Iterable[Result]:
    """Every model candidate of every route, as ``model`` artifacts (merging happens later, over all sources)."""
    candidates: list[Candidate] = []
    for route in (_logged_models, _mlmodel_folders, _huggingface_folders):
        for item in route(ctx):
            if isinstance(item, Candidate):
                candidates.append(item)
            else:
                yield item
    for found in spark_folders(ctx, [c.location for c in candidates]):
        if isinstance(found, AimaGateError):
            yield found
        else:
            candidates.append(_spark_candidate(*found))
    owned = [c.location for c in candidates]
    for file in _maybe_model_files(ctx.repo.files()):
        if (_is_model_file(file) or _text_model(ctx, file)) and not any(_inside(file, loc) for loc in owned) \
                and not _in_venv(ctx, file):
            candidates.append(Candidate("model-file", file, file, safe_name(file), UNVERSIONED))
    files = sorted(ctx.repo.files())
    for cand in candidates:
        yield from cand.artifact(ctx, files)


def _spark_candidate(folder: str, file: str, meta: Mapping[str, Any]) -> Candidate:
    cand = Candidate(SPARK_ROUTE, file, folder, safe_name(folder or "model"), UNVERSIONED)
    for tag, key in (("spark_class", "class"), ("spark_version", "sparkVersion")):
        if isinstance(meta.get(key), str) and meta[key]:
            cand.facts.setdefault("tags", {})[tag] = meta[key]
            cand.fact_sources[f"tags.{tag}"] = file
    return cand


TEXT_MODEL_HEADS = (b"tree\nversion=v", b"tree\r\nversion=v")
"""How a LightGBM model saved as text (``booster.save_model("model.txt")``) begins."""


def _text_model(ctx: CollectContext, file: str) -> bool:
    """A ``.txt`` file that is a LightGBM text model (the extension says nothing; the first bytes do)."""
    if not file.endswith(".txt"):
        return False
    try:
        with ctx.repo.open_binary(file) as fh:
            head = fh.read(32)
    except (AimaGateError, OSError):
        return False  # not readable as a model either; whatever reads it reports the problem
    return head.startswith(TEXT_MODEL_HEADS)


def _in_venv(ctx: CollectContext, file: str) -> bool:
    from aima_gate.integrity.model_files import in_virtualenv

    return in_virtualenv(ctx.repo, file)


def _yaml_mapping(ctx: CollectContext, file: str) -> Mapping[str, Any]:
    from aima_gate.safeio.loaders import load_yaml

    data, _ = load_yaml(ctx.repo.read_text(file), file)
    if not isinstance(data, Mapping):
        raise ArtifactError("an MLflow meta.yaml must be a mapping", file=file, line=1)
    return data


def _tag_files(ctx: CollectContext, folder: str) -> dict[str, tuple[str, str]]:
    """``{tag: (value, file)}`` of the governance tags stored as files in ``folder``."""
    out = {}
    for key in FIELD_TAGS:
        path = f"{folder}/{key}"
        if ctx.repo.exists(path):
            value = ctx.repo.read_text(path).strip()
            if value:
                out[key] = (value, path)
    return out


def _apply_tags(cand: Candidate, *tag_sets: Mapping[str, tuple[str, str]]) -> None:
    for tags in tag_sets:  # the first set wins (the model's own tags, then its run's)
        for key, (value, file) in tags.items():
            if key not in cand.facts:
                cand.facts[key] = value
                cand.fact_sources[key] = file


def _run_folder(meta_file: str) -> tuple[str, str] | None:
    """(run folder, run id) for a file inside ``<store>/<experiment>/<run>/...`` of an MLflow store."""
    parts = meta_file.split("/")
    for i, part in enumerate(parts):
        if part in ("mlruns", "mlartifacts") and len(parts) > i + 3 and parts[i + 1] not in ("models", ".trash") \
                and parts[i + 2] != "models":
            return "/".join(parts[: i + 3]), parts[i + 2]
    return None


def _logged_models(ctx: CollectContext) -> Iterator[Candidate | AimaGateError]:
    for file in ctx.repo.glob(["**/mlruns/*/models/*/meta.yaml", "mlruns/*/models/*/meta.yaml"]):
        parts = file.split("/")
        if parts[-4] in ("models", ".trash") or "/.trash/" in f"/{file}":
            continue  # <store>/models/ is the registry (mlflow_file_store.py)
        try:
            meta = _yaml_mapping(ctx, file)
        except AimaGateError as exc:
            yield exc
            continue
        folder = posixpath.dirname(file)
        model_id = str(meta.get("model_id") or posixpath.basename(folder))
        cand = Candidate("mlflow-logged-model", file, folder, safe_name(str(meta.get("name") or "model")),
                         safe_name(model_id), keys=(f"model_id:{model_id}",))
        run_id = meta.get("source_run_id")
        store = file.rsplit("/", 4)[0]
        try:  # an unreadable tag file is an error naming it; the model is still a subject
            run_tags: dict[str, tuple[str, str]] = {}
            if run_id:
                run_tags = _tag_files(ctx, f"{store}/{meta.get('experiment_id')}/{run_id}/tags")
            _apply_tags(cand, _tag_files(ctx, f"{folder}/tags"), run_tags)
        except AimaGateError as exc:
            yield exc
        cand.mlflow = {"model_id": model_id, "run_id": str(run_id) if run_id else None,
                       "experiment_id": str(meta.get("experiment_id")), "status": meta.get("status")}
        yield cand


def _mlmodel_folders(ctx: CollectContext) -> Iterator[Candidate | AimaGateError]:
    from aima_gate.collectors.mlflow_model import read_mlmodel

    # Run artifacts first: a copy elsewhere (deploy/, mlartifacts/) merges into the run's model, which has tags.
    for file in sorted(ctx.repo.glob(["**/MLmodel"]), key=lambda f: ("/mlruns/" not in f"/{f}", f)):
        folder = posixpath.dirname(file)
        try:
            info = read_mlmodel(ctx, file)[0]
        except AimaGateError as exc:  # the same error the mlflow_model collector reports (one, after dedupe)
            yield exc
            info = {}
        run = _run_folder(file)
        run_id = info.get("run_id") or (run[1] if run else None)
        artifact_path = info.get("artifact_path") or (file.split("/artifacts/", 1)[1].rsplit("/", 1)[0]
                                                      if "/artifacts/" in file else None)
        keys = tuple(k for k in (
            f"model_id:{info['model_id']}" if info.get("model_id") else "",
            f"uuid:{info['model_uuid']}" if info.get("model_uuid") else "",
            f"run:{run_id}/{artifact_path}" if run_id and artifact_path else "") if k)
        if run is not None and "/mlruns/" in f"/{file}" and artifact_path:
            cand = Candidate("mlflow-run-artifact", file, folder, safe_name(artifact_path), safe_name(run_id or ""),
                             keys=keys)
            try:
                _apply_tags(cand, _tag_files(ctx, f"{run[0]}/tags"))
            except AimaGateError as exc:
                yield exc
        elif info.get("model_id"):  # an MLflow 3 logged model copied out of its store (mlartifacts/...)
            simple = artifact_path and not any(c in str(artifact_path) for c in ":/")  # MLflow 3 writes a URI
            cand = Candidate("mlmodel-folder", file, folder, safe_name(str(artifact_path if simple else "model")),
                             safe_name(str(info["model_id"])), keys=keys)
        elif run_id and artifact_path:
            cand = Candidate("mlmodel-folder", file, folder, safe_name(str(artifact_path)), safe_name(str(run_id)),
                             keys=keys)
        else:
            cand = Candidate("mlmodel-folder", file, folder, safe_name(folder or "model"), UNVERSIONED, keys=keys)
        cand.mlflow = {k: info.get(k) for k in ("model_id", "model_uuid", "artifact_path", "flavors")
                       if info.get(k)}
        if run_id:
            cand.mlflow["run_id"] = run_id
        yield cand


def _huggingface_folders(ctx: CollectContext) -> Iterator[Candidate | AimaGateError]:
    from aima_gate.safeio.loaders import load_json, split_front_matter

    files = sorted(ctx.repo.files())  # sorted already (Repo.files): a copy in one pass, for the bisection
    seen: set[str] = set()
    for folder in _config_folders(files):
        names = _names_in(files, folder)
        if _in_venv(ctx, f"{folder}/config.json") or "MLmodel" in names:
            continue
        signs: list[str] = []
        if "adapter_config.json" in names:
            signs.append("adapter_config.json")
        weights = sorted(n for n in names if WEIGHT_NAMES.search(n))
        signs += weights
        config = f"{folder}/config.json" if folder else "config.json"
        if "config.json" in names:
            try:
                doc, _ = load_json(ctx.repo.read_text(config), config)
                if isinstance(doc, Mapping) and ("model_type" in doc or "architectures" in doc):
                    signs.append("config.json")
            except AimaGateError:
                pass  # an LFS pointer or another tool's config.json: other signs decide
        card = next((n for n in ("README.md", "readme.md", "Readme.md") if n in names), None)
        card_path = f"{folder}/{card}" if card and folder else card
        front: Any = None
        if card_path is not None:
            try:
                front, _, _, _ = split_front_matter(ctx.repo.read_text(card_path), card_path)
            except AimaGateError:
                front = None
            if isinstance(front, Mapping):
                signs.append(card_path)
        if not signs:
            continue
        base = posixpath.basename(folder)
        location = posixpath.dirname(folder) if CHECKPOINT.match(base) else folder
        if location in seen:
            continue
        seen.add(location)
        evidence = next(f"{folder}/{n}" if folder else n for n in ("adapter_config.json", "config.json")
                         if n in names)
        cand = Candidate("huggingface-folder", evidence, location, _hf_name(front, location), UNVERSIONED)
        if CHECKPOINT.match(base):
            cand.route = "huggingface-checkpoints"
        if card_path is not None and not CHECKPOINT.match(base):
            cand.references.append(("model_card", card_path, "/model_card"))
            cand.facts["model_card"] = card_path
            cand.fact_sources["model_card"] = card_path
        if isinstance(front, Mapping):
            for key in ("license", "base_model", "language"):
                value = front.get(key)
                if isinstance(value, (str, list)) and value:
                    cand.facts.setdefault("tags", {})[key] = value if isinstance(value, str) else ", ".join(
                        str(v) for v in value)
                    cand.fact_sources[f"tags.{key}"] = card_path or evidence
        yield cand


def _hf_name(front: Any, location: str) -> str:
    if isinstance(front, Mapping):
        index = front.get("model-index")
        if isinstance(index, list) and index and isinstance(index[0], Mapping) and index[0].get("name"):
            return safe_name(str(index[0]["name"]))
    if "models--" in location:  # a Hugging Face hub cache: models--<org>--<name>/snapshots/<sha>
        return safe_name(location.split("models--", 1)[1].split("/", 1)[0].replace("--", "/"))
    return safe_name(location or "model")


def _config_folders(files: Sequence[str]) -> list[str]:
    """The folders (sorted; "" for the root) that directly hold a ``config.json`` or an ``adapter_config.json``:
    the only ones :func:`_huggingface_folders` looks at (found without a set of names for every folder)."""
    return sorted({f.rpartition("/")[0] for f in files
                   if "config.json" in f and f.rpartition("/")[2] in ("config.json", "adapter_config.json")})


def _names_in(files: Sequence[str], folder: str) -> set[str]:
    """The names of the files directly in ``folder`` ("" for the root), from the sorted listing ``files``."""
    below = files if not folder else _under(files, folder)
    cut = len(folder) + 1 if folder else 0
    return {f[cut:] for f in below if "/" not in f[cut:]}
