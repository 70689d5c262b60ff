"""Evaluation on two cores (pipeline/split_evaluation.py, staged.py): the same findings, in the same order, as one
process; the same error first when a policy raises; the findings' round trip through ``marshal`` exact; one
process whenever the child cannot be trusted or is not worth it (issue 16)."""

from __future__ import annotations

import math
import os
import struct
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aima_gate.pipeline.split_evaluation as split
import aima_gate.pipeline.staged as staged
from aima_gate.core.clock import Clock
from aima_gate.core.model import AimaRef, Evidence, Finding, Severity, Status, Subject
from aima_gate.core.parallel import can_fork
from aima_gate.core.report import Report
from aima_gate.engine.evaluate import finding_maker
from aima_gate.engine.policy import Policy
from aima_gate.pipeline.runner import RunOptions, run_check
from tests.conftest import EXAMPLES, TODAY, bench_repo
from tests.pipeline.test_staged import WAIVERS

REALWORLD = Path(__file__).resolve().parents[1] / "realworld" / "repos"
PARENT = os.getpid()
needs_fork = pytest.mark.skipif(not can_fork(), reason="needs fork (Linux)")


def _run(root: Path, cache: Path | None = None) -> Report:
    return run_check(RunOptions(root=root, clock=Clock.at(TODAY), cache_dir=cache))


def _repo(name: str, tmp_path: Path) -> Path:
    if name == "bench":
        repo = bench_repo(tmp_path / "repo", 6)
        (repo / ".aima-gate.yml").write_text(WAIVERS, encoding="utf-8")
        return repo
    return EXAMPLES / name if (EXAMPLES / name).is_dir() else REALWORLD / name / "repo"


