"""Reporters render a :class:`~aima_gate.core.report.Report` in one output format each.

Registered in the plain dict :data:`REPORTERS` (format name -> "module"); each module defines
``render(report: Report) -> str`` (and the :data:`STREAMED` ones ``iter_render``). Imported only when that
format is asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Protocol

from aima_gate.core.model import Status
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


STREAMED = frozenset({"junit", "gitlab"})
"""Formats whose module also defines ``iter_render(report) -> Iterator[str]``: the same text as ``render``, in
pieces, so that a large report is never one string (and, for these, never one tree or list)."""


RENDER_COST = {"junit": 6.0, "gitlab": 3.0, "html": 3.0, "sarif": 2.0, "json": 1.0, "text": 1.0, "markdown": 0.8,
               "github": 0.3}
"""Relative CPU cost of each format's rendering (measured at 5,000 models; JUnit lists every finding)."""


class Renderer(Protocol):
    def __call__(self, report: Report) -> str: ...


class PieceRenderer(Protocol):
    def __call__(self, report: Report) -> Iterator[str]: ...


PASS_EVIDENCE_FORMATS = frozenset({"junit"})
"""Formats that render a passing finding's evidence (JUnit: a test case per finding, anchored by it). Text does
only with ``--verbose``, JSON only with ``--findings all``; the others show non-passing findings alone."""

NA_EVIDENCE_FORMATS = frozenset({"json", "junit"})
"""Formats that render a not-applicable finding's evidence: JSON (its summary lists every finding that does not
pass) and JUnit (a skipped test case's message is the first evidence item). Text does only with ``--verbose``;
Markdown, SARIF, HTML, GitHub and GitLab show failures, errors and waivers alone."""


def shown_evidence(fmt: str, *, findings: str = "summary", verbose: bool = False) -> frozenset[Status]:
    """The statuses whose findings' evidence output ``fmt`` shows (unknown formats: every status, to be safe).
    Evaluation need not build the evidence of the other statuses' findings (``evaluate(pass_evidence=...,
    na_evidence=...)``)."""
    if fmt not in REPORTERS:
        return frozenset(Status)
    shown = {Status.FAIL, Status.ERROR, Status.WAIVED}
    if fmt in PASS_EVIDENCE_FORMATS or (fmt == "json" and findings != "summary") or (fmt == "text" and verbose):
        shown.add(Status.PASS)
    if fmt in NA_EVIDENCE_FORMATS or (fmt == "text" and verbose):
        shown.add(Status.NOT_APPLICABLE)
    return frozenset(shown)


def needs_pass_evidence(fmt: str, *, findings: str = "summary", verbose: bool = False) -> bool:
    """Whether output ``fmt`` shows the evidence of passing findings (unknown formats: yes, to be safe)."""
    return Status.PASS in shown_evidence(fmt, findings=findings, verbose=verbose)


def needs_na_evidence(fmt: str, *, findings: str = "summary", verbose: bool = False) -> bool:
    """Whether output ``fmt`` shows the evidence of not-applicable findings (unknown formats: yes)."""
    return Status.NOT_APPLICABLE in shown_evidence(fmt, findings=findings, verbose=verbose)


def get_piece_renderer(name: str) -> PieceRenderer:
    """``iter_render`` of a :data:`STREAMED` format."""
    module = importlib.import_module(REPORTERS[name])
    render: PieceRenderer = module.iter_render
    return render


def get_renderer(name: str) -> Renderer:
    module = importlib.import_module(REPORTERS[name])
    render: Renderer = module.render
    return render
