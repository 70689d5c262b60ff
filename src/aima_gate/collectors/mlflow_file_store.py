"""``model`` subjects from an MLflow *file store* committed in the repository (``mlruns/``), read offline.

Teams that track experiments with MLflow's default store often commit ``mlruns/``; its model registry lives in
``mlruns/models/<name>/`` (the same layout in MLflow 2 and 3): ``meta.yaml`` per registered model (description,
``aliases: {alias: version}``), ``version-<n>/meta.yaml`` per version (``current_stage``, ``run_id``, ``source``),
``tags/<key>`` files holding tag values, and ``aliases/<alias>`` files holding a version number. Runs live in
``mlruns/<experiment>/<run>/`` with ``tags/`` and ``params/`` files.

No MLflow client is needed and nothing is imported from the store: every file is read through the confined
repository reader and parsed with the safe YAML loader. Each version becomes one subject mapped exactly as a
server's version is (:func:`aima_gate.collectors.mlflow_registry.normalize_version`), with its evidence at the
version's ``meta.yaml``; ``source: mlflow-file-store``. Stores are found anywhere in the repository (``.trash``
excluded) or named with ``--mlflow-uri file:PATH``; ``mlflow: {file_store: false}`` turns discovery off.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

from aima_gate.collectors import CollectContext, Result
from aima_gate.core.errors import AimaGateError, ArtifactError
from aima_gate.safeio.loaders import load_yaml

VERSION_META = ("mlruns/models/*/version-*/meta.yaml", "**/mlruns/models/*/version-*/meta.yaml")


def _yaml(ctx: CollectContext, file: str) -> tuple[Mapping[str, Any], Any]:
    data, lines = load_yaml(ctx.repo.read_text(file), file)
    if not isinstance(data, dict):
        raise ArtifactError("an MLflow meta.yaml must be a mapping", file=file)
    return data, lines


class _Store:
    """The files of one store by folder, listed once (tags, params and aliases are one file per value)."""

    def __init__(self, ctx: CollectContext, root: str) -> None:
        self.ctx = ctx
        self.root = root
        self.by_folder: dict[str, list[str]] = {}
        for file in ctx.repo.files():
            if file.startswith(root + "/"):
                folder, _, name = file.rpartition("/")
                self.by_folder.setdefault(folder, []).append(name)
        self.runs = {}  # run id -> <store>/<experiment>/<run>
        for folder, names in self.by_folder.items():
            parts = folder[len(root) + 1:].split("/")
            if "meta.yaml" in names and len(parts) == 2 and parts[0] not in ("models", ".trash"):
                self.runs[parts[1]] = folder

    def values(self, folder: str) -> dict[str, str]:
        """``{name: content}`` of the files directly in ``folder``."""
        return {name: self.ctx.repo.read_text(f"{folder}/{name}").strip() for name in self.by_folder.get(folder, [])}

    def run(self, run_id: str | None) -> Any:
        folder = self.runs.get(run_id or "")
        if folder is None:
            return None
        return SimpleNamespace(info=SimpleNamespace(run_id=run_id),
                               data=SimpleNamespace(tags=self.values(f"{folder}/tags"),
                                                    params=self.values(f"{folder}/params")),
                               inputs=None)


def _store_root(version_meta: str) -> str:
    """``a/b/mlruns`` for ``a/b/mlruns/models/<name>/version-<n>/meta.yaml``."""
    return version_meta.rsplit("/models/", 1)[0]


def version_files(ctx: CollectContext, store: str | None = None) -> list[str]:
    patterns = [f"{store}/models/*/version-*/meta.yaml"] if store is not None else list(VERSION_META)
    return [f for f in ctx.repo.glob(patterns) if "/.trash/" not in f and not f.startswith(".trash/")]


def collect(ctx: CollectContext, store: str | None = None, *, include_archived: bool = False) -> Iterable[Result]:
    from aima_gate.collectors.mlflow_registry import normalize_version

    stores: dict[str, _Store] = {}
    for file in version_files(ctx, store):
        try:
            meta, lines = _yaml(ctx, file)
            if meta.get("current_stage") == "Archived" and not include_archived:
                continue
            version_dir = posixpath.dirname(file)
            model_dir = posixpath.dirname(version_dir)
            root = _store_root(file)
            st = stores.get(root) or stores.setdefault(root, _Store(ctx, root))
            model_meta: Mapping[str, Any] = {}
            if ctx.repo.exists(f"{model_dir}/meta.yaml"):
                model_meta, _ = _yaml(ctx, f"{model_dir}/meta.yaml")
            aliases = model_meta.get("aliases") or {}
            aliases = dict(aliases) if isinstance(aliases, dict) else {
                a.get("alias"): a.get("version") for a in aliases if isinstance(a, dict)}
            aliases.update(st.values(f"{model_dir}/aliases"))
            registered = SimpleNamespace(tags=st.values(f"{model_dir}/tags"), aliases=aliases,
                                         description=model_meta.get("description"))
            mv = SimpleNamespace(name=str(meta.get("name") or posixpath.basename(model_dir)),
                                 version=meta.get("version"), tags=st.values(f"{version_dir}/tags"),
                                 aliases=list(meta.get("aliases") or []) if isinstance(meta.get("aliases"), list)
                                 else [], current_stage=str(meta.get("current_stage") or "None"),
                                 description=meta.get("description"), status=meta.get("status"),
                                 run_id=meta.get("run_id"), source=meta.get("source"),
                                 creation_timestamp=meta.get("creation_timestamp"))
            if mv.version is None:
                raise ArtifactError("an MLflow model version without `version`", file=file)
            art = normalize_version(ctx, mv, registered, st.run(mv.run_id))
        except AimaGateError as exc:
            yield exc
            continue
        data = {**art.data, "source": "mlflow-file-store", "mlflow": {**art.data["mlflow"], "store": root}}
        yield replace(art, file=file, data=data, line=1, lines=lines)
