"""What ``init`` finds: the model inventory exactly as ``check`` builds it (registry files, committed MLflow file
stores, logged models, MLmodel, Hugging Face and Spark ML folders, model files; merged by
:mod:`aima_gate.collectors.inventory_merge`), plus which evidence kinds exist at their default paths (the files
``check`` reads as that kind)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aima_gate.collectors import COLLECTORS, CollectContext, load_collector, parse_file
from aima_gate.collectors.inventory_merge import merge_models
from aima_gate.core.clock import Clock
from aima_gate.core.errors import AimaGateError
from aima_gate.core.model import Artifact
from aima_gate.safeio.repo import Repo


@dataclass(frozen=True)
class Inventory:
    models: tuple[Artifact, ...]
    """Every model subject after merging (registered and discovered)."""
    errors: tuple[AimaGateError, ...]
    """What could not be read while looking (``check`` reports the same, naming each file)."""
    found: dict[str, tuple[str, ...]]
    """Artifact kind -> files at its default paths (the evidence that already exists)."""

    @property
    def discovered(self) -> tuple[Artifact, ...]:
        """Models no registry file or MLflow registry accounts for: what ``init`` writes entries for."""
        return tuple(m for m in self.models if m.data.get("source") == "discovered")


def take_inventory(root: Path, *, ignore: frozenset[str] = frozenset()) -> Inventory:
    """The repository's models and evidence; registry files in ``ignore`` are not read (``init --force`` is about
    to rewrite them, so what they list is discovered again)."""
    repo = Repo(root)
    collector = load_collector("model")
    ctx = CollectContext(repo, {}, {}, Clock.current(), {})
    results: list[Artifact | AimaGateError] = []
    for file in repo.glob(collector.default_paths):
        if file not in ignore:
            results.extend(parse_file(collector, ctx, file))
    try:
        results.extend(collector.collect_external(ctx))
    except AimaGateError as exc:
        results.append(exc)
    models = merge_models([r for r in results if isinstance(r, Artifact)])
    found = {}
    for kind in sorted(COLLECTORS):
        files = tuple(f for f in repo.glob(load_collector(kind).default_paths) if f not in ignore)
        if kind == "model_card":
            files = tuple(f for f in files if _read_as_card(ctx, f))
        if files:
            found[kind] = files
    return Inventory(tuple(models), tuple(r for r in results if isinstance(r, AimaGateError)), found)


def _read_as_card(ctx: CollectContext, file: str) -> bool:
    """Whether ``check`` reads ``file`` as a model card. The root ``README.md`` is a default card path, but the
    collector reads it as a card only when it is one (a project README is not gated); every other file at a card
    path is a card, or an error ``check`` reports naming it."""
    if file != "README.md":
        return True
    return bool(parse_file(load_collector("model_card"), ctx, file))
