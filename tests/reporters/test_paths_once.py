"""Reporters that write a path per finding ask the file system once per file and resolve the path prefix once
per render (as SARIF does): both are system calls, and a 1,000-model run anchors tens of thousands of findings
in a few thousand files. Their output is held byte-identical by the golden tests (tests/reporters)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aima_gate.core.model import Evidence, Finding, Severity, Status, Subject
from aima_gate.core.report import Report
from aima_gate.reporters import _common, _html_sections, github, gitlab, html, junit

RENDERS: dict[str, Callable[[Report], str]] = {"github": github.render, "gitlab": gitlab.render,
                                                "junit": junit.render, "html": html.render}


def _report(root: Path) -> Report:
    for name in ("a.yml", "b.yml"):
        (root / name).write_text("x: 1\n")
    findings = []
    for i in range(60):
        status = (Status.FAIL, Status.ERROR, Status.WAIVED)[i % 3]
        waiver = {"file": ".aima-gate.yml", "line": "3", "owner": "o", "expires": "2027-01-01", "reason": "r"}
        ev = (Evidence(("a.yml", "b.yml", "gone.yml")[i % 3], i % 5, "/x", 1, "2", "m"),)
        findings.append(Finding(f"p.{i % 4}", "t", status, Severity.HIGH, Subject("model", f"m{i}", "b.yml"), None,
                                ev, "fix", {}, waiver if status is Status.WAIVED else None))
    return Report("1", "d", Severity.LOW, tuple(findings), root=str(root))


@pytest.mark.parametrize("fmt", sorted(RENDERS))
def test_each_file_is_asked_about_once_and_the_prefix_resolved_once(fmt: str, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    report = _report(tmp_path)
    asked: Counter[str] = Counter()
    prefixes: list[Any] = []
    real_exists, real_prefix = _common._exists, _common.path_prefix

    def exists(rep: Report, file: str) -> bool:
        asked[file] += 1
        return real_exists(rep, file)

    def prefix(rep: Report) -> str:
        prefixes.append(rep)
        return real_prefix(rep)

    monkeypatch.setattr(_common, "_exists", exists)
    for module in (_common, _html_sections, github, gitlab, html, junit):
        if hasattr(module, "path_prefix"):
            monkeypatch.setattr(module, "path_prefix", prefix)
    RENDERS[fmt](report)
    assert max(asked.values(), default=1) == 1 and (asked or fmt == "html")  # html anchors nothing
    # html resolves it once for its findings table and once for its waiver section
    assert len(prefixes) == (2 if fmt == "html" else 1)
