"""GitLab Code Quality report (``artifacts:reports:codequality``): one JSON array, one object per failing or
erroring finding (passes and waived findings are not issues). Keys GitLab reads: ``description``,
``check_name``, ``fingerprint``, ``severity``, ``location.path``, ``location.lines.begin``.

``description`` starts with the policy id because GitLab does not display ``check_name``; ``fingerprint`` is the
finding key (no line numbers, so the MR widget tracks a finding when lines move). Severity mapping:
critical -> blocker, high -> critical, medium -> major, low -> minor, info -> info.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from aima_gate.core.model import Severity, Status
from aima_gate.core.report import Report
from aima_gate.integrity.import_report import KEY
from aima_gate.reporters._common import (
    SCOPE_RULE,
    anchor,
    display_path,
    file_check,
    is_reported,
    keyed,
    path_prefix,
    scope_notes,
)
from aima_gate.reporters._json_indent import dumps_indented

SEVERITY = {Severity.CRITICAL: "blocker", Severity.HIGH: "critical", Severity.MEDIUM: "major",
            Severity.LOW: "minor", Severity.INFO: "info"}


def issues(report: Report) -> list[dict[str, Any]]:
    return list(iter_issues(report))


def iter_issues(report: Report) -> Iterator[dict[str, Any]]:
    """The report's issues one at a time (tens of thousands on a large repository: never all held)."""
    exists = file_check(report)
    prefix = path_prefix(report)  # once: it resolves the working directory
    for finding, key in keyed(report):
        if not is_reported(finding):
            continue
        where = anchor(report, finding, exists)
        file, line = (where.file, where.line) if where else (finding.subject.file, 1)
        severity = "critical" if finding.status is Status.ERROR and finding.severity.rank < 3 \
            else SEVERITY[finding.severity]
        evidence = "; ".join(f"{e.message} ({display_path(report, e.file, prefix)}:{e.line})"
                             for e in finding.evidence)
        yield {
            "type": "issue",
            "check_name": finding.policy_id,
            "description": f"{finding.policy_id}: {finding.subject.name}: {evidence}",
            "content": {"body": f"{finding.title}. Fix: {finding.remediation}"},
            "categories": ["Security"],
            "fingerprint": key,
            "severity": severity,
            "location": {"path": display_path(report, file, prefix), "lines": {"begin": line}},
        }
    # Code Quality carries only issues, so each narrowing is an info issue at the setting's line (or the scanned
    # root for the command line): the MR widget then shows what the verdict does not cover.
    scope = report.extra.get("scope")
    narrowings = scope.get("narrowings", []) if isinstance(scope, dict) else []
    for n, note in zip(narrowings, scope_notes(report), strict=True):
        yield {
            "type": "issue",
            "check_name": SCOPE_RULE,
            "description": f"{SCOPE_RULE}: {note}",
            "content": {"body": "Part of the repository or policy set was not evaluated; the verdict does not "
                                "cover it. Remove the narrowing to evaluate everything."},
            "categories": ["Security"],
            "fingerprint": hashlib.sha256(f"{SCOPE_RULE}\0{note}".encode()).hexdigest(),
            "severity": "info",
            "location": {"path": display_path(report, n.get("file") or ".", prefix),
                         "lines": {"begin": n.get("line") or 1}},
        }
    yield from _import_issues(report, prefix)


def _import_issues(report: Report, prefix: str) -> list[dict[str, Any]]:
    """Repository-allowlisted pickle imports as info issues (unreviewed ones already fail a finding above)."""
    section = report.extra.get(KEY) or {}
    out = []
    for f in section.get("files", ()):
        if not f["allowlisted"]:
            continue
        detail = "; ".join(f["allowlisted_imports"])
        out.append({"type": "issue", "check_name": "aima-gate.model-file-allowlisted-imports",
                    "description": f"model file {f['file']}: {f['allowlisted']} pickle import(s) allowlisted by "
                                   f"the repository: {detail}",
                    "categories": ["Security"], "severity": "info",
                    "fingerprint": hashlib.sha256(f"allowlisted-imports:{f['file']}".encode()).hexdigest(),
                    "location": {"path": display_path(report, f["file"], prefix), "lines": {"begin": 1}}})
    return out


def render(report: Report) -> str:
    return "".join(iter_render(report))


def iter_render(report: Report) -> Iterator[str]:
    """``json.dumps(issues(report), indent=2, ensure_ascii=False) + "\\n"``, one issue at a time."""
    separator = "[\n  "
    for issue in iter_issues(report):
        yield separator + dumps_indented(issue, 1)
        separator = ",\n  "
    yield "[]\n" if separator == "[\n  " else "\n]\n"
