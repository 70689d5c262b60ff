"""Cross-check against the established denylist scanners: every file picklescan or modelscan flags, the gate
flags too (fails it, or refuses to pass it). Test-only: aima-gate never imports either tool."""

from __future__ import annotations

from pathlib import Path

import pytest

from aima_gate.core.errors import ArtifactError
from aima_gate.integrity.model_files import inspect_model_file
from aima_gate.safeio.repo import Repo
from tests.integrity.adversarial_models import PAYLOADS
from tests.integrity.benign_models import writers
from tests.integrity.test_adversarial import require


def _picklescan_flags(path: Path) -> bool:
    from picklescan.scanner import scan_file_path

    try:
        return scan_file_path(str(path)).infected_files > 0  # type: ignore[no-any-return]
    except Exception:
        return False


def _modelscan_flags(path: Path) -> bool:
    from modelscan.modelscan import ModelScan

    try:
        return ModelScan().scan(str(path))["summary"]["total_issues"] > 0  # type: ignore[no-any-return]
    except Exception:
        return False


def _gate_flags(root: Path, rel: str, referenced: bool) -> bool:
    try:
        return bool(inspect_model_file(Repo(root), rel, referenced=referenced)["unsafe_imports"])
    except ArtifactError:
        return True  # exit 2: not a pass either


@pytest.mark.slow
def test_whatever_picklescan_or_modelscan_flags_the_gate_flags(tmp_path: Path) -> None:
    require("picklescan")
    require("modelscan")
    files: list[tuple[str, bool]] = []
    for p in PAYLOADS:
        (tmp_path / p.filename).write_bytes(p.build())
        files.append((p.filename, p.referenced))
    for rel, write in list(writers(tmp_path))[::7]:  # a sample of the benign corpus: flagged there = false alarm
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        write(tmp_path / rel)
        files.append((rel, False))
    missed = []
    flagged_by_others = 0
    for rel, referenced in files:
        others = _picklescan_flags(tmp_path / rel) or _modelscan_flags(tmp_path / rel)
        flagged_by_others += others
        if others and not _gate_flags(tmp_path, rel, referenced):
            missed.append(rel)
    assert flagged_by_others >= 20  # the comparison means something
    assert missed == []
