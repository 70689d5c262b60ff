"""One scan report as read (or one scanner run as captured): the unit the scan collectors share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aima_gate.collectors.scans import ScanReport
from aima_gate.core.errors import AimaGateError
from aima_gate.core.model import LineIndex


@dataclass
class Parsed:
    file: str
    name: str
    report: ScanReport | None = None
    lines: LineIndex = field(default_factory=lambda: LineIndex({}))
    noise: Any = None
    streamed: bool = False
    source: str = "file"
    scanner: dict[str, Any] | None = None
    error: AimaGateError | None = None
    reported: bool = False
