"""``aima-gate test``: unit tests for policies, in the layout of the built-in pack's own cases.

``<cases>/<policy-id>/{pass,fail}/<case>/`` is a small repository (artifacts plus an optional ``.aima-gate.yml``
for its settings). Each case is evaluated with only its policy selected, taken from the project's policy set:

- a ``pass`` case: no finding of the run fails or errors, and at least one finding of the policy passes;
- a ``fail`` case: at least one finding of the policy fails, and nothing errors;
- an optional ``expect.yml`` may say ``status: error`` (the case must make the run error), ``message_contains:``
  (searched in the evidence of the expected findings), and ``subjects: {name: status}`` (the exact status of
  each named subject's finding of the policy).

A policy test can never pass vacuously: a case whose policy selects nothing fails, a folder that asserts no
outcome (not ``pass``/``fail``) or names no loaded policy is an error, and an empty cases folder is an error.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aima_gate.config.policy_packs import LoadedPolicies
from aima_gate.core.clock import Clock
from aima_gate.core.errors import AimaGateError, ConfigError
from aima_gate.core.model import Finding, Status

OUTCOMES = ("pass", "fail")
STATUSES = {s.value for s in Status}


@dataclass(frozen=True)
class CaseResult:
    policy_id: str
    case: str
    """The case folder, relative to the cases folder (``<policy-id>/<outcome>/<name>``)."""
    ok: bool
    problems: tuple[str, ...] = ()
    error: bool = False
    """True when the case could not be evaluated (bad layout, unreadable expect.yml, unknown policy)."""


def _expectations(case: Path) -> Mapping[str, Any]:
    from aima_gate.safeio.loaders import decode_text, load_yaml

    file = case / "expect.yml"
    if not file.is_file():
        return {}
    data, _lines = load_yaml(decode_text(file.read_bytes(), str(file)), str(file))
    if not isinstance(data, dict) or not set(data) <= {"status", "message_contains", "subjects"}:
        raise ConfigError("expect.yml takes a mapping with status, message_contains and subjects", file=str(file))
    statuses = [data.get("status", "fail"), *(data.get("subjects") or {}).values()]
    bad = [s for s in statuses if s not in STATUSES]
    if bad or not isinstance(data.get("subjects") or {}, dict):
        raise ConfigError(f"expect.yml: unknown status {bad[0] if bad else '?'!r} (one of {sorted(STATUSES)})",
                          file=str(file))
    return data


def _judge(policy_id: str, outcome: str, findings: tuple[Finding, ...], expect: Mapping[str, Any]) -> list[str]:
    mine = [f for f in findings if f.policy_id == policy_id]
    errors = [f for f in findings if f.status is Status.ERROR]
    problems: list[str] = []
    if not mine:
        return [f"policy {policy_id} selected nothing in this case (a test that checks nothing never passes)"]
    want = Status(expect.get("status", outcome))
    if outcome == "pass" and "status" not in expect:
        if any(f.status not in (Status.PASS, Status.NOT_APPLICABLE) for f in findings):
            problems.append("expected every finding to pass")
        if not any(f.status is Status.PASS for f in mine):
            problems.append(f"expected at least one passing finding of {policy_id}")
    elif want is Status.ERROR:
        if not errors:
            problems.append("expected the run to error")
    else:
        if not any(f.status is want for f in mine):
            problems.append(f"expected a {want.value} finding of {policy_id}")
        if errors:
            problems.append("the run errored")
    for name, status in (expect.get("subjects") or {}).items():
        got = sorted({f.status.value for f in mine if f.subject.name == name})
        if got != [status]:
            problems.append(f"subject {name}: expected {status}, got {', '.join(got) or 'no finding'}")
    if "message_contains" in expect:
        hits = [f for f in (errors if want is Status.ERROR else mine) if f.status is want]
        messages = " | ".join(e.message for f in hits for e in f.evidence)
        if str(expect["message_contains"]) not in messages:
            problems.append(f"no {want.value} evidence mentions {expect['message_contains']!r}")
    if problems:
        problems.append("found: " + "; ".join(f"{f.status.value} {f.subject.name}" for f in mine))
    return problems


def case_folders(cases: Path) -> Iterator[tuple[str, str, Path]]:
    for policy_dir in sorted(p for p in cases.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for outcome_dir in sorted(p for p in policy_dir.iterdir() if p.is_dir()):
            for case in sorted(p for p in outcome_dir.iterdir() if p.is_dir()):
                yield policy_dir.name, outcome_dir.name, case


def run_case(policies: LoadedPolicies, policy_id: str, outcome: str, case: Path, cases: Path,
             clock: Clock) -> CaseResult:
    from aima_gate.pipeline.runner import RunOptions, run_check

    name = case.relative_to(cases).as_posix()
    if outcome not in OUTCOMES:
        return CaseResult(policy_id, name, False, (f"folder {outcome!r} asserts no outcome: use pass/ or fail/",),
                          error=True)
    if policy_id not in {p.id for p in policies.policies}:
        return CaseResult(policy_id, name, False, (f"no loaded policy has the id {policy_id!r}",), error=True)
    try:
        expect = _expectations(case)
        report = run_check(RunOptions(root=case, clock=clock, only_policies=frozenset({policy_id}),
                                      policies=policies))
    except AimaGateError as exc:
        return CaseResult(policy_id, name, False, (exc.render(),), error=True)
    problems = _judge(policy_id, outcome, report.findings, expect)
    return CaseResult(policy_id, name, not problems, tuple(problems))


def run_policy_tests(policies: LoadedPolicies, cases: Path, clock: Clock, *,
                     require_tests: frozenset[str] = frozenset()) -> list[CaseResult]:
    """Every case under ``cases``, then one error result per policy in ``require_tests`` lacking a pass or a
    fail case."""
    if not cases.is_dir():
        raise ConfigError("the policy test folder does not exist", file=str(cases))
    results = [run_case(policies, pid, outcome, case, cases, clock) for pid, outcome, case in case_folders(cases)]
    if not results:
        raise ConfigError("the policy test folder holds no cases (<policy-id>/pass|fail/<case>/)", file=str(cases))
    have = {(r.policy_id, r.case.split("/")[1]) for r in results}
    for pid in sorted(require_tests):
        missing = [o for o in OUTCOMES if (pid, o) not in have]
        if missing:
            results.append(CaseResult(pid, f"{pid}/{'+'.join(missing)}", False,
                                      (f"policy {pid} has no {' and no '.join(missing)} case (--require-tests)",),
                                      error=True))
    return results


def results_text(results: list[CaseResult]) -> str:
    lines = []
    for r in results:
        mark = "PASS " if r.ok else ("ERROR" if r.error else "FAIL ")
        lines.append(f"{mark} {r.case}")
        lines += [f"        {p}" for p in r.problems]
    failed = sum(not r.ok and not r.error for r in results)
    errors = sum(r.error for r in results)
    lines.append(f"{len(results)} cases: {len(results) - failed - errors} passed, {failed} failed, {errors} errors")
    return "\n".join(lines) + "\n"


def results_junit(results: list[CaseResult]) -> str:
    from xml.sax.saxutils import escape, quoteattr

    failed = sum(not r.ok and not r.error for r in results)
    errors = sum(r.error for r in results)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuites name="aima-gate test" tests="{len(results)}" failures="{failed}" errors="{errors}">',
           f'  <testsuite name="policy tests" tests="{len(results)}" failures="{failed}" errors="{errors}">']
    for r in results:
        out.append(f"    <testcase classname={quoteattr(r.policy_id)} name={quoteattr(r.case)}>")
        if not r.ok:
            tag = "error" if r.error else "failure"
            text = "\n".join(r.problems)
            out.append(f"      <{tag} message={quoteattr(r.problems[0] if r.problems else tag)}>"
                       f"{escape(text)}</{tag}>")
        out.append("    </testcase>")
    out += ["  </testsuite>", "</testsuites>"]
    return "\n".join(out) + "\n"
