"""A partial run decodes and evaluates only what its subjects can reach (changed.join_pool, evaluate's
only_subjects): for every file of every example, its findings are exactly the full run's findings on the same
subjects, with and without the artifact cache."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from aima_gate.core.clock import Clock
from aima_gate.core.model import INPUT_ERROR, UNUSED_WAIVER
from aima_gate.pipeline.runner import RunOptions, run_check
from tests.conftest import EXAMPLES, TODAY


def findings(root: Path, changed: frozenset[str] | None, cache: Path | None) -> list[str]:
    report = run_check(RunOptions(root=root, clock=Clock.at(TODAY), changed_files=changed, cache_dir=cache))
    return [
        json.dumps({fl.name: getattr(f, fl.name) for fl in dataclasses.fields(f)}, default=str, sort_keys=True)
        for f in report.findings
        if f.policy_id not in (INPUT_ERROR, UNUSED_WAIVER)
    ]


@pytest.mark.parametrize("name", ["credit-scoring", "llm-assistant"])
def test_every_file_changed_alone_matches_the_full_run(name: str, tmp_path: Path) -> None:
    root = EXAMPLES / name
    full = findings(root, None, None)
    for file in sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()):
        for cache in (None, tmp_path):
            partial = findings(root, frozenset({file}), cache)
            subjects = {json.loads(f)["subject"] for f in partial}
            assert partial == [f for f in full if json.loads(f)["subject"] in subjects], file
