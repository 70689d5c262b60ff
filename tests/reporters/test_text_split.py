"""The text report split in two (reporters/text.Started): a forked child renders the findings by domain (and the
inventory and next steps) while this process renders the rest. Joined, the bytes written are those of the report
made in one process (held to the per-finding reference, tests/reporters/text_reference.py), coloured or not, as
``check`` writes them, whatever the parts made aside, the batch, the findings (hostile strings, lone surrogates) and
whether a child was forked; each piece is whole lines."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.cli.options import colorize
from aima_gate.core.model import Evidence, Finding, Severity, Status, Subject
from aima_gate.core.parallel import can_fork
from aima_gate.reporters import text
from tests.reporters import text_reference
from tests.reporters.test_text_per_kind import _finding, _report

_PLANS = st.builds(text.AsidePlan, st.floats(0.0, 1.5), st.booleans(), st.booleans()) | st.sampled_from(
    [text.ALONE, text.BEHIND])
_SURROGATE = Finding("model.a", "title", Status.FAIL, Severity.HIGH, Subject("model", "m\udcff", "r/\udcfe.yml"), None,
                     (Evidence("r/\udcfe.yml", 1, "/a", None, "", "bad \udcff value \x1b[2J"),), "Fix it.")


@contextlib.contextmanager
def _jobs(n: int) -> Iterator[None]:
    before = os.environ.get("AIMA_GATE_JOBS")
    os.environ["AIMA_GATE_JOBS"] = str(n)
    try:
        yield
    finally:
        if before is None:
            del os.environ["AIMA_GATE_JOBS"]
        else:
            os.environ["AIMA_GATE_JOBS"] = before


def _check(findings: list[Finding], fail_on: Severity, target: int | None, verbose: bool, batch: int,
           plan: text.AsidePlan | None) -> text.Started:
    report = _report(findings, fail_on, target)
    expected = "".join(text_reference.iter_render(report, verbose=verbose, batch=batch))
    for paint in (None, colorize):
        started = text.Started(report, verbose=verbose, batch=batch, plan=plan)
        pieces = list(started.written(paint))
        assert b"".join(pieces) == (paint(expected) if paint else expected).encode("utf-8", "backslashreplace")
        assert all(piece.endswith(b"\n") for piece in pieces)  # whole lines: coloured output colours whole lines
    if not any("\udcff" in f.subject.name for f in findings):  # the text itself (see Started.pieces)
        assert "".join(text.Started(report, verbose=verbose, batch=batch, plan=plan).pieces()) == expected
    return started


@settings(max_examples=200, deadline=None)
@given(st.lists(_finding, max_size=30), st.sampled_from(list(Severity)), st.sampled_from([None, 1, 2]),
       st.booleans(), st.sampled_from([1, 2, 5, 4096]), st.one_of(st.none(), _PLANS))
def test_the_text_without_a_child_is_the_text(findings: list[Finding], fail_on: Severity, target: int | None,
                                              verbose: bool, batch: int, plan: text.AsidePlan | None) -> None:
    """No spare core (AIMA_GATE_JOBS=1) or no plan: nothing is forked, all is made here."""
    with _jobs(1):
        assert _check(findings, fail_on, target, verbose, batch, plan).domains is None


@pytest.mark.skipif(not can_fork(), reason="needs fork (Linux)")
@settings(max_examples=40, deadline=None)
@given(st.lists(_finding, max_size=30), st.sampled_from(list(Severity)), st.sampled_from([None, 1, 2]),
       st.booleans(), st.sampled_from([1, 4096]), _PLANS)
def test_the_parts_made_by_a_child_are_the_parts_made_here(findings: list[Finding], fail_on: Severity,
                                                           target: int | None, verbose: bool, batch: int,
                                                           plan: text.AsidePlan) -> None:
    """Any share of the findings by domain (a heading's place, a domain split, none left here or none aside), with
    or without the inventory and the next steps."""
    with _jobs(2):
        started = _check([*findings, _SURROGATE], fail_on, target, verbose, batch, plan)
    assert started.domains is not None and started.domains._child is not None and started.domains._child.finished
    assert (started.inventory is not None) is plan.inventory and (started.steps is not None) is plan.steps


def test_a_report_not_read_stops_its_child() -> None:
    if not can_fork():
        pytest.skip("needs fork (Linux)")
    with _jobs(2):
        started = text.Started(_report([_SURROGATE] * 50, Severity.HIGH, None), plan=text.ALONE)
    assert started.domains is not None and started.domains._child is not None
    child = started.domains._child
    started.cancel()
    assert child.pid is None and not child.finished  # stopped and reaped, its bytes dropped


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("ab\u00e9\u20ac\U0001f600\udcff\x1b "), max_size=20), max_size=12),
       st.lists(st.integers(1, 9), max_size=30))
def test_the_childs_bytes_come_back_as_whole_lines(lines: list[str], cuts: list[int]) -> None:
    """However the child's file is read back (chunks cut inside a line, inside a character's UTF-8 bytes)."""
    data = "".join(line + "\n" for line in lines).encode("utf-8", "backslashreplace")  # (as the child writes)
    chunks, at = [], 0
    for cut in cuts:
        chunks.append(data[at:at + cut])
        at += cut
    chunks.append(data[at:])
    pieces = list(text._whole_lines(chunks))
    assert "".join(pieces) == data.decode("utf-8")
    assert all(piece.endswith("\n") for piece in pieces)
