"""Helpers for scan tests: build a small repository around scan reports and run the gate on it."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.conftest import DATA, check_json

SCANS = DATA / "scans"
POLICIES = ("vulnerability.none-at-or-above-severity", "dependency_scan.fresh", "dependency_scan.covers-requirements")


def repo_with(tmp: Path, reports: Mapping[str, Path | str], extra: dict[str, str] | None = None) -> Path:
    """A repository holding ``reports`` (repo path -> sample file or text) and ``extra`` text files."""
    for rel, source in reports.items():
        target = tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, Path):
            shutil.copyfile(source, target)
        else:
            target.write_text(source, encoding="utf-8")
    for rel, text in (extra or {}).items():
        target = tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return tmp


def run(root: Path, *policies: str, extra: tuple[str, ...] = ()) -> tuple[int, dict[str, Any]]:
    args: list[str] = list(extra)
    for policy in policies or POLICIES:
        args += ["--policy", policy]
    return check_json(root, *args)


def findings(report: dict[str, Any], policy: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["policy_id"] == policy]


def errors(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["status"] == "error"]
