"""Which outputs show a passing finding's evidence (``reporters.needs_pass_evidence``), and that every output
said not to renders the same bytes when passes carry none (``RunOptions.pass_evidence=False``)."""

from __future__ import annotations

from typing import Any

import pytest

from aima_gate.core.clock import Clock
from aima_gate.core.model import Status
from aima_gate.core.report import Report
from aima_gate.pipeline.runner import RunOptions, run_check
from aima_gate.reporters import (
    REPORTERS,
    get_renderer,
    json_report,
    needs_na_evidence,
    needs_pass_evidence,
    shown_evidence,
    text,
)
from tests.conftest import EXAMPLES, TODAY


def _render(fmt: str, report: Report, findings: str = "summary", verbose: bool = False) -> str:
    if fmt == "json":
        return json_report.render(report, findings=findings)
    if fmt == "text":
        return text.render(report, verbose=verbose)
    return get_renderer(fmt)(report)


def test_which_outputs_need_pass_evidence() -> None:
    assert not needs_pass_evidence("json") and needs_pass_evidence("json", findings="all")
    assert not needs_pass_evidence("text") and needs_pass_evidence("text", verbose=True)
    assert needs_pass_evidence("junit")  # one test case per finding, passes too, anchored by its evidence
    for fmt in ("sarif", "markdown", "html", "github", "gitlab"):
        assert not needs_pass_evidence(fmt, findings="all", verbose=True)
    assert needs_pass_evidence("some-future-format")  # unknown: assume it does


OUTPUTS = [
    (fmt, findings, verbose)
    for fmt in sorted(REPORTERS)
    for findings in ("summary", "all")
    for verbose in (False, True)
]


def _same_outcomes(lean: Any, full: Any) -> None:
    """The same findings (policy, subject, status), verdict and summary, with or without the left-out evidence."""
    assert [(f.policy_id, f.subject, f.status) for f in lean.findings] == [
        (f.policy_id, f.subject, f.status) for f in full.findings
    ]
    assert lean.verdict == full.verdict and lean.summary == full.summary


@pytest.mark.parametrize("example", ["credit-scoring", "llm-assistant"])
def test_outputs_that_do_not_show_pass_evidence_are_byte_identical_without_it(example: str) -> None:
    full = run_check(RunOptions(root=EXAMPLES / example, clock=Clock.at(TODAY)))
    lean = run_check(RunOptions(root=EXAMPLES / example, clock=Clock.at(TODAY), pass_evidence=False))
    passes = [f for f in lean.findings if f.status is Status.PASS]
    assert passes and all(f.evidence == () for f in passes)
    _same_outcomes(lean, full)
    for fmt, findings, verbose in OUTPUTS:
        if not needs_pass_evidence(fmt, findings=findings, verbose=verbose):
            assert _render(fmt, lean, findings, verbose) == _render(fmt, full, findings, verbose), fmt
    # The ones said to need it do show it (the list is not just cautious).
    for fmt, findings, verbose in (("json", "all", False), ("text", "summary", True), ("junit", "summary", False)):
        assert _render(fmt, lean, findings, verbose) != _render(fmt, full, findings, verbose), fmt


def test_a_partial_run_builds_no_pass_evidence_either() -> None:
    """``check PATH FILE`` (pre-commit) evaluates through pipeline/changed.py: same rule, same bytes."""
    root = EXAMPLES / "credit-scoring"
    changed = frozenset({"registry/models.yml"})
    assert (root / "registry/models.yml").is_file()
    full = run_check(RunOptions(root=root, clock=Clock.at(TODAY), changed_files=changed))
    lean = run_check(RunOptions(root=root, clock=Clock.at(TODAY), changed_files=changed, pass_evidence=False))
    passes = [f for f in lean.findings if f.status is Status.PASS]
    assert passes and all(f.evidence == () for f in passes)
    assert json_report.render(lean) == json_report.render(full)


def test_which_outputs_show_not_applicable_evidence() -> None:
    """JSON lists every finding that does not pass; a JUnit skipped case's message is the first evidence item."""
    assert needs_na_evidence("json") and needs_na_evidence("junit")
    assert not needs_na_evidence("text") and needs_na_evidence("text", verbose=True)
    for fmt in ("sarif", "markdown", "html", "github", "gitlab"):
        assert not needs_na_evidence(fmt, findings="all", verbose=True)
    assert needs_na_evidence("some-future-format")
    assert shown_evidence("some-future-format") == frozenset(Status)
    for fmt in REPORTERS:  # failures, errors and waivers: every output shows theirs
        assert {Status.FAIL, Status.ERROR, Status.WAIVED} <= shown_evidence(fmt)


@pytest.mark.parametrize("example", ["credit-scoring", "llm-assistant"])
def test_outputs_that_do_not_show_not_applicable_evidence_are_byte_identical_without_it(example: str) -> None:
    full = run_check(RunOptions(root=EXAMPLES / example, clock=Clock.at(TODAY)))
    lean = run_check(RunOptions(root=EXAMPLES / example, clock=Clock.at(TODAY), pass_evidence=False,
                                na_evidence=False))
    na = [f for f in lean.findings if f.status is Status.NOT_APPLICABLE]
    assert na and any(f.evidence == () for f in na)
    _same_outcomes(lean, full)
    for fmt, findings, verbose in OUTPUTS:
        shown = shown_evidence(fmt, findings=findings, verbose=verbose)
        if Status.PASS not in shown and Status.NOT_APPLICABLE not in shown:
            assert _render(fmt, lean, findings, verbose) == _render(fmt, full, findings, verbose), fmt
    for fmt, findings, verbose in (("json", "summary", False), ("text", "summary", True), ("junit", "summary", False)):
        assert _render(fmt, lean, findings, verbose) != _render(fmt, full, findings, verbose), fmt
