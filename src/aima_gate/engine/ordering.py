"""The order of findings: by policy id, then subject (file, kind, name), ties in the order they were made. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

from aima_gate.core.model import Artifact, Finding, Subject


def _sorted(by_policy: dict[str, list[Finding]],
            ordered: Mapping[str, list[int] | None] | None = None) -> tuple[Finding, ...]:
    """The findings in :func:`finding_sort_key` order, ties in the order they were made: exactly what a stable
    sort of them all does, without its sort key for every finding at once (a tuple each, tens of megabytes at
    hundreds of thousands of findings, at the run's peak of memory): policy ids in order, then each policy's
    findings by subject, stably. A policy in ``ordered`` made one finding per subject of its kind, in the
    subjects' order: its findings are put in the order :func:`_order` found for them (None: already sorted),
    which is the order a stable sort by subject gives, found once per kind instead of once per policy."""
    out: list[Finding] = []
    ordered = ordered or {}
    for policy_id in sorted(by_policy):
        findings = by_policy.pop(policy_id)
        if policy_id not in ordered:
            findings.sort(key=_subject_sort_key)
        elif (order := ordered[policy_id]) is not None:
            findings = [findings[i] for i in order]
        out += findings
    return tuple(out)


def _order(subjects: Sequence[Subject]) -> list[int] | None:
    """The positions of ``subjects`` in a stable sort by (file, kind, name); None when that is their order."""
    keys = [(s.file, s.kind, s.name) for s in subjects]
    if all(a <= b for a, b in pairwise(keys)):
        return None
    return sorted(range(len(keys)), key=keys.__getitem__)


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


__all__ = ["finding_sort_key"]
