"""Which attributes of a bias report are protected, and which groups are too small to enter a ratio.

A fairness report often breaks results down by attributes that are not protected characteristics at all: a
delirium-risk model reports by frailty tercile because frailty is what it predicts from. Gating such an
attribute on the four-fifths rule fails a model for doing its job, so the protected attributes are declared
per model, and only those are gated (``attributes``); the others stay in the report (``unprotected_attributes``)
for a reader, not for a policy. Declarations, in order:

1. the registry entry that references the report (``bias_report:``) or names its model: ``protected_attributes``;
2. the config: ``artifacts.bias_report.protected_attributes``, a list or ``{model name: list}``;
3. the report itself, when the tool records it (aima-gate's own reports, AIF360's ``protected_attribute``).

With no declaration every attribute is treated as protected (fail closed) and the report says so
(``protected_declared_by: null``). A declared attribute the report does not break down by is listed in
``missing_protected_attributes`` (a report that omits it cannot show the model is fair for it).
"""

from __future__ import annotations

import posixpath
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from aima_gate.collectors import CollectContext
from aima_gate.core.errors import AimaGateError
from aima_gate.safeio.loaders import load_structured
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


_REGISTRIES: weakref.WeakKeyDictionary[Repo, list[tuple[str, Mapping[str, Any]]]] = weakref.WeakKeyDictionary()


def _registry_entries(ctx: CollectContext) -> list[tuple[str, Mapping[str, Any]]]:
    """(registry file, entry) for every readable registry entry, read once per run (many reports, one registry)."""
    if ctx.repo not in _REGISTRIES:
        artifacts = ctx.settings.get("artifacts") if isinstance(ctx.settings, Mapping) else None
        options = artifacts.get("model") if isinstance(artifacts, Mapping) else None
        paths = (options or {}).get("paths") or REGISTRY_DEFAULT_PATHS
        found: list[tuple[str, Mapping[str, Any]]] = []
        for file in ctx.repo.glob(paths):
            try:
                doc, _ = load_structured(ctx.repo.read_text(file), file)
            except AimaGateError:
                continue  # the model collector reports an unreadable registry; here it declares nothing
            found.extend((file, entry) for entry in _entries(doc))
        _REGISTRIES[ctx.repo] = found
    return _REGISTRIES[ctx.repo]


def from_registry(ctx: CollectContext, report_file: str, model: str | None) -> tuple[list[str], str] | None:
    """The registry entry that references this report, else one naming its model, declares the attributes."""
    by_name: tuple[list[str], str] | None = None
    for file, entry in _registry_entries(ctx):
        declared = _names(entry.get("protected_attributes"))
        if declared is None:
            continue
        ref = entry.get("bias_report")
        if isinstance(ref, str):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(file), ref))
            if target == report_file:
                return declared, f"{file} ({entry.get('name')}@{entry.get('version')})"
        if model is not None and entry.get("name") == model and by_name is None:
            by_name = (declared, f"{file} ({entry.get('name')})")
    return by_name


def from_config(ctx: CollectContext, model: str | None) -> tuple[list[str], str] | None:
    value = ctx.options.get("protected_attributes")
    if isinstance(value, Mapping):
        value = value.get(model) if model is not None else None
    names = _names(value)
    return (names, "config artifacts.bias_report.protected_attributes") if names is not None else None


def declared(ctx: CollectContext, file: str, data: Mapping[str, Any]) -> tuple[list[str], str] | None:
    model = (data.get("model") or {}).get("name")
    found = from_registry(ctx, file, model) or from_config(ctx, model)
    if found is None and data.get("protected_declared_by_tool"):
        found = (list(data.get("protected_attributes") or []), "the report")
    return found


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
