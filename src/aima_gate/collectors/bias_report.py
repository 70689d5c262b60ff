"""``bias_report``: fairness evidence, normalized from whatever tool wrote it (see :mod:`.bias_formats`).

Normalized shape: ``schemas/bias-report.schema.json`` (docs/artifacts.md#bias_report). The format is detected by
content; an unknown shape is an error naming the file, never a skip.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from aima_gate.collectors import CollectContext, Collector, Result
from aima_gate.collectors.plausibility import interval_inconsistencies, non_finite_numbers, prechecks
from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import Artifact, LineIndex
from aima_gate.safeio.loaders import load_json
from aima_gate.safeio.validation import schema_errors


def report_lines(source: LineIndex, data: Mapping[str, Any], doc: Any) -> LineIndex:
    """Map normalized pointers back to the source lines (same pointer, else the attribute's source key)."""
    return LineIndex(build=ReportLines(source, data))


class ReportLines:
    """Lazy builder of a report's normalized line map from its source's. A class, not a closure, so that the
    artifact cache can store what it needs (:meth:`attribute_names`) instead of the built table."""

    __slots__ = ("data", "source")

    def __init__(self, source: LineIndex, data: Mapping[str, Any] | Sequence[Any]) -> None:
        self.source = source
        self.data = data  # the normalized data, or (read back from the cache) the attributes' names

    def attribute_names(self) -> list[Any]:
        if not isinstance(self.data, Mapping):
            return list(self.data)
        return [attr.get("name") if isinstance(attr, Mapping) else None for attr in self.data.get("attributes", [])]

    def __call__(self) -> dict[str, int]:
        source = self.source
        out: dict[str, int] = {}
        for key in ("model", "generated_at", "dataset", "tool", "overall"):
            for src in (f"/{key}", f"/{key}_name", "/timestamp" if key == "generated_at" else None):
                line = source.line_of(src) if src else None
                if src and line is not None and (line > 1 or src == f"/{key}"):
                    out[f"/{key}"] = line
                    break
        for i, name in enumerate(self.attribute_names()):
            for src in (f"/attributes/{i}", f"/{name}", "/by_group", f"/metadata/fairness_metrics/{name}"):
                line = source.line_of(src)
                if line is not None and line > 1:
                    out[f"/attributes/{i}"] = line
                    break
        return out


class BiasReportCollector(Collector):
    kind: ClassVar[str] = "bias_report"
    default_paths: ClassVar[tuple[str, ...]] = (
        "**/bias-report*.json", "**/bias_report*.json", "**/fairness-report*.json", "**/fairness_report*.json",
        "**/reports/fairness/*.json", "**/reports/bias/*.json",
    )
    description: ClassVar[str] = "Fairness reports: fairlearn MetricFrame exports, AIF360 metrics, by-group tables"

    def warm(self) -> None:
        from aima_gate.collectors import bias_formats, bias_protected  # noqa: F401 - imported by the first report
        from aima_gate.safeio.validation import warm

        warm("bias-report.schema.json")

    def parse(self, ctx: CollectContext, file: str) -> Iterable[Result]:
        # The format readers are imported by the first report parsed: a run that reads every report back from the
        # artifact cache never needs them.
        from aima_gate.collectors.bias_formats import normalize
        from aima_gate.collectors.bias_protected import apply_declaration, declared, min_group_support

        doc, lines = load_json(ctx.repo.read_text(file), file)
        data = normalize(doc, file, min_group_support(ctx), lines)
        data = apply_declaration(data, declared(ctx, file, data))
        idx = lines if data.get("format") == "aima-gate" else report_lines(lines, data, doc)
        # Non-finite numbers first (a schema bound cannot refuse NaN), then the schema's bounds (rates in [0, 1],
        # differences in [-1, 1]...), then what a schema cannot say: see collectors/plausibility.py.
        non_finite, intervals = prechecks(data, "confidence_intervals")  # one walk for both checks' pre-checks
        errors = non_finite_numbers(data, file, idx, present=non_finite) \
            or schema_errors(data, "bias-report.schema.json", file=file, lines=idx, error_cls=ArtifactError) \
            or interval_inconsistencies(data, file, idx, present=intervals)
        if errors:
            yield from errors
            return
        model = data.get("model") or {}
        name = f"{model.get('name') or file}@{model.get('version') or '?'}"
        yield Artifact(kind=self.kind, name=name, file=file, data=data, line=1, lines=idx)
