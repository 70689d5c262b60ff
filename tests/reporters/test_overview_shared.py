"""The overview (reporters/_overview.py) asks each finding only what it must: a "(no KIND found)" name is made
only for a name that may be one, a Subject object shared by many findings is added to the inventory once, and a
failure's next step is worked out once per AimaRef. Each gives what the plain per-finding code gave."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

from aima_gate.aima.catalog import load_catalog
from aima_gate.core.model import AimaRef, Finding, Severity, Status, Subject
from aima_gate.core.report import Report
from aima_gate.reporters import _overview
from aima_gate.reporters._common import GATE_RULES
from aima_gate.reporters._overview import _missing_kind, _steps, inventory_lines

STATUSES = [Status.PASS, Status.FAIL, Status.ERROR, Status.WAIVED, Status.NOT_APPLICABLE]
AIMAS = [AimaRef("governance", "policy-and-compliance", "B", 1), AimaRef("governance", "policy-and-compliance", "B", 1),
         AimaRef("governance", "no-such-practice", "A", 2), AimaRef("elsewhere", "x", "A", 3), None]


def _reference_missing_kind(f: Finding) -> str | None:
    return f.subject.kind if f.subject.name == f"(no {f.subject.kind} found)" else None


def _findings(rng: random.Random) -> list[Finding]:
    subjects = [Subject(rng.choice(["model", "model_card", "x"]), rng.choice(["m", "n", "(no model found)",
                                                                             "(no x found)", "(no  found)"]),
                        rng.choice(["a.yml", "models:/m", "b.yml"])) for _ in range(rng.randrange(1, 8))]
    out = []
    for _ in range(rng.randrange(0, 60)):
        subject = rng.choice(subjects)
        if rng.random() < 0.3:  # an equal subject in another object
            subject = Subject(subject.kind, subject.name, subject.file)
        out.append(Finding(rng.choice(["p.a", "p.b", "aima-gate.config"]), rng.choice(["t", "u"]),
                           rng.choice(STATUSES), rng.choice(list(Severity)), subject, rng.choice(AIMAS), (), "fix"))
    return out


def _report(findings: list[Finding]) -> Report:
    return Report("0", "", Severity.HIGH, tuple(findings), policies=(SimpleNamespace(kind="model"),), target_level=2)


def test_missing_kind_is_the_name_test() -> None:
    for kind in ("model", "x", "", "a b"):
        for name in ("(no model found)", "(no x found)", "(no  found)", "(no a b found)", "(no model found", "m",
                     "", "(no "):
            f = Finding("p", "t", Status.FAIL, Severity.LOW, Subject(kind, name, "f"), None, (), "")
            assert _missing_kind(f) == _reference_missing_kind(f)


def test_inventory_is_the_one_every_finding_adds_to() -> None:
    rng = random.Random(3)
    for _ in range(300):
        report = _report(_findings(rng))
        assert inventory_lines(report, verbose=True) == _reference_inventory(report)


def _reference_inventory(report: Report) -> list[str]:
    """The same report with every finding's subject in its own object: nothing is shared, so nothing is skipped
    and every finding adds its subject, as before."""
    fresh = [Finding(f.policy_id, f.title, f.status, f.severity, Subject(f.subject.kind, f.subject.name,
                                                                         f.subject.file), f.aima, (), "")
             for f in report.findings]
    return inventory_lines(_report(fresh), verbose=True)


def test_steps_are_those_worked_out_for_each_failure() -> None:
    rng = random.Random(5)
    for _ in range(300):
        report = _report(_findings(rng))
        got = [(s.title, s.level, s.findings) for s in _steps(report)]
        assert got == _reference_steps(report)


def _reference_steps(report: Report) -> list[tuple[str, int, list[Finding]]]:
    catalog = load_catalog()
    practices = {(p.domain, p.slug): (d.name, p.name) for d in catalog.domains for p in d.practices}
    steps: dict[str, Any] = {}
    for f in report.findings:
        if f.status not in (Status.FAIL, Status.ERROR):
            continue
        if _reference_missing_kind(f) is not None:
            key, title, level = "gate:missing", "Evidence not found", 0
        elif f.aima is None:
            title = GATE_RULES.get(f.policy_id, (f.title,))[0]
            key, level = f"gate:{f.policy_id}", 0
        else:
            domain, practice = practices.get((f.aima.domain, f.aima.practice), (f.aima.domain, f.aima.practice))
            key, title, level = f"{f.aima.domain}/{f.aima.practice}", f"{domain} / {practice}", f.aima.level
        step = steps.setdefault(key, _overview._Step(title, level))
        step.level = min(step.level, level) if step.findings else level
        step.findings.append(f)
    return [(s.title, s.level, s.findings) for s in sorted(steps.values(), key=lambda s: s.weight(report))]
