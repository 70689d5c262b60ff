"""A full run's evaluation on two cores: a forked child evaluates the last policies while this process evaluates
the others (:func:`aima_gate.pipeline.staged.evaluate_staged` uses it).

Evaluation was one thread and most of a warm run's time (at 5,000 models, 1.7 s of 3.1 s) while the second core
idled. Each policy's findings depend only on that policy and the artifacts of the kinds it reads (staged.py's
premise), so a share of the policies can be evaluated elsewhere on the same artifacts. The child is forked
(core/aside.py), before the first stage on a run of up to :data:`EARLY_FORK_MAX_ARTIFACTS` artifacts and before
the last one above that (:func:`fork_early`): it sees the run's data copy-on-write, never pickled, and sends back
its findings as ``marshal`` frames of plain values (:func:`encode`), which this process turns back into the same
findings one frame at a time (:func:`decode`).

Exactness:

* The child's policies are a *suffix* of the last stage, and that stage reads only kinds this process keeps to
  the end (``keep``) or kinds with no artifacts: the artifacts they need are never released, and if this process
  raises first, it raises what one process would have raised first (its policies come earlier in that order).
* Whenever the child's bytes are not known to be whole (no fork, a failure, a value ``marshal`` cannot write,
  the child killed), this process evaluates those policies itself, as one process would, without encoding them:
  the mechanism can cost time, never change a finding or which error is raised.
* ``marshal`` writes only values of exactly its own types (a ``dict`` subclass, an enum or any object is an
  error, not a conversion) and reads back equal values of the same types, floats bit for bit; the finding's
  own classes (:class:`Finding`, :class:`Evidence`, :class:`Subject`, :class:`AimaRef`, the two enums) are
  written as their fields and made again here, and anything of another class stops the encoding (the fallback).
* Policy ids must be unique (findings are put in order by policy id): otherwise nothing is split.

``AIMA_GATE_JOBS=1`` turns it off, as it does parsing's workers and the output child.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from aima_gate.core import frames as framing
from aima_gate.core.model import AimaRef, Evidence, Finding, Severity, Status, Subject
from aima_gate.engine.policy import Policy

SPLIT_MIN_SUBJECTS = 20_000
"""Below this many subjects to evaluate in the last stage (summed over its policies), the fork and the findings'
round trip cost more than the second core saves."""

EARLY_FORK_MAX_ARTIFACTS = 25_000
"""Up to this many artifacts the child is forked before the first stage, and so evaluates alongside every stage;
above it, only once the earlier stages have released their kinds (see :func:`fork_early`)."""

CHILD_SHARE = 0.35
"""The child's share of the last stage's subjects, at most, when it is forked before that stage: a little over a
third, because this process also makes the child's findings again."""

EARLY_CHILD_SHARE = 0.40
"""The child's share of every stage's subjects, at most (and never more than the last stage), when it is forked
before the first stage: under half, because this process also decodes the documents its stages read and then
makes the child's findings again (about 250 ms at 5,000 models). Timed at 5,000 models: 0.45 left this process
waiting for the child 55-130 ms before that; 0.40 ends the evaluation 30-90 ms sooner, 0.37 and 0.42 between."""


def fork_early(artifacts: int) -> bool:
    """Whether to fork the child before the first stage. A forked child's resident memory counts every page of its
    parent at the fork: before the first stage that is every kind's documents, which the child keeps mapped
    while it builds its findings (at 12,500 models its peak would be 313 MB against 250 MB for this process).
    Small runs, far below any memory bound, take the larger share of work; large ones fork after the release."""
    return artifacts <= EARLY_FORK_MAX_ARTIFACTS


def child_policies(stages: Sequence[tuple[Policy, ...]], reads: Sequence[set[str]], counts: Mapping[str, int],
                   keep: frozenset[str], *, early: bool = False) -> tuple[Policy, ...]:
    """The policies for the child: the longest suffix of the last stage whose subjects (``counts`` of each
    policy's kind) are at most :data:`CHILD_SHARE` of that stage's subjects (``early``: :data:`EARLY_CHILD_SHARE`
    of every stage's), when the stage reads only kinds in ``keep`` or kinds with no artifacts, every policy id is
    unique and the stage has at least :data:`SPLIT_MIN_SUBJECTS` subjects; else ()."""
    if not stages or len({p.id for stage in stages for p in stage}) != sum(map(len, stages)):
        return ()
    last = stages[-1]
    total = sum(counts.get(p.kind, 0) for p in last)
    if total < SPLIT_MIN_SUBJECTS or any(counts.get(k) and k not in keep for k in reads[-1]):
        return ()
    budget = (EARLY_CHILD_SHARE * sum(counts.get(p.kind, 0) for stage in stages for p in stage) if early
              else CHILD_SHARE * total)
    taken, start = 0, len(last)
    while start > 0 and taken + counts.get(last[start - 1].kind, 0) <= budget:
        start -= 1
        taken += counts.get(last[start].kind, 0)
    return last[start:]


_STATUSES = tuple(Status)
_STATUS_CODE = {s: n for n, s in enumerate(_STATUSES)}


