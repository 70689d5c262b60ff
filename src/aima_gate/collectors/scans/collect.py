"""Shared, per-run state of the scan collectors: each report is read once, each scanner runs once.

``dependency_scan`` (one subject per report or scanner run) and ``vulnerability`` (one subject per package and
advisory, merged across every report) both read through :func:`state`, keyed by the run's :class:`Repo`, so
the two kinds agree and every unreadable report is reported once, by whichever collector reads it first.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aima_gate.collectors import CollectContext
from aima_gate.collectors.scans import Document, ScanReport, normalize
from aima_gate.collectors.scans.manifests import DEFAULT_REQUIREMENTS, Declared, read_declared
from aima_gate.collectors.scans.parsed import Parsed
from aima_gate.core.errors import AimaGateError
from aima_gate.safeio.repo import Repo

DEFAULT_SCAN_PATHS = (
    "**/*safety*.json", "**/*pip-audit*.json", "**/*pip_audit*.json", "**/*trivy*.json", "**/*osv*.json",
    "**/*dependency-check*.json", "**/*dependency_check*.json", "security/scans/**/*.json",
)


@dataclass
class State:
    files: dict[str, Parsed] = field(default_factory=dict)
    runs: list[Parsed] | None = None
    declared: Declared | None = None
    declared_error: AimaGateError | None = None
    declared_reported: bool = False


_STATES: weakref.WeakKeyDictionary[Repo, State] = weakref.WeakKeyDictionary()


def state(repo: Repo) -> State:
    if repo not in _STATES:
        _STATES[repo] = State()
    return _STATES[repo]


def scan_options(ctx: CollectContext) -> dict[str, Any]:
    artifacts = ctx.settings.get("artifacts") or {}
    section = artifacts.get("dependency_scan") or {}
    return dict(section)


def declared(ctx: CollectContext) -> Declared:
    st = state(ctx.repo)
    if st.declared is None and st.declared_error is None:
        try:
            from aima_gate.collectors.scans.dev_scope import DevDeclaration

            options = scan_options(ctx)
            st.declared = read_declared(ctx.repo, options.get("requirements") or DEFAULT_REQUIREMENTS,
                                        DevDeclaration.from_options(options))
        except AimaGateError as exc:
            st.declared_error = exc
    if st.declared_error is not None:
        raise st.declared_error
    assert st.declared is not None
    return st.declared


def parse_file(ctx: CollectContext, file: str) -> Parsed:
    from aima_gate.collectors.scans.documents import DEFAULT_MAX_REPORT_BYTES, read_document

    st = state(ctx.repo)
    if file not in st.files:
        parsed = Parsed(file=file, name=file)
        try:
            limit = int(scan_options(ctx).get("max_report_bytes", DEFAULT_MAX_REPORT_BYTES))
            doc: Document = read_document(ctx.repo, file, limit)
            parsed.report = normalize(doc, file)
            parsed.lines, parsed.noise, parsed.streamed = doc.lines, doc.noise, doc.streamed
            _date_from_git(ctx, parsed.report, file)
        except AimaGateError as exc:
            parsed.error = exc
        st.files[file] = parsed
    return st.files[file]


def _date_from_git(ctx: CollectContext, report: ScanReport, file: str) -> None:
    """A report that records no scan time is dated by its file's last commit, when its content is committed."""
    if report.scan_time is not None:
        report.scan_time_source = "report"
        return
    from aima_gate.collectors.scans.git_time import commit_time

    when = commit_time(ctx.repo.root, file, ctx.repo.path(file))
    if when is not None:
        report.scan_time, report.scan_time_source = when, "git-commit"


def scanner_runs(ctx: CollectContext) -> list[Parsed]:
    st = state(ctx.repo)
    if st.runs is None and not ctx.settings.get("scanners"):
        st.runs = []  # what run_all makes of no entries, without importing the runner (subprocess, tempfile)
    if st.runs is None:
        from aima_gate.collectors.scans.running import run_all

        st.runs = run_all(ctx)
    return st.runs


def all_scans(ctx: CollectContext) -> list[Parsed]:
    patterns = scan_options(ctx).get("paths") or DEFAULT_SCAN_PATHS
    return [parse_file(ctx, f) for f in ctx.repo.glob(list(patterns))] + scanner_runs(ctx)


def unreported_errors(parsed: list[Parsed]) -> Iterator[AimaGateError]:
    for p in parsed:
        if p.error is not None and not p.reported:
            p.reported = True
            yield p.error


def declared_or_error(ctx: CollectContext) -> tuple[Declared | None, AimaGateError | None]:
    st = state(ctx.repo)
    try:
        return declared(ctx), None
    except AimaGateError as exc:
        if st.declared_reported:
            return None, None
        st.declared_reported = True
        return None, exc

