"""``robustness_report``: adversarial robustness and red-team results for one model version (YAML or JSON).

Tools (Foolbox, ART, TextAttack, garak, a manual red team) each print their own summary; the committed report
records the outcome per attack in one shape::

    model: credit-scorer
    model_version: "2.3.0"
    date: 2026-11-10
    tool: foolbox 3.3.4
    attacks:
      - attack: LinfPGD
        perturbation: {norm: Linf, epsilon: 0.03}
        samples: 2000
        clean_accuracy: 0.912
        robust_accuracy: 0.846
      - attack: prompt-injection red team
        samples: 300
        attack_success_rate: 0.013

Every attack needs a robust accuracy or an attack success rate; rates are fractions in [0, 1] (a value such as
84.6 is refused rather than read as a percentage). Normalized shape: schemas/robustness-report.schema.json.

garak's own ``.report.jsonl`` is read directly (:mod:`.robustness_garak`): one attack per probe and detector. It
names the target, not the model version, so to gate a registered version commit a report naming the model and
version that takes its attacks from the garak file (``garak: runs/garak.<uuid>.report.jsonl`` instead of
``attacks:``); a bare garak report is named after its target (else its folder) with no version.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from aima_gate.collectors import CollectContext, Collector, Result
from aima_gate.collectors.robustness_garak import looks_like_garak, parse_garak
from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import Artifact, LineIndex
from aima_gate.engine.dates import parse_date
from aima_gate.safeio.loaders import load_structured

RATES = ("clean_accuracy", "robust_accuracy", "attack_success_rate")


def _rate(value: Any, file: str, lines: LineIndex, pointer: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ArtifactError(f"{pointer.rsplit('/', 1)[-1]} must be a fraction between 0 and 1, not {value!r}",
                            file=file, line=lines.line_of(pointer), pointer=pointer)
    return float(value)


GarakLoader = Callable[[str, int | None], tuple[dict[str, Any], str]]
"""(reference, line) -> (normalized garak data, repo path of the garak file)."""


def parse_robustness(text: str, file: str, garak: GarakLoader | None = None,
                     refs: list[tuple[str, str, str]] | None = None) -> tuple[dict[str, Any], LineIndex]:
    doc, lines = load_structured(text, file)
    if isinstance(doc, Mapping) and doc.get("garak") and "attacks" not in doc and garak is not None:
        results, path = garak(str(doc["garak"]), lines.line_of("/garak"))
        doc = {**doc, "attacks": results["attacks"], "date": doc.get("date") or results["date"],
               "tool": doc.get("tool") or results["tool"]}
        if refs is not None:
            refs.append(("evidence", path, "/garak"))
    if not isinstance(doc, Mapping) or not doc.get("model") or not isinstance(doc.get("attacks"), list):
        raise ArtifactError("a robustness report needs model, model_version, date and attacks[] (or garak: a "
                            "garak .report.jsonl to take the attacks from)", file=file, line=1)
    date = parse_date(doc.get("date"))
    if date is None:
        raise ArtifactError(f"date {doc.get('date')!r} is missing or not a date", file=file,
                            line=lines.line_of("/date") or 1, pointer="/date", hint="use ISO 8601, e.g. 2026-11-10")
    if not doc["attacks"]:
        raise ArtifactError("attacks is empty: a report without results proves nothing", file=file,
                            line=lines.line_of("/attacks"), pointer="/attacks")
    attacks = []
    line_map = {f"/{k}": lines.line_of(f"/{k}") or 1 for k in doc}
    for i, raw in enumerate(doc["attacks"]):
        ptr = f"/attacks/{i}"
        if not isinstance(raw, Mapping) or not raw.get("attack"):
            raise ArtifactError("each attack needs a name (attack:)", file=file, line=lines.line_of(ptr), pointer=ptr)
        item: dict[str, Any] = {"attack": str(raw["attack"]), "samples": raw.get("samples")}
        for key in ("probe", "detector", "passed", "fails"):  # garak's own counts, kept for the reader
            if key in raw:
                item[key] = raw[key]
        for key in RATES:  # a rate the report does not give is absent (not null), so thresholds see "missing"
            rate = _rate(raw.get(key), file, lines, f"{ptr}/{key}")
            if rate is not None:
                item[key] = rate
                line_map[f"{ptr}/{key}"] = lines.line_of(f"{ptr}/{key}") or 1
        if "robust_accuracy" not in item and "attack_success_rate" not in item:
            raise ArtifactError(f"attack {item['attack']!r} has neither robust_accuracy nor attack_success_rate",
                                file=file, line=lines.line_of(ptr), pointer=ptr)
        pert = raw.get("perturbation", raw.get("budget"))
        item["perturbation"] = dict(pert) if isinstance(pert, Mapping) else pert
        item["epsilon"] = pert.get("epsilon") if isinstance(pert, Mapping) else None
        clean, robust = item.get("clean_accuracy"), item.get("robust_accuracy")
        item["accuracy_drop"] = None if clean is None or robust is None else round(clean - robust, 6)
        line_map[ptr] = lines.line_of(ptr) or 1
        attacks.append(item)
    data = {"model": str(doc["model"]), "model_version": None if doc.get("model_version") is None
            else str(doc["model_version"]), "date": date.isoformat(), "tool": doc.get("tool"), "attacks": attacks}
    return data, LineIndex(line_map)


class RobustnessReportCollector(Collector):
    kind: ClassVar[str] = "robustness_report"
    default_paths: ClassVar[tuple[str, ...]] = ("**/robustness*.{json,yml,yaml}", "**/red-team*.{json,yml,yaml}",
                                                "**/robustness-reports/*.{json,yml,yaml}", "**/*.report.jsonl")
    description: ClassVar[str] = "Adversarial robustness and red-team results per model version (incl. garak)"

    def parse(self, ctx: CollectContext, file: str) -> Iterable[Result]:
        text = ctx.repo.read_text(file)
        refs: list[tuple[str, str, str]] = []
        if looks_like_garak(text):
            data, line_map = parse_garak(text, file)
            # garak names its target (often null for local generators), never a model version
            data["model"] = data["model"] or posixpath.basename(posixpath.dirname(file)) or file
            if data["date"] is None:
                raise ArtifactError("garak report has no start time (init.start_time)", file=file, line=1)
            lines = LineIndex(line_map)
        else:
            data, lines = parse_robustness(text, file, lambda ref, line: self._garak(ctx, file, ref, line), refs)
        yield Artifact(kind=self.kind, name=f"{data['model']}@{data['model_version']}", file=file, data=data,
                       line=1, lines=lines, references=tuple(refs))

    @staticmethod
    def _garak(ctx: CollectContext, file: str, ref: str, line: int | None) -> tuple[dict[str, Any], str]:
        path = ctx.repo.resolve_reference(ref, base_file=file, line=line)
        if not ctx.repo.exists(path):
            raise ArtifactError(f"garak references {path}, which does not exist", file=file, line=line,
                                pointer="/garak")
        data, _ = parse_garak(ctx.repo.read_text(path), path)
        return data, path
