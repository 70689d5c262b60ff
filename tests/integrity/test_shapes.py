"""The normalized shapes of signature, model_file and manifest subjects match their JSON Schemas."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from referencing import Registry, Resource

from aima_gate.collectors import CollectContext, load_collector
from aima_gate.core.clock import Clock
from aima_gate.core.model import Artifact
from aima_gate.safeio.repo import Repo
from tests.conftest import EXAMPLES, REPO_ROOT, TODAY

SCHEMAS = REPO_ROOT / "schemas"


def _validator(name: str) -> jsonschema.Draft202012Validator:
    docs = {n: json.loads((SCHEMAS / f"{n}.schema.json").read_text()) for n in ("signature", "model_file", "manifest")}
    registry = Registry().with_resources(
        (f"{n}.schema.json", Resource.from_contents(d)) for n, d in docs.items())
    registry = registry.with_resources((d["$id"], Resource.from_contents(d)) for d in docs.values())
    return jsonschema.Draft202012Validator(docs[name], registry=registry)


def _collect(root: Path, kind: str, file: str) -> list[Artifact]:
    import yaml

    settings = yaml.safe_load((root / ".aima-gate.yml").read_text())
    ctx = CollectContext(Repo(root), {}, settings, Clock.at(TODAY))
    return [a for a in load_collector(kind).parse(ctx, file) if isinstance(a, Artifact)]


def test_example_subjects_match_their_schemas() -> None:
    bad = EXAMPLES / "llm-assistant"
    ok = EXAMPLES / "credit-scoring"
    cases = [
        (ok, "signature", "artifacts/credit-scorer-2.3.0/model.safetensors.asc"),
        (bad, "signature", "artifacts/support-assistant-1.4.0/adapter.safetensors.asc"),
        (ok, "model_file", "artifacts/credit-scorer-2.3.0/model.safetensors"),
        (bad, "model_file", "artifacts/support-assistant-1.4.0/reranker.pkl"),
        (ok, "manifest", "artifacts/credit-scorer-2.3.0/SHA256SUMS"),
        (bad, "manifest", "artifacts/support-assistant-1.4.0/SHA256SUMS"),
    ]
    for root, kind, file in cases:
        (art,) = _collect(root, kind, file)
        errors = [e.message for e in _validator(kind).iter_errors(json.loads(json.dumps(art.data)))]
        assert not errors, (kind, file, errors)
