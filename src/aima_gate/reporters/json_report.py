"""JSON report (schemas/report.schema.json). Byte-identical for identical inputs: sorted keys, no timestamps."""

from __future__ import annotations

import json
from typing import Any

from aima_gate.model import Finding
from aima_gate.report import Report

SCHEMA_VERSION = "1"


def finding_dict(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "policy_id": f.policy_id,
        "title": f.title,
        "status": f.status.value,
        "severity": f.severity.value,
        "subject": {"kind": f.subject.kind, "name": f.subject.name, "file": f.subject.file},
        "aima": None if f.aima is None else {
            "domain": f.aima.domain, "practice": f.aima.practice, "stream": f.aima.stream, "level": f.aima.level},
        "mappings": {k: list(v) for k, v in sorted(f.mappings.items())},
        "evidence": [
            {"file": e.file, "line": e.line, "pointer": e.pointer, "actual": e.actual, "expected": e.expected,
             "message": e.message}
            for e in f.evidence
        ],
        "remediation": f.remediation,
        "fingerprint": f.identity,
    }
    if f.waiver is not None:
        out["waiver"] = dict(f.waiver)
    return out


def report_dict(report: Report) -> dict[str, Any]:
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "aima-gate", "version": report.tool_version},
        "policy_pack_digest": report.policy_pack_digest,
        "fail_on": report.fail_on.value,
        "verdict": report.verdict,
        "exit_code": int(report.exit_code),
        "summary": report.summary,
        "findings": [finding_dict(f) for f in report.findings],
    }
    for key, value in sorted(report.extra.items()):
        out[key] = value
    return out


def render(report: Report) -> str:
    """Top level indented for people; one finding per line, so large reports use the C encoder and stay diffable."""
    data = report_dict(report)
    parts = []
    for key in sorted(data):
        if key == "findings":
            lines = [_dumps(f, compact=True) for f in data[key]]
            text = "[\n    " + ",\n    ".join(lines) + "\n  ]" if lines else "[]"
        else:
            text = _dumps(data[key]).replace("\n", "\n  ")
        parts.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def _dumps(value: Any, compact: bool = False) -> str:
    if compact:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
