"""A full run's evaluation in stages, so that each kind's artifacts are let go as soon as no policy left reads them.

The engine reads artifacts only through its index, by kind: a policy reads its subjects' kind and the kinds its
joins name (``LoadedPolicies.join_kinds``), nothing else. So the policies can be evaluated in groups, each group
against the artifacts of the kinds it reads, and a kind no later group reads can be released before the next
group runs: on a large repository the documents of the fairness reports, model cards and explainability reports
(most of the artifacts' memory) are freed while the findings of the policies that never read them are built,
instead of both being held at once (the run's peak of memory).

The result is exactly :func:`aima_gate.engine.evaluate.evaluate` over every policy and artifact at once: each
policy is evaluated once, against every artifact of every kind it can read, and findings come back in the
engine's order (by policy id, each policy's findings as the engine ordered them). Waivers are matched per policy,
so a waiver is unused only if no stage used it; its finding is made once, at the end, as the engine makes it.

On a large run the last stage is split: a forked child evaluates its last policies while this process evaluates
the others, and their findings come back as plain values (split_evaluation.py). Up to
``EARLY_FORK_MAX_ARTIFACTS`` artifacts the child is forked before the first stage and works alongside all of
them; above it, only after the earlier stages, once the kinds they read are released, so that the child does not
hold those documents as well.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import chain
from typing import Any

from aima_gate.core.aside import Aside, aside, can_aside
from aima_gate.core.model import UNUSED_WAIVER, Artifact, Finding, Waiver
from aima_gate.core.parallel import no_gc
from aima_gate.engine.evaluate import Evaluation, evaluate, unused_waiver_finding
from aima_gate.engine.policy import Policy
from aima_gate.pipeline.split_evaluation import child_policies, decode, encode, fork_early


def plan_stages(policies: Sequence[Policy], join_kinds: Mapping[str, Sequence[str]], counts: Mapping[str, int],
                keep: frozenset[str]) -> list[tuple[Policy, ...]]:
    """Groups of ``policies``, in evaluation order. Each group is every remaining policy reading one kind (not in
    ``keep``, and with artifacts: a kind with none frees nothing), chosen so that kind can be released after it:
    the kind whose readers make the fewest findings (``counts``: artifacts per kind) first, ties by name. The
    other policies come last, together. Deterministic; every policy is in exactly one group."""
    reads = {p.id: {p.kind, *join_kinds.get(p.id, ())} for p in policies}
    remaining = list(policies)
    stages: list[tuple[Policy, ...]] = []
    while remaining:
        releasable = sorted(k for k in {k for p in remaining for k in reads[p.id]} - keep if counts.get(k))
        if not releasable:
            break
        cost = {k: sum(counts.get(p.kind, 0) for p in remaining if k in reads[p.id]) for k in releasable}
        kind = min(releasable, key=lambda k: (cost[k], k))
        stages.append(tuple(p for p in remaining if kind in reads[p.id]))
        remaining = [p for p in remaining if kind not in reads[p.id]]
    if remaining:
        stages.append(tuple(remaining))
    return stages


def evaluate_staged(policies: Sequence[Policy], artifacts: list[Artifact], join_kinds: Mapping[str, Sequence[str]],
                    *, keep: frozenset[str], params: Mapping[str, Mapping[str, Any]], waivers: Sequence[Waiver],
                    today: _dt.date, anchor_file: str, unreadable: Mapping[str, str], pass_evidence: bool = True,
                    na_evidence: bool = True, materialize: Callable[[Artifact], Artifact] | None = None) -> Evaluation:
    """:func:`evaluate` of every policy over ``artifacts``, in stages (see the module doc).

    ``artifacts`` is narrowed in place as stages finish: when this returns it holds only the artifacts of the
    kinds in ``keep`` (what the caller still reads after evaluation), in their order. The caller must hold no
    other reference to the rest if their memory is to be reused. A policy missing from ``join_kinds`` (whose reads
    are then unknown) makes it one stage over every artifact, as :func:`evaluate` alone.

    ``materialize`` (the runner's, when artifacts may arrive in a compact form: data and lines still encoded) is
    applied to each artifact of the kinds a stage reads just before that stage, in place: a kind read only by a
    late stage stays compact until then, so the decoded documents of every kind are never alive at once."""
    if any(p.id not in join_kinds for p in policies):
        if materialize is not None:
            artifacts[:] = [materialize(a) for a in artifacts]
        result = evaluate(policies, artifacts, params=params, waivers=waivers, today=today, anchor_file=anchor_file,
                          unreadable=unreadable, pass_evidence=pass_evidence, na_evidence=na_evidence)
        artifacts[:] = [a for a in artifacts if a.kind in keep]
        return result
    counts = Counter(a.kind for a in artifacts)  # no loop variable left holding an artifact
    stages = plan_stages(policies, join_kinds, counts, keep)
    reads = [_reads(stage, join_kinds) for stage in stages]
    groups: list[tuple[str, Sequence[Finding]]] = []  # (policy id, its findings), as the stages made them
    used: set[int] = set()
    early = fork_early(len(artifacts))
    theirs = child_policies(stages, reads, counts, keep, early=early)
    if theirs and not can_aside():
        theirs = ()
    options: dict[str, Any] = {"params": params, "waivers": waivers, "today": today, "anchor_file": anchor_file,
                               "unreadable": unreadable, "pass_evidence": pass_evidence, "na_evidence": na_evidence}
    if not theirs:
        _run_stages(stages, reads, artifacts, keep, groups, used, materialize=materialize, **options)
    else:  # the last stage's last policies on the second core (split_evaluation.py), the others here
        away = _evaluate_aside(theirs, artifacts, join_kinds, materialize=materialize, **options) if early else None
        try:
            _run_stages(stages[:-1], reads, artifacts, keep, groups, used, materialize=materialize, **options)
            if away is None:  # forked only now: the kinds the earlier stages read are gone (fork_early)
                away = _evaluate_aside(theirs, artifacts, join_kinds, materialize=materialize, **options)
            mine = stages[-1][:len(stages[-1]) - len(theirs)]
            if mine:
                _run_stages([mine], [_reads(mine, join_kinds)], artifacts, keep, groups, used,
                            materialize=materialize, **options)
            if away.whole():
                with no_gc():  # tens of thousands of findings made again, no garbage cycles (as evaluate())
                    their_groups, their_used = decode(away.pieces(), theirs)
            else:  # evaluated here (never encoded: a value the child could not encode is no error here)
                result = evaluate(theirs, _readers(theirs, artifacts, join_kinds, materialize), **options)
                their_groups, their_used = _by_policy(result.findings), set(result.used_waivers)
                del result
            groups += their_groups
            used |= their_used
        finally:
            if away is not None:
                away.cancel()
    unused = [unused_waiver_finding(w) for i, w in enumerate(waivers) if i not in used]
    unused.sort(key=lambda f: (f.subject.file, f.subject.kind, f.subject.name))  # as the engine orders them
    if unused:
        groups.append((UNUSED_WAIVER, unused))
    # Policy ids in order, each policy's findings in the engine's order (a policy is in one stage only): what a
    # stable sort of them all by policy id gives, without a list of every finding and a sort key for each beside
    # the stages' own tuples at the run's peak of memory.
    groups.sort(key=lambda g: g[0])
    return Evaluation(tuple(chain.from_iterable(g[1] for g in groups)), frozenset(used))


def _evaluate_aside(theirs: tuple[Policy, ...], artifacts: list[Artifact], join_kinds: Mapping[str, Sequence[str]],
                    *, materialize: Callable[[Artifact], Artifact] | None, **options: Any) -> Aside:
    """The child's evaluation of ``theirs``, encoded (split_evaluation.py), started now. When the child's bytes are
    not whole, the caller evaluates ``theirs`` itself: their kinds are never released from ``artifacts``
    (child_policies), so they are all still there then."""

    def produce() -> Iterator[bytes]:
        result = evaluate(theirs, _readers(theirs, artifacts, join_kinds, materialize), **options)
        yield from encode(_by_policy(result.findings), theirs, result.used_waivers)

    return aside(produce)


def _readers(theirs: Sequence[Policy], artifacts: list[Artifact], join_kinds: Mapping[str, Sequence[str]],
             materialize: Callable[[Artifact], Artifact] | None) -> list[Artifact]:
    """The artifacts of the kinds ``theirs`` read, decoded."""
    wanted = _reads(theirs, join_kinds)
    mine = [a for a in artifacts if a.kind in wanted]
    return [materialize(a) for a in mine] if materialize is not None else mine


def _reads(policies: Sequence[Policy], join_kinds: Mapping[str, Sequence[str]]) -> set[str]:
    """The kinds ``policies`` read: each one's subjects' kind and the kinds its joins name."""
    return {k for p in policies for k in (p.kind, *join_kinds.get(p.id, ()))}


def _run_stages(stages: Sequence[tuple[Policy, ...]], reads: Sequence[set[str]], artifacts: list[Artifact],
                keep: frozenset[str], groups: list[tuple[str, Sequence[Finding]]], used: set[int], *,
                materialize: Callable[[Artifact], Artifact] | None,
                **options: Any) -> None:
    for n, stage in enumerate(stages):
        wanted = reads[n]
        if materialize is not None:  # this stage's kinds decoded now (each once: a decoded artifact is returned as is)
            artifacts[:] = [materialize(a) if a.kind in wanted else a for a in artifacts]
        result = evaluate(stage, [a for a in artifacts if a.kind in wanted], **options)
        groups += _by_policy(result.findings)
        used |= result.used_waivers
        del result
        later = keep.union(*reads[n + 1:])
        if any(a.kind not in later for a in artifacts):
            artifacts[:] = [a for a in artifacts if a.kind in later]


def _by_policy(findings: tuple[Finding, ...]) -> list[tuple[str, Sequence[Finding]]]:
    """The runs of one policy id in ``findings`` (the engine returns each policy's findings together), unused
    waivers left out (made once, at the end). A run is ``findings`` itself when it is the whole tuple."""
    out: list[tuple[str, Sequence[Finding]]] = []
    start = 0
    ids = [f.policy_id for f in findings]
    while start < len(ids):
        policy_id = ids[start]
        end = start + 1
        while end < len(ids) and ids[end] == policy_id:
            end += 1
        if policy_id != UNUSED_WAIVER:
            out.append((policy_id, findings if start == 0 and end == len(ids) else findings[start:end]))
        start = end
    return out


__all__ = ["evaluate", "evaluate_staged", "plan_stages"]
