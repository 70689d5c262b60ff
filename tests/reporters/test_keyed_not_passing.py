"""``keyed_not_passing`` (reporters/_common.py): exactly the failing, erroring and waived findings of ``keyed``
with exactly their keys, in order, with duplicates, out of order and with a NUL in a field; and a passing finding
alone in its run is never hashed (its identity is the renderers' largest working set at scale)."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import cast

from aima_gate.core.model import Finding, Severity, Status, Subject
from aima_gate.core.report import Report
from aima_gate.reporters._common import NOT_PASSING, keyed, keyed_not_passing

STATUSES = [Status.PASS, Status.PASS, Status.FAIL, Status.ERROR, Status.WAIVED, Status.NOT_APPLICABLE]


def _findings(rng: random.Random, names: list[str]) -> list[Finding]:
    return [
        Finding(rng.choice(["p.a", "p.b"]), "t", rng.choice(STATUSES), Severity.LOW,
                Subject(rng.choice(["model", "x"]), rng.choice(names), rng.choice(["a.yml", "b.yml"])), None, (), "")
        for _ in range(rng.randrange(0, 40))
    ]


def _report(findings: list[Finding]) -> Report:
    return cast(Report, SimpleNamespace(findings=tuple(findings)))


def _order(f: Finding) -> tuple[str, str, str, str]:
    return (f.policy_id, f.subject.file, f.subject.kind, f.subject.name)


def _expected(findings: list[Finding]) -> list[tuple[Finding, str]]:
    fresh = [Finding(f.policy_id, f.title, f.status, f.severity, f.subject, None, (), "") for f in findings]
    return [(findings[i], k) for i, (f, k) in enumerate(keyed(_report(fresh))) if f.status in NOT_PASSING]


def test_same_findings_and_keys_as_keyed() -> None:
    rng = random.Random(7)
    unsorted = 0
    for n in range(400):
        findings = _findings(rng, ["m", "n", "o"])
        if n % 2:
            findings.sort(key=_order)
        elif findings != sorted(findings, key=_order):
            unsorted += 1
        got = keyed_not_passing(_report(findings))
        want = _expected(findings)
        assert [f for f, _ in got] == [f for f, _ in want] and [k for _, k in got] == [k for _, k in want]
    assert unsorted
    nul = sorted(_findings(random.Random(1), ["m\0n", "m"]) + _findings(random.Random(2), ["m\0n"]), key=_order)
    assert keyed_not_passing(_report(nul)) == _expected(nul)


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
    got = keyed_not_passing(_report([*passes, fail, *twins]))
    assert [f for f, _ in got] == [fail, twins[1]] and got[1][1] != twins[0].identity
    assert not any(_hashed(f) for f in passes)
