"""``finding_keys`` on findings in report order needs no set of every key (reporters/_common.py ``_sorted_keys``)
and gives exactly the keys the set gives: in order, with duplicates, out of order, and with a NUL in a field."""

from __future__ import annotations

import random
from typing import Any

from aima_gate.reporters._common import _sorted_keys, finding_keys
from tests.reporters.random_findings import random_findings, reference_keys, report_of, report_order


def test_keys_of_sorted_findings_are_the_set_rules_keys() -> None:
    rng = random.Random(11)
    for _ in range(200):
        findings = sorted(random_findings(rng, ["m", "n", "o"]), key=report_order)
        assert _sorted_keys(findings) == reference_keys(findings)
        assert finding_keys(report_of(findings)) == reference_keys(findings)
        assert len(set(reference_keys(findings))) == len(findings)


def test_unsorted_or_nul_holding_findings_fall_back_to_the_set() -> None:
    rng = random.Random(5)
    unsorted = 0
    for _ in range(200):
        findings: list[Any] = random_findings(rng, ["m", "n", "o"])
        if findings != sorted(findings, key=report_order):
            unsorted += 1
            assert _sorted_keys(findings) is None
        assert finding_keys(report_of(findings)) == reference_keys(findings)
    assert unsorted
    # "a\0b" in the name and "a" then "b" elsewhere could hash alike: never taken for the adjacent case.
    nul = sorted(random_findings(random.Random(1), ["m\0n", "m"]) + random_findings(random.Random(2), ["m\0n"]),
                 key=report_order)
    assert any("\0" in f.subject.name for f in nul)
    assert _sorted_keys(nul) is None and finding_keys(report_of(nul)) == reference_keys(nul)
