"""Fixtures shared by the pipeline tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Files parsed by a collector (not read back from the cache) during the test."""
    from aima_gate import collectors

    seen: list[str] = []
    real = collectors.parse_file

    def spy(collector: collectors.Collector, ctx: collectors.CollectContext, file: str) -> list[collectors.Result]:
        seen.append(file)
        return real(collector, ctx, file)

    monkeypatch.setattr("aima_gate.pipeline.runner.parse_file", spy)
    monkeypatch.setenv("AIMA_GATE_JOBS", "1")  # parse in this process, where the spy sees it
    yield seen
