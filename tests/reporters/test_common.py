"""The fast paths of reporters/_common.py held equal to the per-finding loops they stand in front of:
``keyed_not_passing`` and ``finding_keys`` (findings alone in their runs keyed at C speed; the loops, kept as the
reference below, for runs, disorder and NUL), and ``anchor`` with the per-render ``file_check``."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.core.model import Evidence, Finding, Severity, Status, Subject
from aima_gate.core.report import Report
from aima_gate.reporters._common import NOT_PASSING, anchor, file_check, finding_keys, keyed_not_passing
from tests.reporters.random_findings import reference_keys, report_of, report_order


def _reference_keyed_not_passing(findings: list[Finding]) -> list[tuple[Finding, str]]:
    return [(f, k) for f, k in zip(findings, reference_keys(findings), strict=True) if f.status in NOT_PASSING]


_field = st.sampled_from(["a", "b", "a\0b", "ä", ""])
_finding = st.builds(
    lambda pid, file, kind, name, status: Finding(pid, "t", status, Severity.LOW, Subject(kind, name, file), None,
                                                  (), ""),
    st.sampled_from(["p.a", "p.b", "p\0a"]), _field, st.sampled_from(["model", "x"]), _field,
    st.sampled_from(list(Status)))


@settings(max_examples=500, deadline=None)
@given(st.lists(_finding, max_size=60), st.booleans(), st.booleans())
def test_keys_equal_the_reference(findings: list[Finding], in_order: bool, distinct: bool) -> None:
    if distinct:
        findings = list({report_order(f): f for f in findings}.values())
    if in_order:
        findings.sort(key=report_order)
    report = report_of(findings)
    assert finding_keys(report) == reference_keys(findings)
    got = keyed_not_passing(report)
    want = _reference_keyed_not_passing(findings)
    assert [f for f, _ in got] == [f for f, _ in want] and [k for _, k in got] == [k for _, k in want]


def test_keys_equal_the_reference_across_chunks() -> None:
    """Thousands of findings: the order and NUL checks work a chunk at a time, and a twin or disorder at a
    chunk's edge must be seen."""
    subjects = [Subject("model", f"m{i:05d}", "a.yml") for i in range(9000)]
    base = [Finding("p", "t", Status.FAIL if i % 3 else Status.PASS, Severity.LOW, s, None, (), "")
            for i, s in enumerate(subjects)]
    odd = Finding("p", "t", Status.FAIL, Severity.LOW, Subject("model", "m\0", "a.yml"), None, (), "")
    for findings in (base, [*base[:4096], base[4095], *base[4096:]], [*base[:4096], base[0], *base[4096:]],
                     [*base[:5000], odd]):
        report = report_of(findings)
        assert finding_keys(report) == reference_keys(findings)
        assert keyed_not_passing(report) == _reference_keyed_not_passing(findings)


def test_file_check_anchors_as_anchor_does(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("x: 1\n")
    (tmp_path / "d").mkdir()
    (tmp_path / "link.yml").symlink_to(tmp_path / "a.yml")
    report = Report("1", "d", Severity.LOW, (), root=str(tmp_path))
    exists = file_check(report)
    files = ["a.yml", "b.yml", "d", "link.yml", "", ".", "/etc/passwd", "../a.yml", "./a.yml"]
    for ev_file in files:
        for subject_file in files:
            ev = Evidence(ev_file, 0, "", None, "", "m")
            f = Finding("p", "t", Status.FAIL, Severity.LOW, Subject("model", "m", subject_file), None, (ev,), "")
            assert anchor(report, f, exists) == anchor(report, f)
