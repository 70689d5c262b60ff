"""Evaluation returns findings in :func:`finding_sort_key` order with ties in the order they were made, exactly as
one stable sort of them all would, though it sorts each policy's findings apart (engine/evaluate.py ``_sorted``)."""

from __future__ import annotations

import random

from aima_gate.core.model import UNUSED_WAIVER, Finding, Severity, Status, Subject, Waiver
from aima_gate.engine.evaluate import finding_sort_key
from aima_gate.engine.ordering import _order, _sorted
from tests.engine.helpers import art, make_policy, run


def _finding(policy_id: str, subject: Subject, n: int) -> Finding:
    return Finding(policy_id, f"t{n}", Status.PASS, Severity.LOW, subject, None, (), "")


def test_sorting_per_policy_is_one_stable_sort_of_them_all() -> None:
    rng = random.Random(7)
    subjects = [Subject(rng.choice("mk"), rng.choice("abc"), rng.choice(["x.yml", "y.yml", "a/z.yml"]))
                for _ in range(12)]
    for _ in range(50):
        made = [_finding(rng.choice(["p.b", "p.a", "p.c", UNUSED_WAIVER]), rng.choice(subjects), n)
                for n in range(rng.randrange(0, 60))]
        by_policy: dict[str, list[Finding]] = {}
        for f in made:
            by_policy.setdefault(f.policy_id, []).append(f)
        got = _sorted(by_policy)
        want = sorted(made, key=finding_sort_key)
        assert [id(f) for f in got] == [id(f) for f in want]


def test_an_order_found_once_per_kind_is_the_stable_sort_of_each_policys_findings() -> None:
    # A policy that made one finding per subject, in the subjects' order, is put in the order _order found for
    # the subjects: the same as sorting its findings, stably, by subject.
    rng = random.Random(11)
    for _ in range(200):
        subjects = [Subject("m", rng.choice("abc"), rng.choice(["x.yml", "y.yml", "a/z.yml"]))
                    for _ in range(rng.randrange(0, 12))]
        if rng.random() < 0.2:
            subjects.sort(key=lambda s: (s.file, s.kind, s.name))
        order = _order(subjects)
        by_policy = {pid: [_finding(pid, s, n) for n, s in enumerate(subjects)] for pid in ("p.b", "p.a")}
        want = sorted([f for fs in by_policy.values() for f in fs], key=finding_sort_key)
        got = _sorted(by_policy, {"p.a": order, "p.b": order})
        assert [id(f) for f in got] == [id(f) for f in want]
        assert (order is None) == (subjects == sorted(subjects, key=lambda s: (s.file, s.kind, s.name)))


def test_evaluation_orders_findings_by_policy_then_subject_ties_as_made() -> None:
    policies = [make_policy({"path": "owner", "exists": True}, id=pid) for pid in ("test.z", "test.a", "test.m")]
    models = [art({"name": n, "version": "1", **({"owner": o} if o else {})}, file=f)
              for n, o, f in (("b", "x", "r2.yml"), ("a", "", "r1.yml"), ("b", "y", "r1.yml"), ("b", "", "r1.yml"))]
    waiver = Waiver(policy_id="test.q", subject="nothing", reason="r", owner="o", expires="2099-01-01",
                    file=".aima-gate.yml", line=3)
    findings = run(policies, models, waivers=[waiver])
    assert [f.policy_id for f in findings] == [UNUSED_WAIVER] + ["test.a"] * 4 + ["test.m"] * 4 + ["test.z"] * 4
    assert findings == sorted(findings, key=finding_sort_key)
    ties = [f for f in findings if f.policy_id == "test.a" and f.subject.name == "b@1" and f.subject.file == "r1.yml"]
    assert [f.status for f in ties] == [Status.PASS, Status.FAIL]  # in the order the models were collected
    assert [f.policy_id for f in findings].count(UNUSED_WAIVER) == 1
