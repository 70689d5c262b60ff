"""The JSON reporter's fast path for findings writes exactly what json.dumps of ``finding_dict`` writes.

The reporter serializes the fields a policy shares across its findings once per policy and strings through the
C encoder (reporters/json_report.py); these tests hold it byte for byte to the plain ``json.dumps`` rendering,
finding by finding and for whole reports: both examples, waived / expired / unused waivers, and odd values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from aima_gate.core.clock import Clock
from aima_gate.core.model import Evidence, Finding, Status, Subject
from aima_gate.core.report import Report
from aima_gate.pipeline.runner import RunOptions, run_check
from aima_gate.reporters import json_report
from aima_gate.reporters.json_report import finding_dict, render, report_dict
from tests.cli.test_exit_codes import mini_repo
from tests.conftest import EXAMPLES, TODAY, write


def plain(f: Finding) -> str:
    return json.dumps(finding_dict(f), sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))


def reference_render(report: Report) -> str:
    """The reporter as it was before the fast path: every finding through json.dumps."""
    data = report_dict(report)
    parts = []
    for key in sorted(data):
        if key == "findings":
            lines = [plain(f) for f in report.findings]
            text = "[\n    " + ",\n    ".join(lines) + "\n  ]" if lines else "[]"
        else:
            text = json.dumps(data[key], indent=2, sort_keys=True, ensure_ascii=False, default=str)
            text = text.replace("\n", "\n  ")
        parts.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def assert_identical(report: Report) -> None:
    fast = list(json_report._finding_lines(report.findings))
    assert len(fast) == len(report.findings)
    for f, line in zip(report.findings, fast, strict=True):
        assert line == plain(f), f.policy_id
    assert render(report, findings="all") == reference_render(report)


def waived_repo(root: Path) -> Path:
    """One active waiver, one expired waiver and one that matches nothing."""
    registry = "models:\n  - name: churn\n    version: '1.0.0'\n    model_card: ../model_cards/churn.md\n"
    mini_repo(root, registry=registry)
    write(root, ".aima-gate.yml", """\
version: 1
waivers:
  - policy: model.owner-and-risk-tier
    subject: churn@1.0.0
    reason: "Owner is being reassigned after the reorg — «ownership» in review"
    owner: ml-platform@example.com
    expires: "2027-01-31"
  - policy: model.training-data-lineage
    subject: churn@1.0.0
    reason: Lineage backfill was due last month
    owner: data-eng@example.com
    expires: "2026-10-01"
  - policy: model.bias-report-referenced
    subject: no-such-model
    reason: Left over from a deleted model
    owner: ml-platform@example.com
    expires: "2027-06-30"
""")
    return root


@pytest.mark.parametrize("example", ["credit-scoring", "llm-assistant"])
def test_examples_byte_identical(example: str) -> None:
    report = run_check(RunOptions(root=EXAMPLES / example, clock=Clock.at(TODAY)))
    assert report.findings
    assert_identical(report)


def test_waivers_byte_identical(tmp_path: Path) -> None:
    report = run_check(RunOptions(root=waived_repo(tmp_path), clock=Clock.at(TODAY)))
    statuses = {f.status for f in report.findings}
    assert Status.WAIVED in statuses and any(f.waiver and f.waiver.get("expired") for f in report.findings)
    assert any(f.policy_id == "aima-gate.unused-waiver" for f in report.findings)
    assert_identical(report)


ODD_VALUES: list[Any] = [
    1.5, float("nan"), float("inf"), -0.0, 10**30, True, False, None, "", "naïve “quotes” \u2028 \x00 \t \\ \"",
    {"b": [1, {"z": 1, "a": None}], "a": "x"}, [3, "two", 1.0], (1, 2), dt.date(2026, 11, 24), Status.FAIL,
    {1: "int key"}, "🙂",
]


def test_odd_values_byte_identical() -> None:
    base = run_check(RunOptions(root=EXAMPLES / "llm-assistant", clock=Clock.at(TODAY)))
    template = base.findings[0]
    findings = []
    for i, value in enumerate(ODD_VALUES):
        ev = Evidence(f"dir/ü{i}.yml", i, f"/models/{i}/ä", value, f"expected {value!r}", f"message {i} ✓")
        odd_line = value if isinstance(value, int) else None  # None: a line the type does not allow, on purpose
        odd_ev = Evidence(value if isinstance(value, str) else "f", odd_line, "", value, "", "")  # type: ignore[arg-type]
        findings.append(dataclasses.replace(template, evidence=(ev, odd_ev),
                                            subject=Subject("model", f"名前-{i}", f"r/{i}.yml")))
    findings.append(dataclasses.replace(template, evidence=()))
    findings.append(dataclasses.replace(template, mappings={"nist_ai_rmf": ("MAP 1.1", "GOVERN 1.2")}))
    findings.append(dataclasses.replace(template, mappings={"iso_42001": ("A.6.2.2",)}))  # same policy, new mappings
    findings.append(dataclasses.replace(template, mappings={}, remediation="Ümlaut \"fix\"", title="Other\ntitle"))
    findings.append(dataclasses.replace(template, status=Status.WAIVED,
                                        waiver={"reason": "r", "owner": "ö", "expires": "2027-01-01", "file": "c",
                                                "line": "3"}))
    findings.append(dataclasses.replace(template, aima=None))
    report = dataclasses.replace(base, findings=tuple(findings))
    assert_identical(report)
