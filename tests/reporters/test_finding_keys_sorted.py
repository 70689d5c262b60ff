"""``finding_keys`` on findings in report order needs no set of every key (reporters/_common.py ``_sorted_keys``)
and gives exactly the keys the set gives: in order, with duplicates, out of order, and with a NUL in a field."""

from __future__ import annotations

import hashlib
import random
from types import SimpleNamespace
from typing import Any, cast

from aima_gate.core.model import Finding, Severity, Status, Subject
from aima_gate.core.report import Report
from aima_gate.reporters._common import _sorted_keys, finding_keys


def _reference(findings: list[Finding]) -> list[str]:
    """The set-based rule of the module docstring, written out."""
    seen: set[str] = set()
    keys = []
    for f in findings:
        key = f.identity
        while key in seen:
            key = hashlib.sha256(f"{key}\0{f.identity}".encode()).hexdigest()
        seen.add(key)
        keys.append(key)
    return keys


def _findings(rng: random.Random, names: list[str]) -> list[Finding]:
    return [
        Finding(rng.choice(["p.a", "p.b"]), "t", Status.FAIL, Severity.LOW,
                Subject(rng.choice(["model", "x"]), rng.choice(names), rng.choice(["a.yml", "b.yml"])), None, (), "")
        for _ in range(rng.randrange(0, 40))
    ]


def _report(findings: list[Finding]) -> Report:
    return cast(Report, SimpleNamespace(findings=tuple(findings)))


def _order(f: Finding) -> tuple[str, str, str, str]:
    return (f.policy_id, f.subject.file, f.subject.kind, f.subject.name)


def test_keys_of_sorted_findings_are_the_set_rules_keys() -> None:
    rng = random.Random(11)
    for _ in range(200):
        findings = sorted(_findings(rng, ["m", "n", "o"]), key=_order)
        assert _sorted_keys(findings) == _reference(findings)
        assert finding_keys(_report(findings)) == _reference(findings)
        assert len(set(_reference(findings))) == len(findings)


def test_unsorted_or_nul_holding_findings_fall_back_to_the_set() -> None:
    rng = random.Random(5)
    unsorted = 0
    for _ in range(200):
        findings: list[Any] = _findings(rng, ["m", "n", "o"])
        if findings != sorted(findings, key=_order):
            unsorted += 1
            assert _sorted_keys(findings) is None
        assert finding_keys(_report(findings)) == _reference(findings)
    assert unsorted
    # "a\0b" in the name and "a" then "b" elsewhere could hash alike: never taken for the adjacent case.
    nul = sorted(_findings(random.Random(1), ["m\0n", "m"]) + _findings(random.Random(2), ["m\0n"]), key=_order)
    assert any("\0" in f.subject.name for f in nul)
    assert _sorted_keys(nul) is None and finding_keys(_report(nul)) == _reference(nul)
