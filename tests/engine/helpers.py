"""Build policies and artifacts in memory for engine tests (the engine is pure: no files needed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from aima_gate.aima.catalog import load_catalog
from aima_gate.collectors import kinds
from aima_gate.core.model import Artifact, Finding, Status, Waiver
from aima_gate.engine.evaluate import evaluate
from aima_gate.engine.policy import Policy, compile_policy, resolve_params
from aima_gate.safeio.loaders import load_yaml
from tests.conftest import TODAY

BASE: dict[str, Any] = {
    "id": "test.policy",
    "title": "A test policy",
    "description": "Used by the engine tests.",
    "severity": "high",
    "aima": {"domain": "governance", "practice": "policy-and-compliance", "stream": "B", "level": 1},
    "remediation": "Fix the test data.",
    "applies_to": {"kind": "model"},
}


def policy_doc(assertion: Mapping[str, Any], **overrides: Any) -> dict[str, Any]:
    return {**BASE, **overrides, "assert": dict(assertion)}


def compile_doc(doc: Mapping[str, Any], file: str = "policies/test.yml") -> Policy:
    """Compile through YAML text so line numbers exist, exactly as the loader does."""
    text = yaml.safe_dump(dict(doc), sort_keys=False)
    raw, lines = load_yaml(text, file)
    return compile_policy(raw, file=file, lines=lines, catalog=load_catalog(), kinds=kinds())


def make_policy(assertion: Mapping[str, Any], **overrides: Any) -> Policy:
    return compile_doc(policy_doc(assertion, **overrides))


def art(data: Mapping[str, Any], *, kind: str = "model", name: str | None = None, file: str = "registry.yml",
        references: Sequence[tuple[str, str, str]] = ()) -> Artifact:
    label = name or f"{data.get('name', 'm')}@{data.get('version', '1')}"
    return Artifact(kind=kind, name=label, file=file, data=dict(data), references=tuple(references))


def run(policies: Policy | Sequence[Policy], artifacts: Sequence[Artifact], *,
        params: Mapping[str, Any] | None = None, waivers: Sequence[Waiver] = (),
        today: dt.date = TODAY) -> list[Finding]:
    pols = [policies] if isinstance(policies, Policy) else list(policies)
    resolved = resolve_params(pols, params or {})
    return list(evaluate(pols, artifacts, params=resolved, waivers=waivers, today=today).findings)


def status_of(assertion: Mapping[str, Any], data: Mapping[str, Any], **kw: Any) -> Status:
    """Status of one policy with ``assertion`` on one model artifact holding ``data``.

    ``overrides`` are config parameter values; other keywords are policy fields (e.g. ``params``).
    """
    overrides = kw.pop("overrides", None)
    today = kw.pop("today", TODAY)
    findings = run(make_policy(assertion, **kw), [art(data)], params=overrides, today=today)
    assert len(findings) == 1, findings
    return findings[0].status


def finding_of(assertion: Mapping[str, Any], data: Mapping[str, Any], **kw: Any) -> Finding:
    overrides = kw.pop("overrides", None)
    findings = run(make_policy(assertion, **kw), [art(data)], params=overrides)
    assert len(findings) == 1, findings
    return findings[0]