def encode(groups: Iterable[tuple[str, Sequence[Finding]]], policies: Sequence[Policy],
           used: Iterable[int]) -> Iterator[bytes]:
    """The child's findings (runs of one policy id, as staged.py's ``_by_policy`` gives them), then the waivers it
    used, as frames of ``marshal`` bytes, one per run (never the whole encoding at once, here or in
    :func:`decode`). A run's frame holds the subjects not sent before (a table, one row each), its policy's index
    and, per finding, its status (one byte), its subject's row and its evidence as tuples of fields; a waiver, and
    policy fields that are not the policy's own objects (the engine always uses those), only for the findings
    that have them. Raises ValueError for anything it cannot write exactly."""
    index = {p.id: n for n, p in enumerate(policies)}
    rows_of: dict[int, int] = {}  # id(subject) -> its row (the subjects stay alive in the findings meanwhile)
    status_code, finding, evidence_class, subject_class = _STATUS_CODE, Finding, Evidence, Subject
    for policy_id, findings in groups:
        n = index[policy_id]
        policy = policies[n]
        pid, title, severity, aima, remediation, mappings = (policy.id, policy.title, policy.severity, policy.aima,
                                                             policy.remediation, policy.mappings)
        table: list[tuple[str, str, str]] = []
        codes = bytearray()
        subjects: list[int] = []
        evidence: list[Any] = []
        special: dict[int, Any] = {}
        for pos, f in enumerate(findings):
            s, evs = f.subject, f.evidence
            if type(f) is not finding or type(s) is not subject_class or type(evs) is not tuple:
                raise ValueError("a finding of another shape")
            codes.append(status_code[f.status])
            row = rows_of.get(id(s))
            if row is None:
                row = rows_of[id(s)] = len(rows_of)
                table.append((s.kind, s.name, s.file))
            subjects.append(row)
            if evs:
                if any(type(ev) is not evidence_class for ev in evs):
                    raise ValueError("evidence of another shape")
                evidence.append(tuple([(ev.file, ev.line, ev.pointer, ev.actual, ev.expected, ev.message)
                                       for ev in evs]))
            else:
                evidence.append(())
            if not (f.waiver is None and f.policy_id is pid and f.title is title and f.severity is severity
                    and f.aima is aima and f.remediation is remediation and f.mappings is mappings):
                a = f.aima
                if a is not None and type(a) is not AimaRef:
                    raise ValueError("an AIMA reference of another shape")
                special[pos] = (f.waiver, f.policy_id, f.title, f.severity.value,
                                None if a is None else (a.domain, a.practice, a.stream, a.level), f.remediation,
                                f.mappings)
        yield framing.frame(("run", table, n, bytes(codes), subjects, evidence, special))
    yield framing.frame(("used", sorted(used)))


def decode(chunks: Iterable[bytes],
           policies: Sequence[Policy]) -> tuple[list[tuple[str, Sequence[Finding]]], set[int]]:
    """:func:`encode`'s runs and used waivers, made again from its frames (its own child's bytes, read back from
    its file in pieces of any size), one frame at a time."""
    from aima_gate.engine.evaluate import finding_maker
    from aima_gate.engine.outcomes import evidence_maker

    new_finding, new_evidence = finding_maker(), evidence_maker()
    subjects: list[Subject] = []  # one object per subject, as in the engine
    statuses = _STATUSES
    out: list[tuple[str, Sequence[Finding]]] = []
    used: list[int] | None = None
    for frame in framing.frames(chunks):
        if used is not None or frame[0] not in ("run", "used"):
            raise ValueError("the child's findings are not in their frames' order")
        if frame[0] == "used":
            used = frame[1]
            continue
        _, table, n, codes, rows, evidence, special = frame
        subjects += [Subject(kind, name, file) for kind, name, file in table]
        policy = policies[n]
        pid, title, severity, aima, remediation, mappings = (policy.id, policy.title, policy.severity, policy.aima,
                                                             policy.remediation, policy.mappings)
        findings = [new_finding(pid, title, statuses[code], severity, subjects[row], aima,
                                () if not evs else (new_evidence(*evs[0]),) if len(evs) == 1
                                else tuple([new_evidence(*ev) for ev in evs]), remediation, mappings)
                    for code, row, evs in zip(codes, rows, evidence, strict=True)]
        del frame, rows, evidence  # the frame's values go as its findings are made
        for pos, (waiver, f_id, f_title, f_severity, f_aima, f_remediation, f_mappings) in special.items():
            f = findings[pos]
            f = findings[pos] = new_finding(f_id, f_title, f.status, Severity(f_severity), f.subject,
                                            None if f_aima is None else AimaRef(*f_aima), f.evidence, f_remediation,
                                            f_mappings)
            if waiver is not None:
                object.__setattr__(f, "waiver", waiver)  # a frozen field, set once while the finding is made
        out.append((pid, findings))
    if used is None:
        raise ValueError("the child's findings end before their last frame")
    return out, set(used)


__all__ = ["CHILD_SHARE", "SPLIT_MIN_SUBJECTS", "child_policies", "decode", "encode"]
