"""The model inventory in a run: merging the routes that found each model, saying where a missing fact goes,
and one error, not one per kind, when a repository holds nothing to govern.

Discovery itself is :mod:`aima_gate.collectors.model_inventory`; merging is
:mod:`aima_gate.collectors.inventory_merge` (pure, shared with ``init``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from aima_gate.collectors.inventory_merge import merge_models
from aima_gate.core.model import NO_SUBJECTS, Artifact, Evidence, Finding, Status, Subject

__all__ = ["inventory_extra", "merge_models", "nothing_to_govern", "where_to_add"]

MLFLOW_TAG_FIELDS = ("owner", "risk_tier", "intended_use", "model_card", "bias_report", "explainability_report",
                     "threat_model")
"""Facts an MLflow tag can carry (collectors/mlflow_registry.py maps them onto the subject)."""
ENTRY_FIELDS = (*MLFLOW_TAG_FIELDS, "personal_data", "training_data", "stage", "signature", "artifacts", "manifest",
                "protected_attributes")
LOOKED_FOR = ("registry files (registry/*.yml, model-registry.yml, models/registry.yml), MLflow registries "
              "(--mlflow-uri, mlflow: in the config) and file stores (mlruns/models/), MLflow logged models "
              "(mlruns/<experiment>/models/) and run artifacts, MLmodel folders, Hugging Face model folders "
              "(config.json, adapter_config.json, weights, README card), Spark ML model folders "
              "(metadata/part-00000) and model files (.pkl, .joblib, .pt, .safetensors, .onnx, .h5, ...)")


def _field(finding: Finding) -> str | None:
    pointer = finding.evidence[0].pointer if finding.evidence else ""
    name = pointer.strip("/").split("/")[0] if pointer else ""
    return name or None


_NOTED_SOURCES = ("discovered", "mlflow", "mlflow-file-store")
"""The sources whose models' failed findings get a note below; any other source leaves its findings as they are."""


def where_to_add(findings: Sequence[Finding], artifacts: Sequence[Artifact]) -> list[Finding]:
    """Failed ``model`` findings about a missing fact say where the fact goes for that subject: a registry entry
    for a discovered model (``aima-gate init`` writes one), an MLflow tag for an MLflow model."""
    if not any(a.kind == "model" and a.data.get("source") in _NOTED_SOURCES for a in artifacts):
        return list(findings)  # no model from those sources: no finding gets a note (a pass over the models only)
    by_subject: dict[tuple[str, str], Artifact] | None = None  # made for the first failed model finding, if any
    out = []
    for f in findings:
        if f.status is not Status.FAIL or f.subject.kind != "model":  # most findings: nothing to look up
            out.append(f)
            continue
        if by_subject is None:
            by_subject = {(a.name, a.file): a for a in artifacts if a.kind == "model"}
        art = by_subject.get((f.subject.name, f.subject.file))
        field = _field(f)
        if art is None or field not in ENTRY_FIELDS:
            out.append(f)
            continue
        source = art.data.get("source")
        raw = art.data.get("discovered")
        disc: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        name, version = art.data.get("name"), art.data.get("version")
        tag = field in MLFLOW_TAG_FIELDS
        if source == "discovered":
            location = posixpath.relpath(str(disc.get("location") or art.file), "registry")
            note = (f"Where: this model was discovered at {art.file} ({disc.get('route')}) and no registry entry "
                    f"names it. Add the missing `{field}` to a registry entry for it in registry/models.yml "
                    f"(name: {name}, version: {version}, location: {location}); `aima-gate init` writes that "
                    "file with one entry per discovered model")
            if tag and str(disc.get("route", "")).startswith("mlflow"):
                note += f", or set the MLflow tag `{field}` on the logged model or its run"
        elif source in ("mlflow", "mlflow-file-store"):
            if not tag:
                out.append(f)
                continue
            note = (f"Where: this model comes from the MLflow registry ({art.file}): set the tag `{field}` on the "
                    f"registered model or on version {art.data.get('mlflow', {}).get('version_number', version)} "
                    "(MlflowClient().set_registered_model_tag / set_model_version_tag)")
        else:
            out.append(f)
            continue
        out.append(replace(f, remediation=f"{f.remediation.rstrip()} {note}."))
    return out


def nothing_to_govern(findings: Sequence[Finding], anchor: str, *, discovery: bool = True) -> list[Finding]:
    """When no model was found by any route, the engine's "no X found" errors (one per policy: model, scans...)
    become one error that says what was looked for and how to start (before :func:`missing_kinds_once`)."""
    empty = [f for f in findings if f.status is Status.ERROR and f.subject.name == f"(no {f.subject.kind} found)"]
    if len(empty) < 2 or not any(f.subject.kind == "model" for f in empty):
        return list(findings)  # one policy keeps its own message
    kinds = sorted({f.subject.kind for f in empty if f.subject.kind != "model"})
    ids = sorted({f.policy_id for f in empty})
    shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
    looked = LOOKED_FOR if discovery else (LOOKED_FOR.split(", MLflow logged models")[0] + "; model discovery "
                                           "is off: artifacts.model.discover is false in the config")
    message = (f"nothing to govern: no model was found (looked for {looked})"
               + (f", and no {', '.join(kinds)}" if kinds else "")
               + f", so {len(ids)} policies could not be checked: {shown}")
    start = ("To start: if this repository trains or ships a model, commit the model (or its MLflow store) or "
             "register it in registry/models.yml (name, version, owner, risk_tier, intended_use, "
             "location); `aima-gate init` writes the config and that file from what it finds. If it holds no "
             "model, run aima-gate on the repository that does.")
    worst = max(empty, key=lambda f: f.severity.rank)
    ev = Evidence(anchor, 1, "", 0, "at least one model", message)
    one = Finding(NO_SUBJECTS, "Nothing to govern", Status.ERROR, worst.severity,
                  Subject("model", "(no model found)", anchor), None, (ev,), start)
    return [f for f in findings if f not in empty] + [one]


def inventory_extra(artifacts: Sequence[Artifact]) -> list[dict[str, Any]]:
    """The models found and by which routes, for reports; [] when every model is registered (a registry file or
    MLflow), so a governed repository's reports do not change."""
    models = [a for a in artifacts if a.kind == "model"]
    if not any(a.data.get("source") == "discovered" for a in models):
        return []
    return [{"subject": a.name, "file": a.file, "source": a.data.get("source"),
             "found_by": list(a.data.get("found_by") or [])} for a in models]
