"""Which attributes of a bias report are protected, and which groups are too small to enter a ratio.

A fairness report often breaks results down by attributes that are not protected characteristics at all: a
delirium-risk model reports by frailty tercile because frailty is what it predicts from. Gating such an
attribute on the four-fifths rule fails a model for doing its job, so the protected attributes are declared
per model, and only those are gated (``attributes``); the others stay in the report (``unprotected_attributes``)
for a reader, not for a policy. Where they are declared:

- **per model**: the registry-file entry (``protected_attributes: [sex, ethnicity]``), the MLflow tag
  ``protected_attributes`` (``sex, ethnicity`` or a JSON list; version tag, else registered-model tag; from a
  server, a sqlite registry or a committed ``mlruns/`` file store, the sources the model collector reads), and
  the config's ``artifacts.bias_report.protected_attributes: {model name: list}``. A model declaration applies
  to the report its ``bias_report`` references, else to reports naming its model (and version, when the report
  gives one). Every per-model declaration that applies must agree (as sets, case-insensitively): two that differ
  are an error naming both, never a silent pick.
- **repository default**: ``artifacts.bias_report.protected_attributes`` as a plain list, used when no per-model
  declaration applies (a model's own declaration replaces it; ``protected_declared_by`` says which applied);
- **the report itself**, when the tool records it (aima-gate's own reports, AIF360's ``protected_attribute``),
  used only when neither of the above declares anything.

With no declaration every attribute is treated as protected (fail closed) and the report says so
(``protected_declared_by: null``). A declared attribute the report does not break down by is listed in
``missing_protected_attributes`` (a report that omits it cannot show the model is fair for it). An MLflow
registry that is configured but cannot be read is an error for the report (its declaration cannot be known).
"""

from __future__ import annotations

import posixpath
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from aima_gate.collectors import CollectContext
from aima_gate.core.errors import AimaGateError, ArtifactError
from aima_gate.safeio.loaders import decode_text, load_structured
from aima_gate.safeio.repo import Repo

REGISTRY_DEFAULT_PATHS = ("model-registry.{yml,yaml,json}", "models/registry.{yml,yaml,json}",
                          "registry/**/*.{yml,yaml,json}", "**/model-registry/**/*.{yml,yaml,json}")
DEFAULT_MIN_GROUP_SUPPORT = 30


def _names(value: Any) -> list[str] | None:
    if isinstance(value, str) and value.strip():  # an MLflow-style tag: "sex, ethnicity"
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    return None


def _entries(doc: Any) -> list[Mapping[str, Any]]:
    if isinstance(doc, list):
        items: Sequence[Any] = doc
    elif isinstance(doc, Mapping) and isinstance(doc.get("models"), list):
        items = doc["models"]
    else:
        items = [doc]
    return [e for e in items if isinstance(e, Mapping)]


_DECLARING = (b"protected_attributes", b"\\")
"""What a registry file that declares protected attributes must hold: the key, or a backslash (a quoted key can
spell it with escapes; folding and aliases cannot make it from other text)."""

_REGISTRIES: weakref.WeakKeyDictionary[Repo, list[tuple[str, Mapping[str, Any]]]] = weakref.WeakKeyDictionary()


def _registry_entries(ctx: CollectContext) -> list[tuple[str, Mapping[str, Any]]]:
    """(registry file, entry) for every readable registry entry that may declare protected attributes, read once
    per run (many reports, one registry). A file that holds none of :data:`_DECLARING` has no entry that declares
    any, so it is not parsed: most registries declare none, and this parse is a second one of every registry file,
    in every parse process. While the artifact cache records, the registry files are read through its recorder's
    ``glob_holding``, which records the files that hold none as such, not by their bytes nor by the glob's listing,
    so that editing one elsewhere, or adding a model's registry file that declares nothing, keeps every bias report
    cached."""
    if ctx.repo not in _REGISTRIES:
        artifacts = ctx.settings.get("artifacts") if isinstance(ctx.settings, Mapping) else None
        options = artifacts.get("model") if isinstance(artifacts, Mapping) else None
        paths = (options or {}).get("paths") or REGISTRY_DEFAULT_PATHS
        found: list[tuple[str, Mapping[str, Any]]] = []
        recorded = getattr(type(ctx.repo), "glob_holding", None)  # the cache's recorder: a weaker dependency
        declaring = recorded(ctx.repo, paths, _DECLARING) if recorded is not None else _holding(ctx.repo, paths)
        for file, raw in declaring:
            try:
                doc, _ = load_structured(decode_text(raw, file), file)
            except AimaGateError:
                continue  # the model collector reports an unreadable registry; here it declares nothing
            found.extend((file, entry) for entry in _entries(doc))
        _REGISTRIES[ctx.repo] = found
    return _REGISTRIES[ctx.repo]


