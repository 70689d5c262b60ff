"""``sast_report`` and ``sast_issue``: bandit JSON reports (``bandit -r src -f json -o bandit.json``).

A report is one ``sast_report`` subject (named by its path); each issue in it is also a ``sast_issue`` subject
whose file and line are the *source* line bandit flagged (resolved inside the repository: relative to the
repository root, else to ``artifacts.sast_report.source_root``, else to the report's folder), so evidence
points at the code, not at the report. An issue whose source file is not in the repository is an error
(exit 2): evidence that cannot be checked is not evidence. Both kinds are produced by the ``sast_report``
collector; ``sast_issue`` is reached through joins from ``sast_report`` policies.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from typing import Any, ClassVar

from aima_gate.collectors import CollectContext, Collector, Result
from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import Artifact, LineIndex

_LEVELS = {"UNDEFINED": "undefined", "LOW": "low", "MEDIUM": "medium", "HIGH": "high"}
_VERSION = re.compile(r"bandit\.readthedocs\.io/en/(\d[^/]*)/")


def is_bandit(doc: Any) -> bool:
    return (isinstance(doc, dict) and isinstance(doc.get("results"), list) and isinstance(doc.get("metrics"), dict)
            and "_totals" in doc["metrics"] and "generated_at" in doc)


def _source(ctx: CollectContext, report: str, filename: str, line: int) -> str:
    name = filename.replace("\\", "/")
    while name.startswith("./"):
        name = name[2:]
    roots = [""]
    if ctx.options.get("source_root"):
        roots.append(str(ctx.options["source_root"]).strip("/"))
    roots.append(posixpath.dirname(report))
    if not name.startswith("/"):
        for root in roots:
            candidate = posixpath.normpath(posixpath.join(root, name))
            if not candidate.startswith("../") and ctx.repo.exists(candidate):
                return candidate
    raise ArtifactError(f"bandit reports an issue in {filename}, which is not a file in the repository", file=report,
                        line=line, hint="run bandit from the repository root (`bandit -r src -f json -o ...`) or set "
                                        "artifacts.sast_report.source_root to the folder bandit ran in")


class SastReportCollector(Collector):
    kind: ClassVar[str] = "sast_report"
    default_paths: ClassVar[tuple[str, ...]] = ("**/*bandit*.json", "security/sast/**/*.json")
    description: ClassVar[str] = "Static analysis (SAST) reports: bandit JSON"

    def parse(self, ctx: CollectContext, file: str) -> Iterable[Result]:
        from aima_gate.collectors.scans.documents import parse_text

        doc = parse_text(ctx.repo.read_text(file), file)
        report = doc.value
        if not is_bandit(report):
            from aima_gate.collectors.scans import describe

            raise ArtifactError(f"not a bandit JSON report ({describe(report)})", file=file, line=1,
                                hint="generate it with `bandit -r <src> -f json -o <file>`")
        issues: list[dict[str, Any]] = []
        subjects: list[Artifact] = []
        version = None
        for i, res in enumerate(report["results"]):
            ptr = f"/results/{i}"
            line = doc.lines.line_of(ptr) or 1
            if not (isinstance(res, dict) and isinstance(res.get("filename"), str)
                    and isinstance(res.get("line_number"), int) and isinstance(res.get("test_id"), str)):
                raise ArtifactError("bandit result without filename, line_number or test_id", file=file, line=line)
            source = _source(ctx, file, res["filename"], line)
            cwe = res.get("issue_cwe")
            match = _VERSION.search(str(res.get("more_info", "")))
            version = version or (match.group(1) if match else None)
            issue = {
                "test_id": res["test_id"], "test_name": res.get("test_name"),
                "severity": _LEVELS.get(str(res.get("issue_severity", "")).upper(), "undefined"),
                "confidence": _LEVELS.get(str(res.get("issue_confidence", "")).upper(), "undefined"),
                "cwe": f"CWE-{cwe['id']}" if isinstance(cwe, dict) and cwe.get("id") else None,
                "file": source, "line": res["line_number"], "text": str(res.get("issue_text", ""))[:500],
                "report_file": file, "report_line": line,
            }
            issues.append(issue)
            subjects.append(Artifact(kind="sast_issue", name=f"{issue['test_id']}@{source}:{issue['line']}",
                                     file=source, data=issue, line=issue["line"]))
        counts = {level: sum(1 for i in issues if i["severity"] == level) for level in ("high", "medium", "low")}
        data = {"tool": "bandit", "tool_version": version, "generated_at": report.get("generated_at"),
                "report_file": file, "issue_count": len(issues), "severity_counts": counts,
                "errors": report.get("errors") or [], "noise": doc.noise,
                "issues": [{k: v for k, v in i.items() if k != "report_file"} for i in issues]}
        lines = {f"/issues/{n}": issue["report_line"] for n, issue in enumerate(issues)}
        yield Artifact(kind=self.kind, name=file, file=file, data=data, line=1, lines=LineIndex(lines))
        yield from subjects


class SastIssueCollector(Collector):
    """Placeholder so ``sast_issue`` is a known kind: its subjects come from :class:`SastReportCollector`."""

    kind: ClassVar[str] = "sast_issue"
    default_paths: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = "One issue of a SAST report, located at the flagged source line"

    def parse(self, ctx: CollectContext, file: str) -> Iterable[Result]:
        return ()
