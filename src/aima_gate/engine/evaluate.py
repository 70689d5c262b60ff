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
from aima_gate.engine.assertions import ArtifactIndex, Tri, make_scope
from aima_gate.engine.outcomes import new_evidence
from aima_gate.engine.policy import Policy

_FINDING_FIELDS = ("policy_id", "title", "status", "severity", "subject", "aima", "evidence", "remediation", "mappings",
                   "waiver")


def finding_maker(cls: type[Finding] = Finding) -> Callable[..., Finding]:
    """``cls(policy_id, title, status, severity, subject, aima, evidence, remediation, mappings)`` (no waiver), made
    by setting its slots one by one: the frozen dataclass's ``__init__`` (``object.__setattr__`` per field, by
    name) costs about twice as much, tens of thousands of times a run. Only for the layout known here (these
    fields, in slots, no ``__post_init__``); any other layout gets the class itself, so nothing is skipped."""
    slots = [getattr(cls, f.name, None) for f in fields(cls)]
    if (tuple(f.name for f in fields(cls)) != _FINDING_FIELDS or hasattr(cls, "__post_init__")
            or not all(isinstance(s, MemberDescriptorType) for s in slots)):
        return cls
    new = object.__new__
    p_id, p_title, p_status, p_severity, p_subject, p_aima, p_evidence, p_remediation, p_mappings, p_waiver = (
        s.__set__ for s in slots if isinstance(s, MemberDescriptorType))

    def make(policy_id: str, title: str, status: Status, severity: Severity, subject: Subject, aima: Any,
             evidence: tuple[Evidence, ...], remediation: str, mappings: Mapping[str, tuple[str, ...]]) -> Finding:
        finding: Finding = new(cls)
        p_id(finding, policy_id)
        p_title(finding, title)
        p_status(finding, status)
        p_severity(finding, severity)
        p_subject(finding, subject)
        p_aima(finding, aima)
        p_evidence(finding, evidence)
        p_remediation(finding, remediation)
        p_mappings(finding, mappings)
        p_waiver(finding, None)
        return finding

    return make


_new_finding = finding_maker()


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
    named: dict[str, list[tuple[Artifact, Subject]]] = {}  # one (frozen) Subject per artifact, shared by policies
    for policy in policies:
        findings = by_policy.setdefault(policy.id, [])
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
        if pairs is None:
            pairs = named[policy.kind] = [(subject, _subject(subject)) for subject in subjects
                                          if only is None or only(subject)]
        where = policy.where
        assertion = policy.assertion
        lean = 0  # passes minus other outcomes of this policy's last subjects (see below), within -4..4
        gate_lean = 0  # the same for the subjects' applies_to.where
        for subject, subj in pairs:
            # One scope per subject per policy, let go right after: kept for the run (one per subject, shared
            # by policies without parameters), they added a few MB to the run's peak of memory.
            scope = make_scope(subject, policy_params, today, index)
            # Statuses first (Node.status: no outcomes, no evidence); an outcome, with its evidence, is made only
            # for a finding that shows it: a gate that passes shows nothing, nor does a pass nobody shows. A gate
            # that does not pass is shown when not-applicable findings are: while this policy's gates mostly do
            # not pass, their outcome is asked for at once (as for the assertion, below), not after the status.
            gated = None
            if where is None:
                gate = Tri.PASS
            elif na_evidence and gate_lean < 0:
                gated = where.evaluate(scope, subject.data, "")
                gate = gated.status
                gate_lean = gate_lean + 1 if gate is Tri.PASS else max(gate_lean - 1, -4)
            else:
                gate = where.status(scope, subject.data, "")
                gate_lean = min(gate_lean + 1, 4) if gate is Tri.PASS else gate_lean - 1
            if gate is not Tri.PASS:
                if gate is Tri.FAIL and not na_evidence and (subj.kind, subj.name, subj.file) not in shared:
                    findings.append(_bare_finding(policy, subj, Status.NOT_APPLICABLE))
                    continue
                assert where is not None
                outcome = gated if gated is not None else where.evaluate(scope, subject.data, "")
                findings.append(_finding(policy, subj, Status.ERROR if outcome.status is Tri.ERROR
                                         else Status.NOT_APPLICABLE, outcome.evidence))
                continue
            # A status alone answers a pass nobody shows; anything else needs the outcome as well (asked twice).
            # While this policy's subjects mostly do not pass, the outcome is asked for at once. Either way the
            # finding is the same: only the work differs.
            if not pass_evidence and lean >= 0:
                passed = assertion.status(scope, subject.data, "") is Tri.PASS
                lean = min(lean + 1, 4) if passed else lean - 1
                if passed and (subj.kind, subj.name, subj.file) not in shared:
                    findings.append(_bare_finding(policy, subj, Status.PASS))
                    continue
                outcome = assertion.evaluate(scope, subject.data, "")
            else:
                outcome = assertion.evaluate(scope, subject.data, "")
                if not pass_evidence:
                    passed = outcome.status is Tri.PASS
                    lean = lean + 1 if passed else max(lean - 1, -4)
                    if passed and (subj.kind, subj.name, subj.file) not in shared:
                        findings.append(_bare_finding(policy, subj, Status.PASS))
                        continue
            finding = _finding(policy, subj, _status(outcome.status), outcome.evidence)
            if finding.status is Status.FAIL and waivers:
                finding = _apply_waivers(finding, policy, subject, waivers, today, used)
            findings.append(finding)
    for i, waiver in enumerate(waivers):
        if i not in used:
            by_policy.setdefault(UNUSED_WAIVER, []).append(unused_waiver_finding(waiver))
    return Evaluation(_sorted(by_policy), frozenset(used))


def _sorted(by_policy: dict[str, list[Finding]]) -> tuple[Finding, ...]:
    """The findings in :func:`finding_sort_key` order, ties in the order they were made: exactly what a stable
    sort of them all does, without its sort key for every finding at once (a tuple each, tens of megabytes at
    hundreds of thousands of findings, at the run's peak of memory): policy ids in order, then each policy's
    findings by subject, stably."""
    out: list[Finding] = []
    for policy_id in sorted(by_policy):
        findings = by_policy.pop(policy_id)
        findings.sort(key=_subject_sort_key)
        out += findings
    return tuple(out)


def _subject_sort_key(f: Finding) -> tuple[str, str, str]:
    subject = f.subject
    return (subject.file, subject.kind, subject.name)


def _shared_subjects(artifacts: Sequence[Artifact]) -> set[tuple[str, str, str]]:
    """(kind, name, file) of subjects that are not unique: their findings tie on :func:`finding_sort_key`, and
    the report orders tied findings by their first evidence item (pipeline/runner.py), so they keep it."""
    seen: set[tuple[str, str, str]] = set()
    shared: set[tuple[str, str, str]] = set()
    for art in artifacts:
        key = (art.kind, art.name, art.file)
        (shared if key in seen else seen).add(key)
    return shared


def finding_sort_key(f: Finding) -> tuple[str, str, str, str]:
    return (f.policy_id, f.subject.file, f.subject.kind, f.subject.name)


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
