"""``data_validation``: Great Expectations validation results (one JSON file per validation run).

Reads the legacy (0.x) ``ExpectationSuiteValidationResult`` layout (``meta.expectation_suite_name``,
``results[].expectation_config.expectation_type``) and the 1.x names (``meta.suite_name``,
``expectation_config.type``). The dataset a run validated is, in order: ``meta.dataset`` (set it when you write
the file), ``meta.active_batch_definition.data_asset_name``, ``meta.batch_spec.data_asset_name``,
``meta.batch_kwargs.data_asset_name``, else the suite name. A run *succeeded* when GE says ``success: true`` and
no expectation raised an exception (GE can report a raised exception as an unsuccessful expectation only).

Normalized shape: schemas/data-validation.schema.json. ``latest`` is true for the newest run of each dataset.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from aima_gate.collectors import CollectContext, Collector, Result
from aima_gate.collectors._latest import is_latest
from aima_gate.collectors.plausibility import validation_inconsistencies
from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import Artifact, LineIndex
from aima_gate.engine.dates import parse_date
from aima_gate.safeio.loaders import load_structured


def _get(doc: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(doc, Mapping):
            return None
        doc = doc.get(key)
    return doc


def _run_time(meta: Mapping[str, Any]) -> tuple[Any, str]:
    for path in (("run_id", "run_time"), ("run_time",), ("validation_time",), ("batch_markers", "ge_load_time")):
        value = _get(meta, *path)
        if value:
            return value, "/meta/" + "/".join(path)
    return None, "/meta"


def _parse_time(value: Any) -> str | None:
    date = parse_date(value)
    if date is not None:
        return date.isoformat()
    if isinstance(value, str):  # GE's compact run time: 20200322T170247.671855Z
        for fmt in ("%Y%m%dT%H%M%S.%fZ", "%Y%m%dT%H%M%SZ", "%Y%m%dT%H%M%S.%f", "%Y%m%d"):
            try:
                return _dt.datetime.strptime(value.strip(), fmt).date().isoformat()
            except ValueError:
                continue
    return None


def parse_validation(text: str, file: str) -> tuple[dict[str, Any], LineIndex]:
    doc, lines = load_structured(text, file)
    if not isinstance(doc, Mapping) or not isinstance(doc.get("success"), bool) \
            or not isinstance(doc.get("results"), list):
        hint = None
        if isinstance(doc, Mapping) and "run_results" in doc:
            hint = "this is a checkpoint result; commit each run's validation_result instead"
        raise ArtifactError("not a Great Expectations validation result (needs success: true/false and results[])",
                            file=file, line=1, hint=hint)
    # A result that contradicts itself (success: true with failed expectations) is an error, never a pass.
    contradictions = validation_inconsistencies(doc, file, lines)
    if contradictions:
        raise contradictions[0]
    meta: Mapping[str, Any] = doc["meta"] if isinstance(doc.get("meta"), Mapping) else {}
    suite = meta.get("expectation_suite_name", meta.get("suite_name"))
    dataset = (meta.get("dataset") or _get(meta, "active_batch_definition", "data_asset_name")
               or _get(meta, "batch_spec", "data_asset_name") or _get(meta, "batch_kwargs", "data_asset_name") or suite)
    if not dataset:
        raise ArtifactError("cannot tell which dataset this validation ran on", file=file,
                            line=lines.line_of("/meta") or 1, pointer="/meta",
                            hint="set meta.dataset (or the batch definition's data_asset_name)")
    raw_time, time_ptr = _run_time(meta)
    run_date = _parse_time(raw_time)
    if run_date is None:
        raise ArtifactError(f"validation run time {raw_time!r} is missing or not a date", file=file,
                            line=lines.line_of(time_ptr) or 1, pointer=time_ptr,
                            hint="GE writes meta.run_id.run_time; keep it in the committed result")
    failed: list[dict[str, Any]] = []
    exceptions = 0
    for i, res in enumerate(doc["results"]):
        if not isinstance(res, Mapping):
            raise ArtifactError("each result must be a mapping", file=file, line=lines.line_of(f"/results/{i}"))
        raised = bool(_get(res, "exception_info", "raised_exception"))
        exceptions += raised
        if not res.get("success") or raised:
            config = res.get("expectation_config") or {}
            failed.append({"expectation": config.get("expectation_type", config.get("type")),
                           "column": _get(config, "kwargs", "column"), "exception": raised, "index": i})
    stats: Mapping[str, Any] = doc["statistics"] if isinstance(doc.get("statistics"), Mapping) else {}
    data = {
        "format": "great-expectations", "dataset": str(dataset), "suite": suite, "run_date": run_date,
        "success": bool(doc["success"]) and exceptions == 0, "ge_success": doc["success"],
        "evaluated": stats.get("evaluated_expectations", len(doc["results"])),
        "unsuccessful": stats.get("unsuccessful_expectations", len(failed)), "exceptions": exceptions,
        "failed_expectations": failed,
    }
    line_map = {"/success": lines.line_of("/success") or 1, "/run_date": lines.line_of(time_ptr) or 1,
                "/ge_success": lines.line_of("/success") or 1}
    for j, f in enumerate(failed):
        line_map[f"/failed_expectations/{j}"] = lines.line_of(f"/results/{f['index']}") or 1
    return data, LineIndex(line_map)


class DataValidationCollector(Collector):
    kind: ClassVar[str] = "data_validation"
    default_paths: ClassVar[tuple[str, ...]] = ("**/great_expectations/uncommitted/validations/**/*.json",
                                                "**/validations/**/*.json", "**/data-validation/**/*.json")
    description: ClassVar[str] = "Data validation results (Great Expectations)"

    def parse(self, ctx: CollectContext, file: str) -> Iterable[Result]:
        data, lines = parse_validation(ctx.repo.read_text(file), file)
        paths = ctx.options.get("paths") or self.default_paths

        def key_date(other: str) -> tuple[str, str]:
            d, _ = parse_validation(ctx.repo.read_text(other), other)
            return str(d["dataset"]), str(d["run_date"])

        data["latest"] = is_latest(ctx.repo, self.kind, paths, file, data["dataset"], data["run_date"], key_date)
        yield Artifact(kind=self.kind, name=f"{data['dataset']}@{data['run_date']}", file=file, data=data,
                       line=1, lines=lines)
