"""Staged evaluation (pipeline/staged.py): the same findings as one evaluation of every policy over every artifact,
with each kind's artifacts let go once no later stage reads them (issue 16: the run's peak of memory)."""

from __future__ import annotations

import gc
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import aima_gate.pipeline.staged as staged
from aima_gate.core.clock import Clock
from aima_gate.core.model import UNUSED_WAIVER, Artifact, Status
from aima_gate.core.report import Report
from aima_gate.pipeline.runner import KEPT_AFTER_EVALUATION, RunOptions, run_check
from tests.conftest import EXAMPLES, TODAY, bench_repo

WAIVERS = """version: 1
waivers:
  - policy: model.threat-model
    subject: model-00001*
    reason: threat modelling of this benchmark model is scheduled
    owner: me
    expires: '2027-01-01'
  - policy: bias_report.fresh
    subject: no-such-report*
    reason: matches nothing, so it is reported unused
    owner: me
    expires: '2027-01-01'
"""


def _bench_repo(root: Path, models: int) -> Path:
    repo = bench_repo(root, models)
    (repo / ".aima-gate.yml").write_text(WAIVERS, encoding="utf-8")
    return repo


def _run(root: Path) -> Report:
    return run_check(RunOptions(root=root, clock=Clock.at(TODAY)))


def _one_stage(policies: Any, join_kinds: Any, counts: Any, keep: Any) -> list[Any]:
    return [tuple(policies)]


@pytest.mark.parametrize("name", ["bench", "credit-scoring", "llm-assistant", "custom-policy-pack"])
def test_the_same_findings_as_one_evaluation(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _bench_repo(tmp_path / "repo", 4) if name == "bench" else EXAMPLES / name
    stages: list[int] = []
    plan = staged.plan_stages

    def counting(*args: Any) -> list[Any]:
        out = plan(*args)
        stages.append(len(out))
        return out

    monkeypatch.setattr(staged, "plan_stages", counting)
    report = _run(root)
    monkeypatch.setattr(staged, "plan_stages", _one_stage)
    single = _run(root)
    assert stages and (stages[0] > 1 or name == "custom-policy-pack")  # its policies read one kind
    assert report.findings == single.findings  # the same findings, evidence included, in the same order
    assert report.exit_code == single.exit_code
    if name == "bench":
        statuses = Counter(f.status for f in report.findings)
        assert statuses[Status.WAIVED] == 1 and statuses[Status.FAIL] and statuses[Status.PASS]
        assert [f.subject.name for f in report.findings if f.policy_id == UNUSED_WAIVER] == [
            "bias_report.fresh:no-such-report*"]


def test_each_kind_is_released_after_its_last_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _bench_repo(tmp_path / "repo", 3)
    real = staged.evaluate
    seen: list[tuple[set[str], Counter[str]]] = []
    gc.collect()
    before = {id(o) for o in gc.get_objects() if type(o) is Artifact}  # kept by earlier tests, if any

    def spy(policies: Any, artifacts: Any, **kwargs: Any) -> Any:
        gc.collect()
        alive = Counter(o.kind for o in gc.get_objects() if type(o) is Artifact and id(o) not in before)
        seen.append(({p.kind for p in policies}, alive))
        return real(policies, artifacts, **kwargs)

    monkeypatch.setattr(staged, "evaluate", spy)
    _run(root)
    kinds = [k for k, _ in seen]
    assert len(seen) > 2
    last_bias = max(i for i, k in enumerate(kinds) if "bias_report" in k)
    assert all(alive["bias_report"] == 3 for _, alive in seen[: last_bias + 1])
    assert all(alive["bias_report"] == 0 for _, alive in seen[last_bias + 1:])
    final = seen[-1][1]
    assert set(final) <= KEPT_AFTER_EVALUATION and final["model"] == 3


def test_every_policy_is_in_exactly_one_stage() -> None:
    from types import SimpleNamespace

    def policy(pid: str, kind: str) -> Any:
        return SimpleNamespace(id=pid, kind=kind)

    policies = [policy("m.a", "model"), policy("m.b", "model"), policy("b.a", "bias"), policy("c.a", "card"),
                policy("m.c", "model"), policy("d.a", "doc")]
    joins = {"m.a": ("bias",), "m.b": ("card", "bias"), "b.a": (), "c.a": (), "m.c": (), "d.a": ()}
    counts = {"model": 10, "bias": 10, "card": 10, "doc": 1}
    stages = staged.plan_stages(policies, joins, counts, frozenset({"model"}))
    assert [[p.id for p in s] for s in stages] == [["d.a"], ["m.b", "c.a"], ["m.a", "b.a"], ["m.c"]]
    # a kind with no artifacts frees nothing: no stage of its own
    stages = staged.plan_stages(policies, joins, {**counts, "doc": 0}, frozenset({"model"}))
    assert [[p.id for p in s] for s in stages] == [["m.b", "c.a"], ["m.a", "b.a"], ["m.c", "d.a"]]
    assert staged.plan_stages(policies, joins, {}, frozenset({"model", "bias", "card", "doc"})) == [tuple(policies)]


def test_a_stage_findings_split_by_policy() -> None:
    from types import SimpleNamespace

    findings: Any = tuple(SimpleNamespace(policy_id=p) for p in ["a", "a", "b", UNUSED_WAIVER, "c", "c"])
    runs = staged._by_policy(findings)
    assert [(pid, [id(f) for f in fs]) for pid, fs in runs] == [
        ("a", [id(findings[0]), id(findings[1])]), ("b", [id(findings[2])]),
        ("c", [id(findings[4]), id(findings[5])])]  # the unused waiver is made once, at the end
    whole: Any = findings[:2]
    assert staged._by_policy(whole) == [("a", whole)] and staged._by_policy(()) == []
