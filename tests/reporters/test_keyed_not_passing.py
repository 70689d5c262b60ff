"""``keyed_not_passing`` (reporters/_common.py): exactly the failing, erroring and waived findings of ``keyed``
with exactly their keys, in order, with duplicates, out of order and with a NUL in a field; and a passing finding
alone in its run is never hashed (its identity is the renderers' largest working set at scale)."""

from __future__ import annotations

import random

from aima_gate.core.model import Finding, Severity, Status, Subject
from aima_gate.reporters._common import NOT_PASSING, keyed, keyed_not_passing
from tests.reporters.random_findings import random_findings, report_of, report_order

STATUSES = [Status.PASS, Status.PASS, Status.FAIL, Status.ERROR, Status.WAIVED, Status.NOT_APPLICABLE]


def _expected(findings: list[Finding]) -> list[tuple[Finding, str]]:
    fresh = [Finding(f.policy_id, f.title, f.status, f.severity, f.subject, None, (), "") for f in findings]
    return [(findings[i], k) for i, (f, k) in enumerate(keyed(report_of(fresh))) if f.status in NOT_PASSING]


def test_same_findings_and_keys_as_keyed() -> None:
    rng = random.Random(7)
    unsorted = 0
    for n in range(400):
        findings = random_findings(rng, ["m", "n", "o"], STATUSES)
        if n % 2:
            findings.sort(key=report_order)
        elif findings != sorted(findings, key=report_order):
            unsorted += 1
        got = keyed_not_passing(report_of(findings))
        want = _expected(findings)
        assert [f for f, _ in got] == [f for f, _ in want] and [k for _, k in got] == [k for _, k in want]
    assert unsorted
    nul = sorted(random_findings(random.Random(1), ["m\0n", "m"], STATUSES)
                 + random_findings(random.Random(2), ["m\0n"], STATUSES), key=report_order)
    assert keyed_not_passing(report_of(nul)) == _expected(nul)


def _hashed(f: Finding) -> bool:
    try:
        f._identity  # noqa: B018 - set only once the identity was computed
    except AttributeError:
        return False
    return True


def test_passes_alone_in_their_run_are_not_hashed() -> None:
    subject = Subject("model", "m", "a.yml")
    passes = [Finding(f"p.{i}", "t", Status.PASS, Severity.LOW, subject, None, (), "") for i in range(3)]
    fail = Finding("p.3", "t", Status.FAIL, Severity.LOW, subject, None, (), "")
    twins = [Finding("p.4", "t", s, Severity.LOW, subject, None, (), "") for s in (Status.PASS, Status.FAIL)]
    got = keyed_not_passing(report_of([*passes, fail, *twins]))
    assert [f for f, _ in got] == [fail, twins[1]] and got[1][1] != twins[0].identity
    assert not any(_hashed(f) for f in passes)
