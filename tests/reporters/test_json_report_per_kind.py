"""The JSON report (reporters/json_report.py) picks listed findings and passes by status id, groups passes by
runs of a policy, and caches each policy kind's head (status included) and encodes subjects inline; held equal
here, on random reports in both ``--findings`` scopes, to plain ``json.dumps`` of ``finding_dict`` and of
``passes_summary`` with the findings filtered one by one (the reference below, as the reporter was first written)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.core.model import AimaRef, Evidence, Finding, Severity, Status, Subject
from aima_gate.core.report import Report
from aima_gate.reporters import json_report
from aima_gate.reporters.json_report import finding_dict, passes_summary, report_dict

_AIMA = AimaRef("governance", "strategy-and-metrics", "A", 1)
_MAPPINGS = {"nist_ai_rmf": ("GOVERN 1.1",)}
_TEXT = st.sampled_from(["m", 'q"uote', "back\\slash", "tab\tnew\nline", "é 模型", "\ud800lone", "</script>", ""])


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))


def _reference(report: Report, scope: str) -> str:
    data = report_dict(report, findings=False, scope=scope)
    data["findings"] = [finding_dict(f) for f in report.findings if scope == "all" or f.status is not Status.PASS]
    parts = []
    for key in sorted(data):
        if key == "findings":
            lines = [_compact(d) for d in data[key]]
            text = "[\n    " + ",\n    ".join(lines) + "\n  ]" if lines else "[]"
        elif key == "passes":
            passes = passes_summary(report)
            entries = [_compact(e) for e in passes["by_policy"]]
            array = "[\n      " + ",\n      ".join(entries) + "\n    ]" if entries else "[]"
            text = '{\n    "by_policy": ' + array + f',\n    "count": {int(passes["count"])}\n  }}'
        else:
            text = json.dumps(data[key], indent=2, sort_keys=True, ensure_ascii=False, default=str)
            text = text.replace("\n", "\n  ")
        parts.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


_finding = st.builds(
    lambda pid, status, severity, copy, name, file, evidence, waiver: Finding(
        pid, f"title {pid}", status, severity, Subject("model", name, file),
        dataclasses.replace(_AIMA) if copy else (None if pid == "aima-gate.x" else _AIMA), tuple(evidence),
        "fix it", dict(_MAPPINGS) if copy else _MAPPINGS, waiver),
    st.sampled_from(["p.a", "p.b", "aima-gate.x"]), st.sampled_from(list(Status)), st.sampled_from(list(Severity)),
    st.booleans(), _TEXT, _TEXT,
    st.lists(st.builds(Evidence, _TEXT, st.integers(0, 3), st.just("/a/0"),
                       st.one_of(st.none(), _TEXT, st.integers(), st.lists(st.integers(), max_size=2)), _TEXT, _TEXT),
             max_size=2),
    st.sampled_from([None, {"owner": "o", "expires": "2027-01-01", "reason": 'r"'}]))


@settings(max_examples=300, deadline=None)
@given(st.lists(_finding, max_size=25), st.booleans(), st.sampled_from(["summary", "all"]))
def test_render_equals_json_dumps_of_the_dicts(findings: list[Finding], in_order: bool, scope: str) -> None:
    if in_order:
        findings.sort(key=lambda f: (f.policy_id, f.subject.file, f.subject.kind, f.subject.name))
    report = Report("1.0", "sha256:x", Severity.LOW, tuple(findings))
    assert "".join(json_report.iter_render(report, findings=scope)) == _reference(report, scope)
