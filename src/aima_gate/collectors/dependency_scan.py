"""``dependency_scan``: dependency-vulnerability scan reports (safety, pip-audit, Trivy, osv-scanner,
OWASP Dependency-Check) found in the repository, plus scanners the config asks aima-gate to run (``scanners:``).

One subject per report, named by its path (``<tool>:<requirements>`` for scanner runs). The tool is detected
from the content (adapters in ``collectors/scans/``); the normalized shape is schemas/dependency-scan.schema.json.
Each subject also carries what the repository declares (requirement and lock files), so coverage and
staleness against those files can be checked by policies.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from aima_gate.collectors import CollectContext, Collector, Result
from aima_gate.collectors.scans.collect import (
    DEFAULT_SCAN_PATHS,
    declared_or_error,
    parse_file,
    scanner_runs,
    unreported_errors,
)
from aima_gate.collectors.scans.parsed import Parsed


class DependencyScanCollector(Collector):
    kind: ClassVar[str] = "dependency_scan"
    default_paths: ClassVar[tuple[str, ...]] = DEFAULT_SCAN_PATHS
    description: ClassVar[str] = (
        "Dependency vulnerability scan reports (safety, pip-audit, Trivy, OSV, Dependency-Check)")

    def parse(self, ctx: CollectContext, file: str) -> Iterable[Result]:
        return self._emit(ctx, [parse_file(ctx, file)])

    def collect_external(self, ctx: CollectContext) -> Iterable[Result]:
        return self._emit(ctx, scanner_runs(ctx))

    def _emit(self, ctx: CollectContext, scans: list[Parsed]) -> Iterable[Result]:
        from aima_gate.collectors.scans.artifacts import scan_artifact

        yield from unreported_errors(scans)
        good = [p for p in scans if p.report is not None]
        if not good:
            return
        declared, error = declared_or_error(ctx)
        if error is not None:
            yield error
        for parsed in good:
            yield scan_artifact(parsed, declared)