@pytest.fixture(params=["early", "late"])
def forced(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Split whatever there is (no minimum), on two jobs, the child forked before the first stage or before the
    last; the sizes of what the child sent back, as read."""
    monkeypatch.setenv("AIMA_GATE_JOBS", "2")
    monkeypatch.setattr(split, "SPLIT_MIN_SUBJECTS", 0)
    monkeypatch.setattr(split, "EARLY_FORK_MAX_ARTIFACTS", 10**9 if request.param == "early" else -1)
    sizes: list[int] = []
    real = split.decode

    def spy(chunks: Any, policies: Any) -> Any:
        data = b"".join(chunks)
        sizes.append(len(data))
        return real([data], policies)

    monkeypatch.setattr(staged, "decode", spy)
    return sizes


@needs_fork
@pytest.mark.parametrize("share", [0.3, 1.0])  # of the last stage, or of every stage when forked early
@pytest.mark.parametrize("name", ["bench", "credit-scoring", "llm-assistant", "breast-cancer-pkl",
                                  "readmission-fairness-evidently", "toxic-moderation-aibom"])
def test_the_same_findings_as_one_process(name: str, share: float, tmp_path: Path, forced: list[int],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(name, tmp_path)
    monkeypatch.setattr(split, "CHILD_SHARE", share)
    monkeypatch.setattr(split, "EARLY_CHILD_SHARE", share)
    two = _run(root)
    cold, warm = _run(root, tmp_path / "cache"), _run(root, tmp_path / "cache")  # artifacts decoded per stage
    assert len(forced) == 3, "the child was not used"
    monkeypatch.setenv("AIMA_GATE_JOBS", "1")
    one = _run(root)
    assert len(forced) == 3  # one job: no child
    for report in (two, cold, warm):
        assert report.findings == one.findings  # evidence, waivers and order included
        assert [type(e.actual) for f in report.findings for e in f.evidence] == [
            type(e.actual) for f in one.findings for e in f.evidence]
        assert report.exit_code == one.exit_code


def _raising(monkeypatch: pytest.MonkeyPatch, ids: set[str]) -> None:
    real = staged.evaluate

    def evaluate(policies: Any, artifacts: Any, **options: Any) -> Any:
        for p in policies:
            if p.id in ids:
                raise RuntimeError(f"{p.id} raised in {'the parent' if os.getpid() == PARENT else 'a child'}")
        return real(policies, artifacts, **options)

    monkeypatch.setattr(staged, "evaluate", evaluate)


def _last_stage_ids(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    """(the ids the child evaluates, the ids this process evaluates) in a run of ``root``."""
    seen: list[tuple[str, ...]] = []
    real = split.child_policies

    def spy(*args: Any, **kwargs: Any) -> Any:
        out = real(*args, **kwargs)
        seen.append(tuple(p.id for p in out))
        return out

    monkeypatch.setattr(staged, "child_policies", spy)
    report = _run(root)
    monkeypatch.setattr(staged, "child_policies", real)
    theirs = list(seen[0])
    return theirs, sorted({p.id for p in report.policies} - set(theirs))


@needs_fork
def test_the_error_one_process_raises_first(tmp_path: Path, forced: list[int],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo("bench", tmp_path)
    monkeypatch.setattr(split, "CHILD_SHARE", 0.3)
    monkeypatch.setattr(split, "EARLY_CHILD_SHARE", 0.2)
    theirs, mine = _last_stage_ids(root, monkeypatch)
    assert theirs and mine
    # Only a child's policy raises: the child does not finish, and this process raises it (the fallback).
    _raising(monkeypatch, {theirs[0]})
    with pytest.raises(RuntimeError, match=f"^{theirs[0]} raised in the parent$"):
        _run(root)
    # One of each: this process's policy comes first in one process's order, so its error is the one raised.
    _raising(monkeypatch, {theirs[0], mine[0]})
    with pytest.raises(RuntimeError, match=f"^{mine[0]} raised in the parent$"):
        _run(root)


@needs_fork
@pytest.mark.parametrize("how", ["raise", "kill", "exit0"])
def test_a_child_that_does_not_finish_changes_nothing(how: str, tmp_path: Path, forced: list[int],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo("bench", tmp_path)
    monkeypatch.setenv("AIMA_GATE_JOBS", "1")
    one = _run(root)
    monkeypatch.setenv("AIMA_GATE_JOBS", "2")
    real = split.encode

    def encode(*args: Any) -> Any:
        if os.getpid() != PARENT:
            if how == "raise":
                raise ValueError("unmarshallable object")
            if how == "kill":
                os.kill(os.getpid(), 9)
            os._exit(0)
        return real(*args)

    monkeypatch.setattr(staged, "encode", encode)
    started: list[int] = []
    real_aside = staged._evaluate_aside

    def spy(*args: Any, **kwargs: Any) -> Any:
        started.append(1)
        return real_aside(*args, **kwargs)

    monkeypatch.setattr(staged, "_evaluate_aside", spy)
    two = _run(root)
    assert started == [1] and forced == []  # a child was started; its share evaluated here, nothing decoded
    assert two.findings == one.findings and two.exit_code == one.exit_code


@needs_fork
def test_a_child_forked_late_holds_no_released_kind(tmp_path: Path, forced: list[int],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Forked before the last stage, the child's memory holds none of the documents the earlier stages released
    (its resident memory counts every page it shares with this process); forked early, it holds them all."""
    root = _repo("bench", tmp_path)
    seen = tmp_path / "seen"
    real = staged.evaluate

    def evaluate(policies: Any, artifacts: Any, **options: Any) -> Any:
        if os.getpid() != PARENT:  # the child: which kinds are alive in its memory now
            import gc

            from aima_gate.core.model import Artifact

            kinds = sorted({o.kind for o in gc.get_objects() if type(o) is Artifact})
            seen.write_text(" ".join(kinds), encoding="utf-8")
        return real(policies, artifacts, **options)

    monkeypatch.setattr(staged, "evaluate", evaluate)
    _run(root)
    assert forced
    alive = set(seen.read_text(encoding="utf-8").split())
    assert "model" in alive
    early = split.EARLY_FORK_MAX_ARTIFACTS > 0
    assert ("bias_report" in alive and "model_card" in alive) is early
    assert ("bias_report" in alive or "model_card" in alive) is early


def test_the_fork_point_follows_the_number_of_artifacts() -> None:
    assert split.fork_early(split.EARLY_FORK_MAX_ARTIFACTS)
    assert not split.fork_early(split.EARLY_FORK_MAX_ARTIFACTS + 1)
    assert split.EARLY_FORK_MAX_ARTIFACTS < 50_000  # the memory bound's size (issue 16) forks late


@needs_fork
def test_a_value_the_child_cannot_send_is_evaluated_here(tmp_path: Path, forced: list[int],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A finding whose evidence holds a value ``marshal`` cannot write (here an enum) stops the child's encoding;
    this process then evaluates those policies itself, without encoding them: the run's findings are one
    process's, never an error."""
    from dataclasses import replace

    real = staged.evaluate

    def evaluate(policies: Any, artifacts: Any, **options: Any) -> Any:
        result = real(policies, artifacts, **options)
        odd = tuple(replace(f, evidence=(replace(f.evidence[0], actual=Status.FAIL),)) if f.evidence else f
                    for f in result.findings)
        return replace(result, findings=odd)

    monkeypatch.setattr(staged, "evaluate", evaluate)
    root = _repo("bench", tmp_path)
    monkeypatch.setenv("AIMA_GATE_JOBS", "1")
    one = _run(root)
    monkeypatch.setenv("AIMA_GATE_JOBS", "2")
    two = _run(root)
    assert forced == []  # nothing decoded: the child did not finish
    assert any(e.actual is Status.FAIL for f in two.findings for e in f.evidence)
    assert two.findings == one.findings and two.exit_code == one.exit_code


def test_nothing_is_split_on_one_job(tmp_path: Path, forced: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMA_GATE_JOBS", "1")
    _run(_repo("bench", tmp_path))
    assert forced == []


# ------------------------------------------------------------------------------------------ choosing the share
def _policy(pid: str, kind: str) -> Policy:
    return cast(Policy, SimpleNamespace(id=pid, kind=kind))


def _stages(*stages: list[tuple[str, str]]) -> tuple[list[tuple[Policy, ...]], list[set[str]]]:
    made = [tuple(_policy(pid, kind) for pid, kind in stage) for stage in stages]
    return made, [{p.kind for p in stage} for stage in made]


def test_the_child_takes_a_suffix_of_the_last_stage_within_its_share(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(split, "SPLIT_MIN_SUBJECTS", 0)
    monkeypatch.setattr(split, "CHILD_SHARE", 0.5)
    stages, reads = _stages([("a", "card")], [("b", "model"), ("c", "model"), ("d", "model"), ("e", "model")])
    counts = {"card": 100, "model": 100}  # 400 subjects in the last stage: at most 200 for the child
    assert [p.id for p in split.child_policies(stages, reads, counts, frozenset({"model"}))] == ["d", "e"]
    monkeypatch.setattr(split, "CHILD_SHARE", 1.0)
    assert [p.id for p in split.child_policies(stages, reads, counts, frozenset({"model"}))] == ["b", "c", "d", "e"]
    # Forked early, the share is of every stage's subjects (500), and still of the last stage's policies only.
    monkeypatch.setattr(split, "EARLY_CHILD_SHARE", 0.6)
    assert [p.id for p in split.child_policies(stages, reads, counts, frozenset({"model"}), early=True)] == [
        "c", "d", "e"]
    monkeypatch.setattr(split, "EARLY_CHILD_SHARE", 1.0)
    assert [p.id for p in split.child_policies(stages, reads, counts, frozenset({"model"}), early=True)] == [
        "b", "c", "d", "e"]


def test_no_split_when_it_could_change_or_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    keep = frozenset({"model"})
    stages, reads = _stages([("a", "card")], [("b", "model"), ("c", "model"), ("d", "model")])
    counts = {"card": 30_000, "model": 30_000}
    assert split.child_policies(stages, reads, counts, keep)  # the default minimum is met
    assert split.child_policies(stages, reads, {"card": 3, "model": 3}, keep) == ()  # not worth a fork
    # The last stage reads a kind that is released (not kept, has artifacts): its artifacts could be gone.
    stages2, reads2 = _stages([("b", "model"), ("c", "card")])
    assert split.child_policies(stages2, reads2, counts, keep) == ()
    # A kind with no artifacts is never released: it does not stop the split.
    stages3, reads3 = _stages([("a", "card")], [("b", "model"), ("c", "model"), ("d", "sbom")])
    assert split.child_policies(stages3, reads3, counts, keep)
    # Two policies with one id: findings are put in order by id, so the split could reorder them.
    stages4, reads4 = _stages([("a", "card")], [("b", "model"), ("c", "model"), ("b", "model")])
    assert split.child_policies(stages4, reads4, counts, keep) == ()
    assert split.child_policies([], [], counts, keep) == ()


# ---------------------------------------------------------------------------------------------- the round trip
_KEYS = st.text(max_size=5)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=8)
_EVIDENCE = st.builds(Evidence, st.text(max_size=6), st.integers(0, 10**6), st.text(max_size=6), _JSON,
                      st.text(max_size=6), st.text(max_size=6))
_POLICIES = [cast(Policy, SimpleNamespace(id=f"p.{n}", title=f"Title {n}", severity=Severity.HIGH,
                                          aima=AimaRef("Design", "Threat Assessment", "A", 1) if n else None,
                                          remediation=f"fix {n}", mappings={"nist": ("GOVERN 1.1",)}))
             for n in range(3)]
_make = finding_maker()


@st.composite
def _groups(draw: st.DrawFn) -> list[tuple[str, list[Finding]]]:
    subjects = draw(st.lists(st.builds(Subject, st.sampled_from(["model", "model_card"]), st.text(max_size=4),
                                       st.text(max_size=4)), min_size=1, max_size=4))
    out = []
    for policy in draw(st.permutations(_POLICIES)):
        findings = []
        for _ in range(draw(st.integers(0, 4))):
            subject = draw(st.sampled_from(subjects))  # shared objects, as the engine shares them
            status = draw(st.sampled_from(list(Status)))
            evidence = tuple(draw(st.lists(_EVIDENCE, max_size=3)))
            if draw(st.booleans()):  # the engine's: the policy's own fields
                f = _make(policy.id, policy.title, status, policy.severity, subject, policy.aima, evidence,
                          policy.remediation, policy.mappings)
            else:  # anything else, written out
                f = Finding(policy.id, draw(st.text(max_size=5)), status, draw(st.sampled_from(list(Severity))),
                            subject, draw(st.none() | st.builds(AimaRef, st.text(max_size=3), st.text(max_size=3),
                                                                st.sampled_from("AB"), st.integers(1, 3))),
                            evidence, draw(st.text(max_size=5)), {"iso": ("6.1",)})
            if draw(st.booleans()):
                f = Finding(**{**{k: getattr(f, k) for k in f.__dataclass_fields__},
                               "waiver": {"reason": "r", "owner": "o", "expires": "2027-01-01", "file": "c",
                                          "line": "3"}})
            findings.append(f)
        if findings:
            out.append((policy.id, findings))
    return out


def _exact(value: Any) -> Any:
    """A value with its types and float bits spelled out: == says 0.0 == -0.0, 1 == True and nan != nan."""
    if isinstance(value, float):
        return ("float", struct.pack("<d", value)) if not math.isnan(value) else ("nan",)
    if isinstance(value, dict):
        return ("dict", [(k, _exact(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [_exact(v) for v in value])
    return (type(value).__name__, value)


def _spelled(f: Finding) -> Any:
    return (f.policy_id, f.title, f.status, f.severity, f.subject, f.aima, f.remediation, f.mappings, f.waiver,
            [(e.file, e.line, e.pointer, _exact(e.actual), e.expected, e.message) for e in f.evidence])


@settings(max_examples=200, deadline=None)
@given(_groups(), st.sets(st.integers(0, 5)))
def test_findings_come_back_exactly(groups: list[tuple[str, list[Finding]]], used: set[int]) -> None:
    back, used_back = split.decode(split.encode(groups, _POLICIES, used), _POLICIES)  # frame by frame
    assert used_back == used
    assert [pid for pid, _ in back] == [pid for pid, _ in groups]
    for (_, made), (_, got) in zip(groups, back, strict=True):
        assert [type(f) for f in got] == [Finding] * len(made)
        assert [_spelled(f) for f in got] == [_spelled(f) for f in made]  # (== would call a nan unequal)


@pytest.mark.parametrize("actual", [Status.PASS, type("D", (dict,), {})(), type("I", (int,), {})(3), object(),
                                    [1, {"a": type("S", (str,), {})("s")}]])
def test_a_value_it_cannot_write_exactly_is_an_error(actual: Any) -> None:
    policy = _POLICIES[0]
    f = _make(policy.id, policy.title, Status.FAIL, policy.severity, Subject("model", "m", "r.yml"), None,
              (Evidence("r.yml", 1, "/x", actual, "e", "m"),), policy.remediation, policy.mappings)
    with pytest.raises(ValueError):
        b"".join(split.encode([(policy.id, [f])], _POLICIES, ()))


@settings(max_examples=100, deadline=None)
@given(_groups(), st.lists(st.integers(1, 200), max_size=30))
def test_frames_are_read_from_pieces_of_any_size(groups: list[tuple[str, list[Finding]]], cuts: list[int]) -> None:
    data = b"".join(split.encode(groups, _POLICIES, {1}))
    pieces, at = [], 0
    for size in cuts:
        pieces.append(data[at:at + size])
        at += size
    pieces.append(data[at:])
    back, used = split.decode(pieces, _POLICIES)
    assert used == {1} and [[_spelled(f) for f in fs] for _, fs in back] == [[_spelled(f) for f in fs]
                                                                               for _, fs in groups]


def test_bytes_that_end_early_are_an_error() -> None:
    policy = _POLICIES[0]
    f = _make(policy.id, policy.title, Status.PASS, policy.severity, Subject("model", "m", "r.yml"), None, (),
              policy.remediation, policy.mappings)
    frames = list(split.encode([(policy.id, [f])], _POLICIES, ()))
    assert len(frames) == 2
    with pytest.raises(ValueError, match="before their last frame"):
        split.decode(frames[:1], _POLICIES)
    with pytest.raises(ValueError, match="inside a frame"):
        split.decode([frames[0][:-1]], _POLICIES)
    with pytest.raises(ValueError, match="order"):
        split.decode([frames[1], frames[0]], _POLICIES)
