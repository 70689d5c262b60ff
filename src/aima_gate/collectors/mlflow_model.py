"""``mlflow_model``: ``MLmodel`` files (the YAML descriptor MLflow writes next to a logged model).

Normalized (``schemas/mlflow-model.schema.json``): ``flavors`` (names), ``flavor_details``, ``mlflow_version``,
``model_uuid``, ``model_id``, ``run_id``, ``utc_time_created``, ``artifact_path`` and ``signature``
``{inputs, outputs, params}`` with the JSON strings MLflow embeds in the YAML parsed (null when absent), plus
``has_signature`` and ``input_names``. A Git LFS pointer committed in place of the file is reported as such.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from aima_gate.collectors import CollectContext, Collector, Result
from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import Artifact, LineIndex
from aima_gate.safeio.loaders import load_json, load_yaml

LFS_MAGIC = "version https://git-lfs.github.com/spec/"


def lfs_pointer_error(text: str, file: str, what: str) -> ArtifactError | None:
    if text.lstrip().startswith(LFS_MAGIC):
        return ArtifactError(f"{file} is a Git LFS pointer, not the {what} itself", file=file, line=1,
                             hint="run `git lfs pull` (or check out with LFS) before running aima-gate")
    return None


def _signature_part(value: Any, file: str, line: int | None, key: str) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        parsed, _ = load_json(value, file)  # MLflow stores the schema as a JSON string inside the YAML
        value = parsed
    if not isinstance(value, list):
        raise ArtifactError(f"signature.{key} must be a list of column or tensor specs", file=file, line=line)
    return value


def normalize(doc: Any, lines: LineIndex, file: str) -> dict[str, Any]:
    if not isinstance(doc, Mapping) or not isinstance(doc.get("flavors"), Mapping) or not doc["flavors"]:
        raise ArtifactError("not an MLmodel file: expected a mapping with a non-empty `flavors:` section",
                            file=file, line=1)
    sig = doc.get("signature")
    signature = None
    if sig is not None:
        if not isinstance(sig, Mapping):
            raise ArtifactError("signature must be a mapping of inputs/outputs/params", file=file,
                                line=lines.line_of("/signature"))
        signature = {}
        for key in ("inputs", "outputs", "params"):
            line = lines.line_of(f"/signature/{key}")
            try:
                signature[key] = _signature_part(sig.get(key), file, line, key)
            except ArtifactError as exc:
                raise ArtifactError(f"signature.{key}: {exc.diagnosis}", file=file, line=line) from None
            except Exception as exc:  # InputError from the embedded JSON
                raise ArtifactError(f"signature.{key} is not valid JSON: {getattr(exc, 'diagnosis', exc)}",
                                    file=file, line=line) from None
    inputs = (signature or {}).get("inputs") or []
    flavors = doc["flavors"]
    return {
        "artifact_path": _scalar(doc.get("artifact_path")),
        "flavors": sorted(str(k) for k in flavors),
        "flavor_details": {str(k): dict(v) if isinstance(v, Mapping) else {} for k, v in flavors.items()},
        "mlflow_version": _scalar(doc.get("mlflow_version")),
        "model_uuid": _scalar(doc.get("model_uuid")),
        "model_id": _scalar(doc.get("model_id")),
        "run_id": _scalar(doc.get("run_id")),
        "utc_time_created": _scalar(doc.get("utc_time_created")),
        "signature": signature,
        "has_signature": bool(signature and signature.get("inputs")),
        "input_names": [str(c["name"]) for c in inputs if isinstance(c, Mapping) and "name" in c],
        "has_input_example": isinstance(doc.get("saved_input_example_info"), Mapping),
    }


def _scalar(v: Any) -> str | None:
    return None if v is None or isinstance(v, (dict, list)) else str(v)


def read_mlmodel(ctx: CollectContext, file: str) -> tuple[dict[str, Any], LineIndex]:
    """An MLmodel file's normalised data and line map (an LFS pointer or invalid YAML is an input error)."""
    text = ctx.repo.read_text(file)
    lfs = lfs_pointer_error(text, file, "MLmodel file")
    if lfs is not None:
        raise lfs
    doc, lines = load_yaml(text, file)
    return normalize(doc, lines, file), lines


class MlflowModelCollector(Collector):
    kind: ClassVar[str] = "mlflow_model"
    default_paths: ClassVar[tuple[str, ...]] = ("**/MLmodel",)
    description: ClassVar[str] = "MLflow MLmodel descriptors: flavors, signature, mlflow_version, model_uuid"

    def parse(self, ctx: CollectContext, file: str) -> Iterable[Result]:
        data, lines = read_mlmodel(ctx, file)
        name = data["model_uuid"] or data["model_id"] or file
        yield Artifact(kind=self.kind, name=str(name), file=file, data=data, line=1, lines=lines)
