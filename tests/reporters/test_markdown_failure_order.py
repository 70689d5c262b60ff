"""The Markdown summary orders failures by AIMA domain, then severity_sort_key; the key is worked out once per
(aima, severity) pair (reporters/markdown.py _failure_order), and sorts exactly as the per-finding key did."""

from __future__ import annotations

import random

from aima_gate.aima.catalog import load_catalog
from aima_gate.core.model import AimaRef, Finding, Severity, Status, Subject
from aima_gate.core.report import Report
from aima_gate.reporters._common import severity_sort_key
from aima_gate.reporters.markdown import _failure_order

AIMAS = [AimaRef("governance", "policy-and-compliance", "B", 1), AimaRef("governance", "policy-and-compliance", "B", 1),
         AimaRef("operations", "x", "A", 3), AimaRef("nowhere", "x", "A", 2), None]


def test_failures_sort_as_with_the_per_finding_key() -> None:
    rng = random.Random(11)
    order = {d.slug: i for i, d in enumerate(load_catalog().domains)}
    for _ in range(300):
        findings = tuple(
            Finding(f"p.{rng.randrange(4)}", "t", Status.FAIL, rng.choice(list(Severity)),
                    Subject("model", f"m{rng.randrange(5)}", "r.yml"), rng.choice(AIMAS), (), "")
            for _ in range(rng.randrange(0, 50)))
        report = Report("0", "", rng.choice(list(Severity)), findings, target_level=rng.choice([None, 1, 2]))
        pairs = [(f, str(i)) for i, f in enumerate(findings)]
        reference = sorted(pairs, key=lambda fk: (order.get(fk[0].aima.domain if fk[0].aima else "", -1),
                                                  severity_sort_key(report, fk[0])))
        assert sorted(pairs, key=_failure_order(report, order)) == reference
