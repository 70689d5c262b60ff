"""Data-driven pass/fail cases for every built-in policy.

Layout: ``tests/policies/cases/<policy-id>/{pass,fail}/<case>/`` is a small repository (with an optional
``.aima-gate.yml``). Each case is evaluated with only that policy selected, as of tests.conftest.TODAY.
- a ``pass`` case: no finding of the policy fails or errors, and at least one passes;
- a ``fail`` case: at least one finding of the policy fails; other findings of the run may not error unless
  the case's ``expect.yml`` says ``status: error``.
An optional ``expect.yml`` may also give ``message_contains: "..."`` (searched in the failing evidence).
Every built-in policy must have at least one pass and one fail case.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from aima_gate.config.policy_packs import load_policies
from aima_gate.config.repo_config import Config
from aima_gate.core.clock import Clock
from aima_gate.core.model import Status
from aima_gate.pipeline.runner import RunOptions, run_check
from tests.conftest import TODAY

CASES = Path(__file__).parent / "cases"


@pytest.fixture(scope="session", autouse=True)
def _generated_case_data() -> None:
    """Run each policy folder's ``make_*.py`` (e.g. building an MLflow sqlite registry with the installed
    MLflow), so binary fixtures are never committed and always match the library version under test."""
    import runpy

    for script in sorted(CASES.glob("*/make_*.py")):
        runpy.run_path(str(script), run_name="__main__")


def _cases() -> list[tuple[str, str, Path]]:
    out = []
    for policy_dir in sorted(p for p in CASES.iterdir() if p.is_dir()):
        for outcome in ("pass", "fail"):
            for case in sorted(p for p in (policy_dir / outcome).glob("*") if p.is_dir()):
                out.append((policy_dir.name, outcome, case))
    return out


def test_every_builtin_policy_has_pass_and_fail_cases() -> None:
    ids = load_policies(Config(file=None), Path(".")).all_ids
    missing = [f"{pid}/{outcome}" for pid in ids for outcome in ("pass", "fail")
               if not any((CASES / pid / outcome).glob("*/"))]
    assert not missing, f"policies without case folders: {missing}"


@pytest.mark.parametrize(("policy_id", "outcome", "case"), _cases(),
                         ids=[f"{p}-{o}-{c.name}" for p, o, c in _cases()])
def test_policy_case(policy_id: str, outcome: str, case: Path) -> None:
    expect = yaml.safe_load((case / "expect.yml").read_text()) if (case / "expect.yml").exists() else {}
    report = run_check(RunOptions(root=case, clock=Clock.at(TODAY), only_policies=frozenset({policy_id})))
    mine = [f for f in report.findings if f.policy_id == policy_id]
    detail = "\n".join(f"{f.status.value} {f.subject.name}: {[e.message for e in f.evidence]}"
                       for f in report.findings)
    if outcome == "pass":
        assert mine, f"policy selected nothing:\n{detail}"
        assert all(f.status in (Status.PASS, Status.NOT_APPLICABLE) for f in report.findings), detail
        assert any(f.status is Status.PASS for f in mine), detail
        return
    want = Status(expect.get("status", "fail"))
    hits = [f for f in mine if f.status is want] if want is not Status.ERROR else \
        [f for f in report.findings if f.status is Status.ERROR]
    assert hits, f"expected a {want.value} finding of {policy_id}:\n{detail}"
    if want is not Status.ERROR:
        assert not [f for f in report.findings if f.status is Status.ERROR], detail
    if "message_contains" in expect:
        messages = " | ".join(e.message for f in hits for e in f.evidence)
        assert expect["message_contains"] in messages, messages