def _holding(repo: Repo, paths: Sequence[str]) -> list[tuple[str, bytes]]:
    """(file, bytes) of each readable file of the glob that holds any of :data:`_DECLARING`, in the glob's order
    (what ``RecordingRepo.glob_holding`` returns, without recording). The bytes are searched before decoding: UTF-8
    (BOM or not) holds these ASCII strings exactly when its decoded text does, and a file that cannot be decoded
    declares nothing either way."""
    out = []
    for file in repo.glob(paths):
        try:
            raw = repo.read_bytes(file)
        except AimaGateError:
            continue  # the model collector reports an unreadable registry; here it declares nothing
        if any(n in raw for n in _DECLARING):
            out.append((file, raw))
    return out


@dataclass(frozen=True)
class _Declarer:
    """A model subject (registry-file entry or MLflow version) that declares protected attributes."""

    names: tuple[str, ...]
    source: str
    model: str | None
    versions: frozenset[str]
    reports: frozenset[str]
    """Repository paths of the bias reports it references."""


class _Declarers:
    """Declarers in order, indexed by the report paths they reference and by model name (one report looks up its
    own, instead of scanning every declarer: 5,000 reports x 5,000 registry entries was quadratic)."""

    def __init__(self, declarers: list[_Declarer]) -> None:
        self.all = declarers
        self.by_report: dict[str, list[_Declarer]] = {}
        self.by_model: dict[str, list[_Declarer]] = {}
        for d in declarers:
            for report in d.reports:
                self.by_report.setdefault(report, []).append(d)
            if d.model is not None:
                self.by_model.setdefault(d.model, []).append(d)


_DECLARERS: weakref.WeakKeyDictionary[Repo, _Declarers] = weakref.WeakKeyDictionary()


def _registry_declarers(ctx: CollectContext) -> _Declarers:
    """Registry-file entries that declare protected attributes, built once per run from :func:`_registry_entries`."""
    if ctx.repo in _DECLARERS:
        return _DECLARERS[ctx.repo]
    out = []
    for file, entry in _registry_entries(ctx):
        names = _names(entry.get("protected_attributes"))
        if names is None:
            continue
        ref = entry.get("bias_report")
        reports = {posixpath.normpath(posixpath.join(posixpath.dirname(file), r)) for r in
                   (ref if isinstance(ref, list) else [ref]) if isinstance(r, str)}
        name = entry.get("name")
        out.append(_Declarer(tuple(names), f"{file} ({name}@{entry.get('version')})",
                             name if isinstance(name, str) else None, frozenset({str(entry.get("version"))}),
                             frozenset(reports)))
    found = _DECLARERS[ctx.repo] = _Declarers(out)
    return found


_MLFLOW: weakref.WeakKeyDictionary[Repo, _Declarers | AimaGateError] = weakref.WeakKeyDictionary()


def _mlflow_declarers(ctx: CollectContext) -> _Declarers | AimaGateError:
    """MLflow versions with a ``protected_attributes`` tag, read once per run from the same sources (and with
    the same configuration) as the ``model`` subjects: a server or sqlite registry, committed file stores."""
    if ctx.repo not in _MLFLOW:
        from aima_gate.collectors.model_registry import ModelRegistryCollector, _mlflow_in_use

        artifacts = ctx.settings.get("artifacts") if isinstance(ctx.settings, Mapping) else None
        options = artifacts.get("model") if isinstance(artifacts, Mapping) else None
        model_ctx = replace(ctx, options=options if isinstance(options, Mapping) else {})
        uncacheable = getattr(type(ctx.repo), "uncacheable", None)
        if uncacheable is not None and _mlflow_in_use(model_ctx):
            uncacheable(ctx.repo)  # a server, a database or the environment: not what the recorder can name
        out: list[_Declarer] = []
        try:
            # MLflow sources only: discovered models (model_inventory.py) never carry a protected_attributes tag, and
            # discovery's own errors are the model collector's to report (it runs it once per run, not again here)
            items = list(ModelRegistryCollector().mlflow_subjects(model_ctx))
            produced = {item.file for item in items if not isinstance(item, AimaGateError)}
            # an error beside a subject (an unknown stage) leaves its declaration known; one instead of a subject
            # (an unreadable meta.yaml, a malformed tag) does not, and is raised for the report
            lost = [e for e in items if isinstance(e, AimaGateError) and e.file not in produced]
            if lost:
                raise lost[0]
            for item in items:
                if isinstance(item, AimaGateError):
                    continue
                names = item.data.get("protected_attributes")
                if not names:
                    continue
                number = str((item.data.get("mlflow") or {}).get("version_number"))
                out.append(_Declarer(
                    tuple(names), f"MLflow tag protected_attributes of {item.file}", item.data.get("name"),
                    frozenset({str(item.data.get("version")), number}),
                    frozenset(path for kind, path, _p in item.references if kind == "bias_report")))
        except AimaGateError as exc:
            _MLFLOW[ctx.repo] = exc
        else:
            _MLFLOW[ctx.repo] = _Declarers(out)
    return _MLFLOW[ctx.repo]


