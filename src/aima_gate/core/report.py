"""The result of one run, independent of output format: findings, summary, verdict and exit code."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter
from typing import Any, TypeVar

from aima_gate.core.exit_codes import ExitCode
from aima_gate.core.model import Finding, Severity, Status

VERDICT_PASS = "pass"
VERDICT_FAIL = "fail"
VERDICT_ERROR = "error"


@dataclass(frozen=True)
class Report:
    tool_version: str
    policy_pack_digest: str
    fail_on: Severity
    findings: tuple[Finding, ...]
    policies: tuple[Any, ...] = ()
    """The evaluated :class:`~aima_gate.engine.policy.Policy` objects (reporters list rules from them)."""
    root: str = "."
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Optional sections added by features (e.g. ``maturity``); rendered by reporters that know them."""
    target_level: int | None = None
    """Failures of policies above this AIMA level are advisory (config ``target_level``)."""

    def is_blocking(self, finding: Finding) -> bool:
        if finding.status is Status.ERROR:
            return True
        return finding.status is Status.FAIL and finding.severity.rank >= self.fail_on.rank \
            and not self.is_advisory(finding)

    def is_advisory(self, finding: Finding) -> bool:
        """A failure of a policy above the team's target AIMA level: reported, never blocking."""
        return self.target_level is not None and finding.aima is not None and finding.aima.level > self.target_level

    @functools.cached_property
    def kinds(self) -> list[tuple[Finding, int]]:
        """:func:`finding_kinds` of all the findings."""
        return finding_kinds(self.findings)

    def count_blocking(self, findings: Iterable[Finding]) -> int:
        """``sum(1 for f in findings if self.is_blocking(f))``, asking once per kind (:func:`finding_kinds`)."""
        return sum(n for f, n in finding_kinds(findings) if self.is_blocking(f))

    @functools.cached_property
    def summary(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        blocking = 0
        for f, n in self.kinds:
            counts[f.status.value] += n
            blocking += n if self.is_blocking(f) else 0
        out = {s.value: counts.get(s.value, 0) for s in Status}
        out["blocking"] = blocking
        out["total"] = len(self.findings)
        return out

    @functools.cached_property
    def verdict(self) -> str:
        if any(f.status is Status.ERROR for f, _ in self.kinds):
            return VERDICT_ERROR
        if any(self.is_blocking(f) for f, _ in self.kinds):
            return VERDICT_FAIL
        return VERDICT_PASS

    @property
    def exit_code(self) -> ExitCode:
        return {VERDICT_PASS: ExitCode.PASS, VERDICT_FAIL: ExitCode.POLICY_FAILURE,
                VERDICT_ERROR: ExitCode.CANNOT_EVALUATE}[self.verdict]


_STATUS, _SEVERITY, _AIMA = attrgetter("status"), attrgetter("severity"), attrgetter("aima")


def kind_of(finding: Finding) -> tuple[int, int, int]:
    """A finding's kind: its (status, severity, aima) objects by id. That is all :meth:`Report.is_blocking` (so
    the summary and the verdict) and the severity order of reports read of a finding, and policies share these
    objects, so a few hundred kinds stand for hundreds of thousands of findings. By id because the enums' and
    AimaRef's hashes are Python code; the ids stay valid while the findings keep the objects alive."""
    return id(finding.status), id(finding.severity), id(finding.aima)


def finding_kinds(findings: Iterable[Finding]) -> list[tuple[Finding, int]]:
    """One finding (the last) and a count per distinct :func:`kind_of` of ``findings``, in order of first appearance.

    Counted a run of one policy's findings at a time: a policy gives its findings one severity and one AIMA
    reference, so within such a run only the status varies, and it is counted by ``list.count`` on the ids of
    the statuses (at C speed, no tuple per finding: 86 -> 43 ms for 180,000 findings). A run where severity or
    AIMA reference varies is counted finding by finding (:func:`_kinds_of`)."""
    findings = findings if isinstance(findings, (tuple, list)) else list(findings)
    out: dict[tuple[int, int, int], list[Any]] = {}  # kind -> [last finding, count], in order of first appearance

    def add(kind: tuple[int, int, int], last: Finding, n: int) -> None:
        entry = out.get(kind)
        if entry is None:
            out[kind] = [last, n]
        else:
            entry[0] = last
            entry[1] += n

    for _, same_policy in groupby(findings, _POLICY_ID):
        run = list(same_policy)
        severities, aimas = list(map(id, map(_SEVERITY, run))), list(map(id, map(_AIMA, run)))
        severity, aima = severities[0], aimas[0]
        if severities.count(severity) != len(run) or aimas.count(aima) != len(run):
            for last, n in _kinds_of(run):
                add(kind_of(last), last, n)
            continue
        statuses = list(map(id, map(_STATUS, run)))
        from_end = statuses[::-1]
        for status in dict.fromkeys(statuses):
            add((status, severity, aima), run[len(run) - 1 - from_end.index(status)], statuses.count(status))
    return [(last, n) for last, n in out.values()]


def _kinds_of(findings: list[Finding]) -> list[tuple[Finding, int]]:
    """:func:`finding_kinds` of ``findings`` one tuple per finding (a Counter of their kinds)."""
    def kinds() -> Iterator[tuple[int, int, int]]:  # kind_of of each finding, at C speed
        return zip(map(id, map(_STATUS, findings)), map(id, map(_SEVERITY, findings)),
                   map(id, map(_AIMA, findings)), strict=True)

    counts = Counter(kinds())
    last = dict(zip(kinds(), findings, strict=True))  # (the last finding of each kind)
    return [(last[kind], n) for kind, n in counts.items()]


def by_policy(*parts: Iterable[Finding]) -> dict[str, list[Finding]]:
    """The findings of ``parts`` per policy id, each policy's in their order of arrival. Gathered a run of one
    policy at a time (at C speed): the engine and a sorted report give each policy's findings together."""
    out: dict[str, list[Finding]] = {}
    for part in parts:
        for policy_id, run in groupby(part, key=_POLICY_ID):
            group = out.get(policy_id)
            if group is None:
                out[policy_id] = list(run)
            else:
                group += run
    return out


_POLICY_ID = attrgetter("policy_id")
_T = TypeVar("_T")


class DistinctFindings(tuple[Finding, ...]):
    """Findings known to be in strictly increasing (policy id, subject file, kind, name) order, none of those fields
    holding a NUL: each then keys to its own identity (reporters/_common.finding_keys). Made only by the run's sort
    (pipeline/run_findings.sorted_findings), which sees that order for what it costs to read it; the type is the
    proof, so that a report given other findings (a plain tuple) is checked again."""

    __slots__ = ()


def per_kind(compute: Callable[[Finding], _T]) -> Callable[[Finding], _T]:
    """``compute``, asked once per :func:`kind_of` (for an answer that reads nothing else of a finding)."""
    known: dict[tuple[int, int, int], _T] = {}

    def answer(finding: Finding) -> _T:
        kind = kind_of(finding)
        if kind not in known:
            known[kind] = compute(finding)
        return known[kind]

    return answer
_SHOWN_ITEMS = 20


def scope_notes(report: Report) -> list[str]:
    """One line per narrowing of what was evaluated (pipeline/scope.py), for every format; [] when none.

    Each says what was narrowed, by which setting and where it is set, e.g.
    ``scope narrowed by policies.only (.aima-gate.yml:4): only these policies are evaluated; ...: a, b``."""
    scope = report.extra.get("scope")
    out = []
    for n in scope.get("narrowings", []) if isinstance(scope, Mapping) else []:
        where = f"{n['file']}:{n['line']}" if n.get("file") and n.get("line") else (n.get("file") or "command line")
        items = [str(i) for i in n.get("items", [])]
        shown = ", ".join(items[:_SHOWN_ITEMS]) + (f" (+{len(items) - _SHOWN_ITEMS} more)"
                                                   if len(items) > _SHOWN_ITEMS else "")
        out.append(f"scope narrowed by {n['setting']} ({where}): {n['description']}" + (f": {shown}" if items else ""))
    return out
