"""Reporters render a :class:`~aima_gate.core.report.Report` in one output format each.

Registered in the plain dict :data:`REPORTERS` (format name -> "module"); each module defines
``render(report: Report) -> str``. Imported only when that format is asked for.
"""

from __future__ import annotations

import importlib
from typing import Protocol

from aima_gate.core.report import Report

REPORTERS: dict[str, str] = {
    "text": "aima_gate.reporters.text",
    "json": "aima_gate.reporters.json_report",
    "sarif": "aima_gate.reporters.sarif",
    "junit": "aima_gate.reporters.junit",
    "gitlab": "aima_gate.reporters.gitlab",
    "markdown": "aima_gate.reporters.markdown",
    "github": "aima_gate.reporters.github",
    "html": "aima_gate.reporters.html",
}


class Renderer(Protocol):
    def __call__(self, report: Report) -> str: ...


PASS_EVIDENCE_FORMATS = frozenset({"junit"})
"""Formats that render a passing finding's evidence (JUnit: a test case per finding, anchored by it). Text does
only with ``--verbose``, JSON only with ``--findings all``; the others show non-passing findings alone."""


def needs_pass_evidence(fmt: str, *, findings: str = "summary", verbose: bool = False) -> bool:
    """Whether output ``fmt`` shows the evidence of passing findings (unknown formats: yes, to be safe)."""
    if fmt == "json":
        return findings != "summary"
    if fmt == "text":
        return verbose
    return fmt in PASS_EVIDENCE_FORMATS or fmt not in REPORTERS


def get_renderer(name: str) -> Renderer:
    module = importlib.import_module(REPORTERS[name])
    render: Renderer = module.render
    return render
