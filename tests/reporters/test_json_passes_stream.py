"""The JSON report's ``passes`` summary is written straight from the passing findings (no dictionary per passing
subject): byte for byte what the summary dictionary (``passes_summary``) rendered as before, entry by entry through
json.dumps, for random findings with odd names (quotes, escapes, non-ASCII, a lone surrogate), none, and examples."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any, cast

from aima_gate.core.clock import Clock
from aima_gate.core.model import Finding, Severity, Status, Subject
from aima_gate.core.report import Report
from aima_gate.pipeline.runner import RunOptions, run_check
from aima_gate.reporters import json_report
from aima_gate.reporters.json_report import passes_summary
from tests.conftest import EXAMPLES, TODAY

NAMES = ["m", 'q"uote', "back\\slash", "tab\tnew\nline", "é ü 模型", "\ud800lone", "</script>", ""]


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))


def _reference(report: Report) -> str:
    """The passes section as the reporter wrote it from ``passes_summary`` before."""
    passes = passes_summary(report)
    entries = [_compact(e) for e in passes["by_policy"]]
    array = "[\n      " + ",\n      ".join(entries) + "\n    ]" if entries else "[]"
    return '{\n    "by_policy": ' + array + f',\n    "count": {int(passes["count"])}\n  }}'


def _report(findings: Iterable[Finding]) -> Report:
    return cast(Report, SimpleNamespace(findings=tuple(findings)))


def _random(rng: random.Random, n: int) -> list[Finding]:
    statuses = [Status.PASS, Status.PASS, Status.FAIL, Status.NOT_APPLICABLE]
    return [Finding(rng.choice(["p.a", "p.b", "p.c"]), "t", rng.choice(statuses), Severity.LOW,
                    Subject(rng.choice(["model", "bias_report"]), rng.choice(NAMES), rng.choice([*NAMES, "a.yml"])),
                    None, (), "") for _ in range(n)]


def test_passes_stream_as_the_summary_rendered() -> None:
    rng = random.Random(3)
    for n in (0, 1, 5, 40, 2500):  # 2500: policies with more than one piece of subjects
        report = _report(_random(rng, n))
        assert "".join(json_report._passes(report)) == _reference(report)
    assert "".join(json_report._passes(_report([]))) == _reference(_report([]))


def test_examples_render_the_same_passes() -> None:
    for name in ("credit-scoring", "llm-assistant"):
        report = run_check(RunOptions(root=EXAMPLES / name, clock=Clock.at(TODAY)))
        assert any(f.status is Status.PASS for f in report.findings)
        text = json_report.render(report)
        assert json.loads(text)["passes"] == passes_summary(report)
        assert "".join(json_report._passes(report)) == _reference(report)
