"""The AIMA maturity scorecard: the level rule, cell evidence, attestations, outputs and the examples."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aima_gate.aima.maturity as maturity
from aima_gate.aima.maturity import compute, maturity_markdown, maturity_text
from aima_gate.aima.radar import radar_svg
from aima_gate.core.clock import Clock
from aima_gate.core.model import AimaRef, Artifact, Evidence, Finding, Severity, Status, Subject
from aima_gate.pipeline.runner import RunOptions, run_check
from tests.conftest import EXAMPLES, TODAY, check_json, run_cli

PRACTICE = "governance/strategy-and-metrics"


def _policy(pid: str, stream: str, level: int) -> Any:
    return SimpleNamespace(id=pid, aima=AimaRef("governance", "strategy-and-metrics", stream, level))


def _finding(pid: str, status: Status, subject: str = "m@1", kind: str = "model") -> Finding:
    ev = Evidence("f.yml", 1, "", None, "", "")
    return Finding(pid, pid, status, Severity.HIGH, Subject(kind, subject, "f.yml"), None, (ev,), "")


def _att(cell: str, answer: str = "yes", **kw: Any) -> Artifact:
    data = {"cell": f"{PRACTICE}/{cell}", "known_cell": True, "answer": answer, "owner": "cto@example.org",
            "date": "2026-10-01", "evidence": "https://wiki", "expires": "2027-10-01", **kw}
    return Artifact("attestation", data["cell"], "attestations.yml", data)


def _practice(m: dict[str, Any]) -> dict[str, Any]:
    dom = next(d for d in m["domains"] if d["slug"] == "governance")
    return next(p for p in dom["practices"] if p["slug"] == "strategy-and-metrics")


def _cell(prac: dict[str, Any], cell: str) -> dict[str, Any]:
    return next(c for c in prac["cells"] if c["cell"] == f"{PRACTICE}/{cell}")


def test_level_needs_every_cell_up_to_it_and_plus_is_partial_progress() -> None:
    pols = [_policy("p.a1", "A", 1), _policy("p.a2", "A", 2)]
    findings = [_finding("p.a1", Status.PASS), _finding("p.a2", Status.PASS), _finding("p.a2", Status.NOT_APPLICABLE)]
    prac = _practice(compute(pols, findings, [_att("B/1")], TODAY))
    assert (prac["level"], prac["label"], prac["score"]) == (1, "1+", 1.5)
    assert _cell(prac, "A/1")["source"] == "policies" and _cell(prac, "B/1")["source"] == "attestation"
    assert [m["cell"] for m in prac["next"]["missing"]] == [f"{PRACTICE}/B/2"]
    # a level-2 cell alone does not make level 1
    prac = _practice(compute(pols[1:], findings[1:], [], TODAY))
    assert (prac["level"], prac["label"]) == (0, "0")
    prac = _practice(compute(pols, findings, [_att("B/1"), _att("B/2"), _att("A/3"), _att("B/3")], TODAY))
    assert (prac["level"], prac["label"], prac["next"]) == (3, "3", None)


@pytest.mark.parametrize(("status", "holds"), [
    (Status.FAIL, False), (Status.ERROR, False), (Status.WAIVED, False), (Status.PASS, True)])
def test_failing_evidence_beats_a_yes_attestation(status: Status, holds: bool) -> None:
    findings = [_finding("p.a1", Status.PASS, "a"), _finding("p.a1", status, "b")]
    cell = _cell(_practice(compute([_policy("p.a1", "A", 1)], findings, [_att("A/1")], TODAY)), "A/1")
    assert (cell["status"] == "holds") is holds
    if not holds:
        assert cell["status"] == "fails" and "p.a1" in cell["detail"] and "b" in cell["detail"]


def test_not_applicable_policies_leave_the_cell_to_attestations() -> None:
    pols = [_policy("p.a1", "A", 1)]
    na = [_finding("p.a1", Status.NOT_APPLICABLE)]
    assert _cell(_practice(compute(pols, na, [_att("A/1")], TODAY)), "A/1")["status"] == "holds"
    unknown = _cell(_practice(compute(pols, na, [], TODAY)), "A/1")
    assert unknown["status"] == "unknown" and "selected no subject" in unknown["detail"]


@pytest.mark.parametrize(("att", "status", "fragment"), [
    (_att("A/1", expires="2026-11-23"), "unknown", "expired on 2026-11-23"),
    (_att("A/1", expires="2026-11-24"), "holds", "attested 'yes'"),
    (_att("A/1", owner=None), "unknown", "lacks an owner"),
    (_att("A/1", answer="no"), "fails", "attested 'no'"),
    (_att("A/1", known_cell=False), "unknown", "no attestation answers it"),
])
def test_attestation_states(att: Artifact, status: str, fragment: str) -> None:
    cell = _cell(_practice(compute([], [], [att], TODAY)), "A/1")
    assert cell["status"] == status and fragment in cell["detail"]


def test_an_attestation_failing_its_policies_does_not_count() -> None:
    failing = [_finding("attestation.not-expired", Status.FAIL, f"{PRACTICE}/A/1", kind="attestation")]
    cell = _cell(_practice(compute([], failing, [_att("A/1")], TODAY)), "A/1")
    assert cell["status"] == "unknown" and "fails the attestation policies" in cell["detail"]


def test_domain_summary_is_weakest_level_and_mean_score() -> None:
    m = compute([], [], [_att("A/1"), _att("B/1")], TODAY)
    gov = next(d for d in m["domains"] if d["slug"] == "governance")
    assert (gov["level"], gov["score"]) == (0, 0.33)
    assert m["cells"]["total"] == 144 and m["cells"]["holds"] == 2 and m["cells"]["by_attestation"] == 2


# ------------------------------------------------------------------------------------------------ examples

def _scorecard(example: str) -> dict[str, Any]:
    report = run_check(RunOptions(root=EXAMPLES / example, clock=Clock.at(TODAY)))
    maturity: dict[str, Any] = report.extra["maturity"]
    return maturity


def test_compliant_example_reaches_level_2_in_every_domain() -> None:
    m = _scorecard("credit-scoring")
    assert {d["slug"]: d["level"] for d in m["domains"] if d["level"] < 2} == {}
    assert m["cells"]["by_policies"] >= 40  # most cells are proven by evidence, not only attested


def test_failing_example_shows_gaps_in_every_domain() -> None:
    m = _scorecard("llm-assistant")
    for dom in m["domains"]:
        assert dom["level"] < 2, dom["slug"]
        gaps = [c for p in dom["practices"] for c in p["cells"] if c["level"] <= 2 and c["status"] != "holds"]
        assert gaps, dom["slug"]
    assert m["cells"]["fails"] >= 20


def test_json_report_has_a_maturity_section() -> None:
    _code, report = check_json(EXAMPLES / "credit-scoring")
    assert report["maturity"]["level"] == 2 and len(report["maturity"]["domains"]) == 8


# ----------------------------------------------------------------------------------------------- rendering

def test_text_markdown_and_svg() -> None:
    m = _scorecard("llm-assistant")
    text = maturity_text(m)
    assert "Threat Assessment" in text and "to reach level 1:" in text and "Method:" in text
    md = maturity_markdown(m)
    assert md.startswith("## AIMA maturity") and "| Operations | 0 |" in md and "### What is missing" in md
    svg = ET.fromstring(radar_svg(m))
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert all(d["name"] in texts for d in m["domains"])
    assert len(list(svg.iter("{http://www.w3.org/2000/svg}polygon"))) == 5  # 3 rings, score, level


def test_score_cli(tmp_path: Path) -> None:
    ok = run_cli("score", str(EXAMPLES / "credit-scoring"), "--today", TODAY.isoformat(), "--fail-below", "2",
                 "--svg", str(tmp_path / "radar.svg"))
    assert ok.returncode == 0, ok.stderr
    assert "Overall: level 2" in ok.stdout
    ET.parse(tmp_path / "radar.svg")
    as_json = run_cli("score", str(EXAMPLES / "llm-assistant"), "--today", TODAY.isoformat(), "--format", "json")
    assert as_json.returncode == 0 and json.loads(as_json.stdout)["level"] == 0
    low = run_cli("score", str(EXAMPLES / "llm-assistant"), "--today", TODAY.isoformat(), "--fail-below", "1",
                  "--format", "markdown", "-o", str(tmp_path / "score.md"))
    assert low.returncode == 1 and "below level 1" in low.stderr
    assert (tmp_path / "score.md").read_text().startswith("## AIMA maturity")


def test_score_cli_exits_2_when_evidence_cannot_be_read(tmp_path: Path) -> None:
    (tmp_path / "governance").mkdir()
    (tmp_path / "governance" / "policy.md").write_text("# no front matter\n")
    proc = run_cli("score", str(tmp_path), "--today", TODAY.isoformat(), "--brief")
    assert proc.returncode == 2 and "could not be evaluated" in proc.stderr


def _cell_one_list(cell: str, policy_ids: Any, findings: Any, att: Any, att_failing: bool, today: Any) -> Any:
    """The cell as round 8 counted it, from one list of its policies' findings: the reference for ``_cell``'s
    counting per policy (the description from those counts is shared)."""
    from collections import Counter

    bad = (Status.FAIL, Status.ERROR, Status.WAIVED)
    return maturity._described(cell, policy_ids, Counter(f.status for f in findings),
                               {f.policy_id for f in findings if f.status in bad},
                               lambda: {f.subject.name for f in findings if f.status in bad}, att, att_failing, today)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["p1", "p2", "p3", "p4"]), st.sampled_from(list(Status)),
                          st.sampled_from(["m@1", "m@2", "a", "b", "c", "d"]),
                          st.sampled_from(["model", "attestation"])), max_size=40),
       st.lists(st.tuples(st.sampled_from(["p1", "p2", "p3", "p4"]), st.sampled_from("AB"), st.integers(1, 3)),
                min_size=1, max_size=6))
def test_cells_counted_per_policy_are_the_cells_of_one_list(rows: Any, policies: Any) -> None:
    findings = [_finding(*row) for row in rows]  # any order: runs of one policy are gathered
    pols = [_policy(*p) for p in policies]  # an id may be listed twice, in one cell or two
    atts = [_att("A/1", answer="yes")]
    got = compute(pols, findings, atts, TODAY)
    cell = maturity._cell
    maturity._cell = lambda c, pids, by_policy, *rest: _cell_one_list(
        c, pids, [f for p in pids for f in by_policy.get(p, [])], *rest)
    try:
        want = compute(pols, findings, atts, TODAY)
    finally:
        maturity._cell = cell
    assert got == want
