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
from aima_gate.core.errors import AimaGateError, ArtifactError, ConfigError, InputError
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

    def warm(self) -> None:
        from aima_gate.collectors import vocabulary  # noqa: F401 - imported by the first entry parsed
        from aima_gate.safeio.validation import warm

        warm("model-registry.schema.json")

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
            from aima_gate.collectors.vocabulary import normalize_entry  # (parsing only: read-back runs skip it)

            normalized, vocab_errors = normalize_entry(entry, ctx.settings, file=file, line_of=lines.line_of,
                                                       prefix=prefix)
            yield from vocab_errors
            data = {**normalized, "source": "file", "mlflow_sync": _mlflow_in_use(ctx)}
            if "location" in entry:
                try:
                    data["location"] = _location(ctx, entry["location"], file, lines.line_of(prefix + "/location"))
                except AimaGateError as exc:
                    yield exc
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
        """:meth:`mlflow_subjects`, then the models discovery finds (model_inventory.py), unless turned off."""
        yield from self.mlflow_subjects(ctx)
        from aima_gate.collectors import model_inventory

        if model_inventory.enabled(ctx):  # models nothing registers (merged with the above by the runner)
            yield from model_inventory.discover(ctx)

    def mlflow_subjects(self, ctx: CollectContext) -> Iterable[Result]:
        """Model versions of an MLflow registry, when one is configured (``--mlflow-uri`` or ``mlflow:``), and of
        the MLflow file stores committed in the repository (read offline, unless ``mlflow: {file_store: false}``).
        The only external subjects that can declare protected attributes (bias_protected.py reads these alone)."""
        from aima_gate.collectors import mlflow_file_store
        from aima_gate.collectors.mlflow_registry import mlflow_settings, registry_uri

        settings = mlflow_settings(ctx)
        archived = bool(settings.get("include_archived", False))
        uri = registry_uri(ctx) if _mlflow_in_use(ctx) else None
        if uri is not None and uri.startswith("file:"):
            yield from mlflow_file_store.collect(ctx, _file_store(ctx, uri), include_archived=archived)
        else:
            if uri is not None:
                from aima_gate.collectors.mlflow_registry import collect

                yield from collect(ctx)
            if settings.get("file_store", True):
                yield from mlflow_file_store.collect(ctx, include_archived=archived)


def _location(ctx: CollectContext, value: str, file: str, line: int | None) -> str:
    """The repo-relative folder or file an entry's ``location:`` names; it must hold something."""
    path = ctx.repo.resolve_reference(value, base_file=file, line=line)
    if not ctx.repo.exists(path) and not any(f.startswith(path + "/") for f in ctx.repo.files()):
        raise ArtifactError(f"location: {path} does not exist (or holds no file aima-gate reads)", file=file,
                            line=line, pointer="/location",
                            hint="fix the path (relative to the registry file) or remove `location:`")
    return path


def _file_store(ctx: CollectContext, uri: str) -> str:
    """The repo-relative folder of a ``file:`` URI (relative paths from the repository root); a store outside
    the repository, or the root itself, is refused like any path that leaves it."""
    from pathlib import Path

    raw = uri[len("file:"):]
    raw = raw[2:] if raw.startswith("//") else raw  # file:///abs/path
    target = Path(raw) if raw.startswith("/") else ctx.repo.root / raw
    try:
        rel = target.resolve().relative_to(ctx.repo.root).as_posix()
    except ValueError:
        rel = ""
    if rel in ("", "."):
        raise ConfigError(f"{uri}: a file store must be a folder inside the repository (e.g. file:mlruns)",
                          file=uri)
    return rel


def _mlflow_in_use(ctx: CollectContext) -> bool:
    if ctx.cli.get("mlflow_uri"):
        return True
    cfg = ctx.settings.get("mlflow") if isinstance(ctx.settings, Mapping) else None
    return isinstance(cfg, Mapping) and bool(cfg.get("enabled", False))
