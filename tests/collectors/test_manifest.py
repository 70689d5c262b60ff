"""Registry digests reuse the registry files the model collector already parsed this run (no second parse)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from aima_gate.collectors import CollectContext, load_collector
from aima_gate.config.repo_config import Config
from aima_gate.core.clock import Clock
from aima_gate.core.model import Artifact
from aima_gate.pipeline.runner import collect
from aima_gate.safeio.repo import Repo
from tests.conftest import TODAY, write


def _repo(tmp_path: Path) -> Repo:
    write(tmp_path, "models/scorer/model.safetensors", "weights")
    digest = hashlib.sha256(b"weights").hexdigest()
    write(tmp_path, "registry/models.yml", f"""models:
  - name: scorer
    version: "1.0"
    digests:
      ../models/scorer/model.safetensors: sha256:{digest}
  - name: other
    version: "2.0"
""")
    return Repo(tmp_path)


def _manifests(arts: list[Artifact]) -> list[tuple[str, str, int | None, object]]:
    return [(a.name, a.file, a.line, a.data) for a in arts if a.kind == "manifest"]


def test_registry_digests_are_the_same_with_and_without_the_models_parsed(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock.at(TODAY)
    alone, errors_alone = collect(_repo(tmp_path), Config(file=None), ["manifest"], clock, {})
    reg = load_collector("model")
    calls: list[str] = []
    original = type(reg).parse

    def counting(self, ctx: CollectContext, file: str):  # type: ignore[no-untyped-def]
        calls.append(file)
        return original(self, ctx, file)

    monkeypatch.setattr(type(reg), "parse", counting)
    both, errors_both = collect(_repo(tmp_path), Config(file=None), ["manifest", "model"], clock, {})
    assert calls == ["registry/models.yml"]  # parsed once, by the model collector
    assert _manifests(both) == _manifests(alone) and len(_manifests(alone)) == 1
    assert errors_alone == errors_both == []