def _per_run(ctx: CollectContext, key: str, compute: Callable[[CollectContext], Any]) -> Any:
    """``compute(ctx)``, which reads what every report shares (each registry) and memoizes it per run. While the
    artifact cache records a parse, through its recorder's ``shared``: computed once per run all the same, and its
    reads become one dependency group of every report that uses it (so each report can be cached)."""
    shared = getattr(type(ctx.repo), "shared", None)
    if shared is None:
        return compute(ctx)
    return shared(ctx.repo, f"bias_protected.{key}", lambda repo: compute(replace(ctx, repo=repo)))


def _model_declarations(ctx: CollectContext, report_file: str, model: str | None,
                        version: str | None) -> list[tuple[list[str], str]]:
    """Declarations of the model subjects this report belongs to: those referencing it plus those naming its
    model and version; only when there are none, those naming its model (any version)."""
    registry: _Declarers = _per_run(ctx, "registry", _registry_declarers)
    mlflow: _Declarers | AimaGateError = _per_run(ctx, "mlflow", _mlflow_declarers)
    if isinstance(mlflow, AimaGateError):
        exc = mlflow
        where = f" ({exc.file})" if exc.file else ""
        raise ArtifactError(f"cannot tell which attributes are protected: {exc.diagnosis}{where}", file=report_file,
                            hint=exc.hint or "fix the MLflow source, or turn it off in the config") from None
    # registry declarers first, then MLflow ones, each in their order (as one list scanned in that order)
    named = [] if model is None else [*registry.by_model.get(model, ()), *mlflow.by_model.get(model, ())]
    exact = [*registry.by_report.get(report_file, ()), *mlflow.by_report.get(report_file, ())] + [
        d for d in named if version is not None and version in d.versions and report_file not in d.reports]
    return [(list(d.names), d.source) for d in (exact or named)]


def from_config(ctx: CollectContext, model: str | None) -> tuple[list[str], str, bool] | None:
    """(names, source, per model) from ``artifacts.bias_report.protected_attributes``."""
    value = ctx.options.get("protected_attributes")
    if isinstance(value, Mapping):
        names = _names(value.get(model)) if model is not None else None
        return (names, f"config artifacts.bias_report.protected_attributes.{model}", True) if names else None
    names = _names(value)
    return (names, "config artifacts.bias_report.protected_attributes", False) if names is not None else None


def declared(ctx: CollectContext, file: str, data: Mapping[str, Any]) -> tuple[list[str], str] | None:
    model_info = data.get("model") or {}
    model = model_info.get("name") if isinstance(model_info.get("name"), str) else None
    version = str(model_info["version"]) if model_info.get("version") is not None else None
    found = _model_declarations(ctx, file, model, version)
    config = from_config(ctx, model)
    if config is not None and config[2]:
        found.append((config[0], config[1]))
    if found:
        first_names, first_source = found[0]
        for names, source in found[1:]:
            if {n.lower() for n in names} != {n.lower() for n in first_names}:
                raise ArtifactError(
                    f"protected attributes are declared differently for this report: {first_names} by "
                    f"{first_source}, {names} by {source}", file=file,
                    hint="make the declarations agree, or keep one (registry entry, MLflow tag "
                         "protected_attributes, or config {model: list})")
        sources = list(dict.fromkeys(source for _n, source in found))
        return first_names, "; ".join(sources)
    if config is not None:
        return config[0], config[1]
    if data.get("protected_declared_by_tool"):
        return list(data.get("protected_attributes") or []), "the report"
    return None


def apply_declaration(data: dict[str, Any], found: tuple[list[str], str] | None) -> dict[str, Any]:
    """Split ``attributes`` into the gated (protected) ones and the rest; record who declared them."""
    data.pop("protected_declared_by_tool", None)
    attributes = [a for a in data.get("attributes", []) if isinstance(a, Mapping)]
    if found is None:
        data["protected_attributes"] = [a["name"] for a in attributes]
        data["protected_declared_by"] = None
        data.setdefault("unprotected_attributes", [])
        data["missing_protected_attributes"] = []
        return data
    names, source = found
    wanted = {n.lower() for n in names}
    data["protected_attributes"] = list(names)
    data["protected_declared_by"] = source
    data["attributes"] = [a for a in attributes if str(a.get("name")).lower() in wanted]
    data["unprotected_attributes"] = [a for a in attributes if str(a.get("name")).lower() not in wanted]
    have = {str(a.get("name")).lower() for a in attributes}
    data["missing_protected_attributes"] = [n for n in names if n.lower() not in have]
    return data


def min_group_support(ctx: CollectContext) -> int:
    """Groups below this many rows stay out of derived ratios (one row cannot carry a selection rate).

    The same number bias_report.min-group-support enforces: ``parameters.min_group_support`` when the config
    sets it, else ``artifacts.bias_report.min_group_support``, else 30."""
    params = ctx.settings.get("parameters") if isinstance(ctx.settings, Mapping) else None
    value = (params or {}).get("min_group_support", ctx.options.get("min_group_support", DEFAULT_MIN_GROUP_SUPPORT))
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else \
        DEFAULT_MIN_GROUP_SUPPORT
