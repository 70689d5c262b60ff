"""The registry file ``init`` writes: one entry per discovered model, with what was found filled in (name,
version, location, artifacts, card, reports) and what only a person can state left as commented ``TODO`` lines.

The TODO lines are YAML comments, never placeholder values: an entry without ``owner``/``risk_tier``/
``intended_use``/``personal_data`` still FAILS model.owner-and-risk-tier and model.purpose-declared, so the
gate keeps saying what is missing until someone fills it in. Every repository string is written as a JSON
(= YAML double-quoted) scalar, in comments too, so no file name can add a line or a key.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping, Sequence
from typing import Any

from aima_gate.core.model import Artifact

REGISTRY_FILE = "registry/models.yml"
_FOLDER = posixpath.dirname(REGISTRY_FILE)
HEADER = "# Model registry written by `aima-gate init`"
"""First line of a registry init wrote (``init --force`` rewrites only such a file)."""
PAIRED_REPORTS = ("bias_report", "explainability_report", "threat_model")
"""Evidence kinds an entry references by the field of the same name."""


def _q(value: Any) -> str:
    return json.dumps(str(value), ensure_ascii=False)


def _rel(path: str) -> str:
    return posixpath.relpath(path or ".", _FOLDER)


def render_registry(models: Sequence[Artifact], found: Mapping[str, Sequence[str]], tiers: Sequence[str]) -> str:
    """The YAML text of the starter registry for ``models`` (discovered ones)."""
    single = len(models) == 1
    out = [
        f"{HEADER} from what it found in this repository (docs/artifacts.md#model).",
        "# Paths are relative to this file. Each entry is one model aima-gate discovered; `location:` ties the",
        "# entry to it, so it is not counted twice. Lines marked TODO are facts only a person can state: remove",
        "# the `# ` and write the value. Until then model.owner-and-risk-tier and model.purpose-declared FAIL for",
        "# that model. Delete entries that are not models you ship (e.g. a fitted scaler kept with its model).",
        "models:",
    ]
    for model in models:
        data = model.data
        disc = data.get("discovered") if isinstance(data.get("discovered"), Mapping) else {}
        assert isinstance(disc, Mapping)
        out.append(f"  - name: {_q(data.get('name'))}")
        out.append(f"    version: {_q(data.get('version'))}")
        out.append(f"    location: {_q(_rel(str(disc.get('location', model.file))))}")
        routes = ", ".join(f"{r.get('route')} at {r.get('file')}" for r in data.get("found_by") or []
                           if isinstance(r, Mapping))
        out.append(f"    # found by: {_q(routes)}")
        sources = data.get("fact_sources") if isinstance(data.get("fact_sources"), Mapping) else {}
        assert isinstance(sources, Mapping)
        for key, hint in (("owner", "the team or person who answers for this model"),
                          ("risk_tier", "one of: " + ", ".join(tiers)),
                          ("intended_use", "what the model is for, and for whom"),
                          ("personal_data", "true or false: does the model process personal data?")):
            if key in data:
                out.append(f"    {key}: {_q(data[key])}  # from {_q(sources.get(key, model.file))}")
            else:
                out.append(f"    # {key}: TODO  # {hint}")
        artifacts = [a for a in data.get("artifacts") or [] if isinstance(a, str)]
        if artifacts:
            out.append("    artifacts:")
            out.extend(f"      - {_q(_rel(a))}" for a in artifacts)
        card = data.get("model_card")
        cards = list(found.get("model_card", ()))
        if isinstance(card, str):
            out.append(f"    model_card: {_q(_rel(card))}")
        elif single and len(cards) == 1:
            out.append(f"    model_card: {_q(_rel(cards[0]))}  # the only model card found")
        else:
            out.extend(f"    # model_card: {_q(_rel(c))}  # found: uncomment if it describes this model"
                       for c in cards[:3])
        for kind in PAIRED_REPORTS:
            files = list(found.get(kind, ()))
            if single and len(files) == 1:
                out.append(f"    {kind}: {_q(_rel(files[0]))}  # the only {kind} found")
            else:
                out.extend(f"    # {kind}: {_q(_rel(f))}  # found: uncomment if it assesses this model"
                           for f in files[:3])
    return "\n".join(out) + "\n"
