"""``model``: registry entries kept in the repository (YAML or JSON; one file or a folder of files).

Each entry becomes one subject named ``name@version``. Reference fields (card, reports, signatures, artifacts)
are resolved relative to the registry file and recorded as references, so the runner collects what they point
at and reports a missing file as an error naming the registry file and line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from aima_gate.collectors import CollectContext, Collector, Result
from aima_gate.collectors.references import REFERENCE_FIELDS
from aima_gate.collectors.vocabulary import normalize_entry
from aima_gate.core.errors import ArtifactError, InputError
from aima_gate.core.model import Artifact, LineIndex
from aima_gate.safeio.loaders import load_structured
from aima_gate.safeio.validation import schema_errors


def entry_references(ctx: CollectContext, entry: Mapping[str, Any], file: str, lines: LineIndex,
                     prefix: str = "") -> tuple[tuple[str, str, str], ...]:
    refs: list[tuple[str, str, str]] = []
    for field_name, kind in REFERENCE_FIELDS.items():
        value = entry.get(field_name)
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        for i, ref in enumerate(items):
            ptr = f"/{field_name}" + (f"/{i}" if isinstance(value, list) else "")
            path = ctx.repo.resolve_reference(ref, base_file=file, line=lines.line_of(prefix + ptr))
            refs.append((kind, path, ptr))
    return tuple(refs)


class ModelRegistryCollector(Collector):
    kind: ClassVar[str] = "model"
    default_paths: ClassVar[tuple[str, ...]] = (
        "model-registry.{yml,yaml,json}",
        "models/registry.{yml,yaml,json}",
        "registry/**/*.{yml,yaml,json}",
        "**/model-registry/**/*.{yml,yaml,json}",
    )
    description: ClassVar[str] = "Model registry entries (name, version, owner, risk tier, lineage, evidence links)"

    def parse(self, ctx: CollectContext, file: str) -> Iterable[Result]:
        doc, lines = load_structured(ctx.repo.read_text(file), file)
        if doc is None:
            raise InputError("registry file is empty", file=file, line=1)
        errors = schema_errors(doc, "model-registry.schema.json", file=file, lines=lines, error_cls=ArtifactError)
        if errors:
            yield from errors
            return
        if isinstance(doc, list):
            entries = [(e, f"/{i}") for i, e in enumerate(doc)]
        elif "models" in doc:
            entries = [(e, f"/models/{i}") for i, e in enumerate(doc["models"])]
        else:
            entries = [(doc, "")]
        for entry, prefix in entries:
            entry_lines = lines.under(prefix)
            try:
                refs = entry_references(ctx, entry, file, lines, prefix)
            except InputError as exc:
                yield exc
                continue
            # Enumerated fields in canonical form; an unknown value is an error at its line (the entry is still
            # evaluated, so its other findings are reported, but the run cannot pass).
            normalized, vocab_errors = normalize_entry(entry, ctx.settings, file=file, line_of=lines.line_of,
                                                       prefix=prefix)
            yield from vocab_errors
            data = {**normalized, "source": "file", "mlflow_sync": _mlflow_in_use(ctx)}
            yield Artifact(
                kind=self.kind,
                name=f"{entry['name']}@{entry['version']}",
                file=file,
                data=data,
                line=lines.line_of(prefix) or 1,
                lines=entry_lines,
                references=refs,
            )

    def collect_external(self, ctx: CollectContext) -> Iterable[Result]:
        """Model versions of an MLflow registry, when one is configured (``--mlflow-uri`` or ``mlflow:``)."""
        if not _mlflow_in_use(ctx):
            return ()
        from aima_gate.collectors.mlflow_registry import collect

        return collect(ctx)


def _mlflow_in_use(ctx: CollectContext) -> bool:
    if ctx.cli.get("mlflow_uri"):
        return True
    cfg = ctx.settings.get("mlflow") if isinstance(ctx.settings, Mapping) else None
    return isinstance(cfg, Mapping) and bool(cfg.get("enabled", False))
