"""The pure engine: compiled policies x collected artifacts -> findings. No I/O, no clock.

Rules (docs/policies.md): a policy whose kind has no subjects is an error unless ``optional``; subjects that
fail ``applies_to.where`` are not applicable; an active waiver turns a failure into ``waived``, an expired one
leaves it failing and says so; errors cannot be waived; a waiver that waived nothing is reported.
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from types import MemberDescriptorType
from typing import Any

from aima_gate.core.model import (
    UNUSED_WAIVER,
    Artifact,
    Evidence,
    Finding,
    Severity,
    Status,
    Subject,
    Waiver,
)
from aima_gate.core.parallel import no_gc
from aima_gate.engine.assertions import ArtifactIndex, Scope, Tri
from aima_gate.engine.batch import make_scopes, statuses
from aima_gate.engine.ordering import _order, _shared_subjects, _sorted
from aima_gate.engine.ordering import finding_sort_key as finding_sort_key
from aima_gate.engine.outcomes import Outcome, new_evidence, slots_twin
from aima_gate.engine.policy import Policy

_FINDING_FIELDS = ("policy_id", "title", "status", "severity", "subject", "aima", "evidence", "remediation", "mappings",
                   "waiver")


def finding_maker(cls: type[Finding] = Finding) -> Callable[..., Finding]:
    """``cls(policy_id, title, status, severity, subject, aima, evidence, remediation, mappings)`` (no waiver), made
    as a :func:`~aima_gate.engine.outcomes.slots_twin` filled slot by slot: the frozen dataclass's ``__init__``
    (``object.__setattr__`` per field, by name) costs about three times as much, and a call to each slot's
    descriptor about twice as much, tens of thousands of times a run. Only for the layout known here (these
    fields, in slots, no ``__post_init__``); any other layout gets the class itself, so nothing is skipped."""
    slots = [getattr(cls, f.name, None) for f in fields(cls)]
    if (tuple(f.name for f in fields(cls)) != _FINDING_FIELDS or hasattr(cls, "__post_init__")
            or not all(isinstance(s, MemberDescriptorType) for s in slots)):
        return cls
    twin = slots_twin(cls)
    if twin is None:
        return cls

    def make(policy_id: str, title: str, status: Status, severity: Severity, subject: Subject, aima: Any,
             evidence: tuple[Evidence, ...], remediation: str, mappings: Mapping[str, tuple[str, ...]]) -> Finding:
        finding = twin()
        finding.policy_id = policy_id
        finding.title = title
        finding.status = status
        finding.severity = severity
        finding.subject = subject
        finding.aima = aima
        finding.evidence = evidence
        finding.remediation = remediation
        finding.mappings = mappings
        finding.waiver = None
        finding.__class__ = cls
        return finding  # type: ignore[no-any-return]

    return make


_new_finding = finding_maker()


_PASS, _FAIL, _ERROR = Tri.PASS, Tri.FAIL, Tri.ERROR


def _status(tri: Tri) -> Status:
    """Identity tests: a dict keyed by Enum members hashes them in Python code."""
    return Status.PASS if tri is Tri.PASS else Status.FAIL if tri is Tri.FAIL else Status.ERROR


@dataclass(frozen=True)
class Evaluation:
    findings: tuple[Finding, ...]
    used_waivers: frozenset[int]


def _waiver_matches(waiver: Waiver, policy: Policy, subject: Artifact) -> bool:
    if waiver.policy_id != policy.id:
        return False
    if not (fnmatch.fnmatchcase(subject.name, waiver.subject) or fnmatch.fnmatchcase(subject.file, waiver.subject)):
        return False
    return _extra_matches(waiver.extra, subject.data) if waiver.extra else True


def _extra_matches(extra: Mapping[str, Any], data: Mapping[str, Any]) -> bool:
    """Dependency waivers narrow the subject glob (docs/config.md#waivers): ``advisory`` must be one of the
    subject's ``ids`` (any alias, case-insensitive), ``package`` its ``package`` (PEP 503 names), ``versions``
    a PEP 440 specifier containing its ``installed_version``. A subject without those fields never matches."""
    if "advisory" in extra:
        ids = data.get("ids")
        if not isinstance(ids, list) or str(extra["advisory"]).upper() not in {str(i).upper() for i in ids}:
            return False
    if "package" in extra or "versions" in extra:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
        from packaging.utils import canonicalize_name

        package = data.get("package")
        if not isinstance(package, str):
            return False
        if "package" in extra and canonicalize_name(str(extra["package"])) != canonicalize_name(package):
            return False
        if "versions" in extra:
            version = data.get("installed_version")
            try:
                spec = SpecifierSet(str(extra["versions"]))
            except InvalidSpecifier:
                return False
            if not isinstance(version, str) or not spec.contains(version, prereleases=True):
                return False
    return True


def _apply_waivers(finding: Finding, policy: Policy, subject: Artifact, waivers: Sequence[Waiver],
                   today: _dt.date, used: set[int]) -> Finding:
    if finding.status is not Status.FAIL:
        return finding
    for i, waiver in enumerate(waivers):
        if not _waiver_matches(waiver, policy, subject):
            continue
        used.add(i)
        info = {"reason": waiver.reason, "owner": waiver.owner, "expires": waiver.expires,
                "file": waiver.file, "line": str(waiver.line)}
        expires = _dt.date.fromisoformat(waiver.expires)
        if expires >= today:
            return replace(finding, status=Status.WAIVED, waiver=info)
        note = Evidence(waiver.file, waiver.line, "", waiver.expires, f"a waiver valid on {today.isoformat()}",
                        f"waiver (owner {waiver.owner}) expired on {waiver.expires}; the failure counts again")
        return replace(finding, evidence=(*finding.evidence, note), waiver={**info, "expired": "true"})
    return finding


def evaluate(
    policies: Sequence[Policy],
    artifacts: Sequence[Artifact],
    *,
    params: Mapping[str, Mapping[str, Any]],
    waivers: Sequence[Waiver] = (),
    today: _dt.date,
    anchor_file: str = ".aima-gate.yml",
    unreadable: Mapping[str, str] | None = None,
    only_subjects: Callable[[Artifact], bool] | None = None,
    pass_evidence: bool = True,
    na_evidence: bool = True,
) -> Evaluation:
    """Evaluate every policy against every subject of its kind. Deterministic for identical inputs.

    ``unreadable`` maps files that exist but could not be read to the reason, so a reference to one says so
    instead of "not found". ``only_subjects`` (a partial run) evaluates only the artifacts it accepts; every
    artifact is still there for joins, and a kind with no artifacts at all is still an error.

    ``pass_evidence=False`` (no requested output shows a passing finding's evidence): passing findings carry
    no evidence (``()``), which is then never built. Statuses are decided before any evidence is built, so
    they are the same either way; a pass whose subject is not unique keeps its evidence (reports order such
    findings by it).

    ``na_evidence=False`` (no requested output shows a not-applicable finding's evidence): the same for
    subjects that ``applies_to.where`` leaves out, under the same rule. A policy with no subjects at all keeps
    its one evidence item either way."""
    with no_gc():  # evaluation builds tens of thousands of findings and no garbage cycles
        return _evaluate(policies, artifacts, params, waivers, today, anchor_file, unreadable or {}, only_subjects,
                         pass_evidence, na_evidence)


def _evaluate(policies: Sequence[Policy], artifacts: Sequence[Artifact], params: Mapping[str, Mapping[str, Any]],
              waivers: Sequence[Waiver], today: _dt.date, anchor_file: str,
              unreadable: Mapping[str, str], only: Callable[[Artifact], bool] | None = None,
              pass_evidence: bool = True, na_evidence: bool = True) -> Evaluation:
    index = ArtifactIndex(artifacts, unreadable)
    shared = set() if pass_evidence and na_evidence else _shared_subjects(artifacts)
    used: set[int] = set()
    by_policy: dict[str, list[Finding]] = {}  # sorted per policy id at the end (see _sorted)
    named: dict[str, list[tuple[Artifact, Subject, bool]]] = {}  # one (frozen) Subject per artifact, for all
    orders: dict[str, list[int] | None] = {}  # each kind's subjects in sorted order (see _sorted)
    ordered: dict[str, list[int] | None] = {}  # policy id -> the order its findings are in (one per subject)
    for policy in policies:
        findings = by_policy.setdefault(policy.id, [])
        made = len(findings)
        subjects = index.by_kind.get(policy.kind, [])
        if not subjects:
            status = Status.NOT_APPLICABLE if policy.optional else Status.ERROR
            msg = (f"no {policy.kind} artifacts were found, so this policy could not be checked"
                   + ("" if policy.optional else "; a required policy that selects nothing is not a pass"))
            ev = Evidence(anchor_file, 1, "", 0, f"at least one {policy.kind}", msg)
            findings.append(_finding(policy, _no_subject(policy.kind, anchor_file), status, (ev,)))
            continue
        policy_params = params.get(policy.id, {})
        pairs = named.get(policy.kind)
        if pairs is None:  # (artifact, its Subject, whether no other subject has the same kind, name and file)
            pairs = named[policy.kind] = [(subject, sub, (sub.kind, sub.name, sub.file) not in shared)
                                          for subject in subjects if only is None or only(subject)
                                          for sub in (_subject(subject),)]
        run = _PolicyRun(policy, policy_params, today, index, pass_evidence, na_evidence, waivers, used, findings)
        start, size = 0, _FIRST_CHUNK
        while start < len(pairs):
            run.chunk(pairs[start:start + size])
            start, size = start + size, _CHUNK
        if policy.kind not in orders:
            orders[policy.kind] = _order([sub for _, sub, _ in pairs])
        if made == 0 and len(findings) == len(pairs):
            ordered[policy.id] = orders[policy.kind]
        else:  # (a policy id seen twice: its findings are sorted)
            ordered.pop(policy.id, None)
    for i, waiver in enumerate(waivers):
        if i not in used:
            by_policy.setdefault(UNUSED_WAIVER, []).append(unused_waiver_finding(waiver))
    return Evaluation(_sorted(by_policy, ordered), frozenset(used))


_CHUNK = 256
"""Subjects whose statuses are decided in one batch (engine/batch.py): enough to share each node's work, few
enough that their scopes and statuses are a small part of memory."""
_FIRST_CHUNK = 32
"""A policy's first batch: small, so that statuses asked of subjects that mostly do not pass (whose outcomes are
then asked as well) cost little before the next batches ask for their outcomes at once."""


class _PolicyRun:
    """One policy's findings, a chunk of subjects at a time. Statuses come first, in one batch per chunk (the
    gate's for every subject, the assertion's for the subjects it lets through); an outcome, with its evidence,
    is asked only for a finding that shows it, one subject at a time, in order. A gate or assertion whose last
    chunk mostly did not pass is asked for its outcomes at once instead (its statuses would be asked for
    nothing). If a batch raises, the chunk is evaluated again the interpreter's way, one subject at a time:
    that raises what the interpreter raises, first. Which was asked first changes the work, never a finding."""

    def __init__(self, policy: Policy, params: Mapping[str, Any], today: _dt.date, index: ArtifactIndex,
                 pass_evidence: bool, na_evidence: bool, waivers: Sequence[Waiver], used: set[int],
                 findings: list[Finding]) -> None:
        self.policy, self.params, self.today, self.index = policy, params, today, index
        self.pass_evidence, self.na_evidence, self.waivers, self.used = pass_evidence, na_evidence, waivers, used
        self.findings = findings
        self.gate_statuses = True  # else the gates' outcomes at once (only when not-applicable findings show them)
        self.assert_statuses = not pass_evidence  # else the assertion's outcomes at once

    def chunk(self, pairs: Sequence[tuple[Artifact, Subject, bool]]) -> None:
        policy, where = self.policy, self.policy.where
        scopes = make_scopes([subject for subject, _, _ in pairs], self.params, self.today, self.index)
        datas = [subject.data for subject, _, _ in pairs]
        try:
            gated: list[Outcome] | None = None
            if where is None:
                gates = None
            elif self.gate_statuses or not self.na_evidence:
                gates = statuses(where, scopes, datas, None)
            else:
                gated = [where.evaluate(scope, data, "") for scope, data in zip(scopes, datas, strict=True)]
                gates = [o.status for o in gated]
            asserted = None
            if self.assert_statuses:
                if gates is None or (_FAIL not in gates and _ERROR not in gates):  # all through: the same lists
                    asserted = statuses(policy.assertion, scopes, datas, None)
                else:
                    through = [k for k, g in enumerate(gates) if g is _PASS]
                    asserted = statuses(policy.assertion, [scopes[k] for k in through], [datas[k] for k in through],
                                        None)
        except Exception:  # the interpreter's order, one subject at a time: the same exception, first
            for k in range(len(pairs)):
                one = (scopes[k],)
                data = datas[k]
                gate = None if where is None else [where.status(one[0], data, "")]
                asserted = ([policy.assertion.status(one[0], data, "")] if self.assert_statuses
                            and (gate is None or gate[0] is _PASS) else None)
                self._emit(pairs[k:k + 1], one, gate, None, asserted)
            return
        self._emit(pairs, scopes, gates, gated, asserted)

    def _emit(self, pairs: Sequence[tuple[Artifact, Subject, bool]], scopes: Sequence[Scope],
              gates: list[Tri] | None, gated: list[Outcome] | None, asserted: list[Tri] | None) -> None:
        policy, findings = self.policy, self.findings
        append = findings.append
        where, assertion = policy.where, policy.assertion
        pass_evidence, na_evidence = self.pass_evidence, self.na_evidence
        # _bare_finding's arguments, read once
        pid, title, severity, aima, remediation, mappings = (policy.id, policy.title, policy.severity, policy.aima,
                                                             policy.remediation, policy.mappings)
        through = passed = gate_passed = 0
        for k, (subject, subj, alone) in enumerate(pairs):
            if gates is not None and gates[k] is not _PASS:
                if alone and not na_evidence and gates[k] is _FAIL:
                    append(_new_finding(pid, title, Status.NOT_APPLICABLE, severity, subj, aima, (), remediation,
                                        mappings))
                    continue
                assert where is not None
                outcome = gated[k] if gated is not None else where.evaluate(scopes[k], subject.data, "")
                append(_finding(policy, subj, Status.ERROR if outcome.status is _ERROR else Status.NOT_APPLICABLE,
                                outcome.evidence))
                continue
            gate_passed += 1
            if asserted is not None:
                ok = asserted[through] is _PASS
                through += 1
                if ok:
                    passed += 1
                    if alone:
                        append(_new_finding(pid, title, Status.PASS, severity, subj, aima, (), remediation, mappings))
                        continue
                outcome = assertion.evaluate(scopes[k], subject.data, "")
            else:
                outcome = assertion.evaluate(scopes[k], subject.data, "")
                if outcome.status is _PASS:
                    passed += 1
                    if alone and not pass_evidence:
                        append(_new_finding(pid, title, Status.PASS, severity, subj, aima, (), remediation, mappings))
                        continue
            finding = _finding(policy, subj, _status(outcome.status), outcome.evidence)
            if finding.status is Status.FAIL and self.waivers:
                finding = _apply_waivers(finding, policy, subject, self.waivers, self.today, self.used)
            append(finding)
        if gates is not None:
            self.gate_statuses = 2 * gate_passed >= len(pairs)
        if gate_passed and not pass_evidence:
            self.assert_statuses = 2 * passed >= gate_passed


def _no_subject(kind: str, anchor_file: str) -> Subject:
    return Subject(kind=kind, name=f"(no {kind} found)", file=anchor_file)


def _subject(art: Artifact) -> Subject:
    return Subject(kind=art.kind, name=art.name, file=art.file)


def _finding(policy: Policy, subject: Subject, status: Status, evidence: tuple[Evidence, ...]) -> Finding:
    if not evidence:  # every finding carries evidence, even a vacuous pass
        evidence = (new_evidence(subject.file, 1, "", None, policy.title, f"{status.value}: nothing further to show"),)
    # Positional (the report's field order): keyword arguments cost measurably at tens of thousands of findings.
    return _new_finding(policy.id, policy.title, status, policy.severity, subject, policy.aima, evidence,
                        policy.remediation, policy.mappings)


def _bare_finding(policy: Policy, subject: Subject, status: Status) -> Finding:
    """A finding without evidence: a pass or a not-applicable finding that no requested output shows."""
    return _new_finding(policy.id, policy.title, status, policy.severity, subject, policy.aima, (),
                        policy.remediation, policy.mappings)


def unused_waiver_finding(waiver: Waiver) -> Finding:
    message = f"waiver for {waiver.policy_id} / {waiver.subject} matched no failing finding"
    if "advisory" in waiver.extra:
        message += f" (stale: no scan reports advisory {waiver.extra['advisory']} as a failing vulnerability any more)"
    ev = Evidence(waiver.file, waiver.line, "", waiver.subject, "a failing finding for this waiver to cover", message)
    return Finding(
        policy_id=UNUSED_WAIVER,
        title="Waiver matches nothing",
        status=Status.FAIL,
        severity=Severity.INFO,
        subject=Subject(kind="waiver", name=f"{waiver.policy_id}:{waiver.subject}", file=waiver.file),
        aima=None,
        evidence=(ev,),
        remediation="Remove the waiver, or fix its policy id or subject so it names the finding it is meant for.",
    )


__all__ = ["Evaluation", "evaluate", "finding_sort_key", "unused_waiver_finding"]
