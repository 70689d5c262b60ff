"""After evaluation the runner lets the artifacts go before it sorts and summarises the findings (issue 16: the
parsed documents and line maps of 50,000 artifacts would otherwise stay beside every finding until the report is
returned); what the reports need from them (inventory, pickle allowlist, attestations) is taken first."""

from __future__ import annotations

import gc
from typing import Any

import pytest

import aima_gate.aima.maturity as maturity
from aima_gate.core.clock import Clock
from aima_gate.core.model import Artifact
from aima_gate.pipeline.runner import RunOptions, run_check
from tests.conftest import EXAMPLES, TODAY


def test_artifacts_are_released_before_the_findings_are_summarised(monkeypatch: pytest.MonkeyPatch) -> None:
    compute = maturity.compute
    alive: list[int] = []
    gc.collect()
    before = [o for o in gc.get_objects() if type(o) is Artifact]  # kept by earlier tests, if any

    def spy(policies: Any, findings: Any, attestations: Any, today: Any) -> Any:
        gc.collect()
        kept = {id(a) for a in (*attestations, *before)}
        alive.append(sum(1 for o in gc.get_objects() if type(o) is Artifact and id(o) not in kept))
        return compute(policies, findings, attestations, today)

    monkeypatch.setattr(maturity, "compute", spy)
    report = run_check(RunOptions(root=EXAMPLES / "credit-scoring", clock=Clock.at(TODAY)))
    assert alive == [0]
    assert report.findings and "maturity" in report.extra
