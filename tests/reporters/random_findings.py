"""Random findings in and out of report order, for the tests of how reporters key findings."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from types import SimpleNamespace
from typing import cast

from aima_gate.core.model import Finding, Severity, Status, Subject
from aima_gate.core.report import Report


def random_findings(rng: random.Random, names: list[str],
                    statuses: Sequence[Status] = (Status.FAIL,)) -> list[Finding]:
    return [
        Finding(rng.choice(["p.a", "p.b"]), "t", rng.choice(statuses), Severity.LOW,
                Subject(rng.choice(["model", "x"]), rng.choice(names), rng.choice(["a.yml", "b.yml"])), None, (), "")
        for _ in range(rng.randrange(0, 40))
    ]


def report_of(findings: list[Finding]) -> Report:
    return cast(Report, SimpleNamespace(findings=tuple(findings)))


def report_order(f: Finding) -> tuple[str, str, str, str]:
    return (f.policy_id, f.subject.file, f.subject.kind, f.subject.name)


def reference_keys(findings: list[Finding]) -> list[str]:
    """``finding_keys`` as reporters/_common.py's module docstring defines it, written out with a set of every
    key: every later twin re-hashed with the previous key. The reference the fast paths are held to."""
    seen: set[str] = set()
    keys: list[str] = []
    for f in findings:
        key = f.identity
        while key in seen:
            key = hashlib.sha256(f"{key}\0{f.identity}".encode()).hexdigest()
        seen.add(key)
        keys.append(key)
    return keys
