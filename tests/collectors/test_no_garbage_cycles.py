"""Parsing runs with the cyclic garbage collector paused (core/parallel.no_gc: parsing builds no garbage cycles),
and a one-shot run freezes what a large step leaves, so a parse that makes a reference cycle keeps what the cycle
reaches alive until the run ends. Parsing must leave none: a model card's word counter that called itself by name
once kept every card's sections alive (21 MB more at 12,500 models), and the YAML alias measure did the same with
its memo for every document holding a ``*``."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from aima_gate.collectors.model_card_markdown import parse_markdown_card
from aima_gate.core.errors import AimaGateError
from tests.conftest import REPO_ROOT


def _cards() -> list[str]:
    """Real cards (tests/data/hf-model-card) and the examples' Markdown that parses as a card (a parse error is an
    exception, whose traceback is a cycle by design; errors are not what this test is about)."""
    files = sorted((REPO_ROOT / "tests" / "data" / "hf-model-card").rglob("*.md"))
    files += sorted((REPO_ROOT / "examples").rglob("*.md"))
    texts = [Path(f).read_text(encoding="utf-8") for f in files]
    out = []
    for text in texts:
        try:
            parse_markdown_card(text, "README.md", 10)
        except AimaGateError:
            continue
        out.append(text)
    return out


def test_a_card_parse_leaves_no_garbage_cycle() -> None:
    cards = _cards()
    assert len(cards) >= 8
    gc.collect()
    gc.disable()
    try:
        for text in cards:
            parse_markdown_card(text, "README.md", 10)
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_collecting_a_repository_leaves_no_garbage_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every kind the benchmark repository holds (registry files, cards, fairness and explainability reports),
    collected as a run collects them, in this process."""
    from aima_gate.config.policy_packs import load_policies
    from aima_gate.core.clock import Clock
    from aima_gate.pipeline.runner import _needed_kinds, collect, load_config
    from aima_gate.safeio.repo import Repo
    from tests.conftest import TODAY, bench_repo

    monkeypatch.setenv("AIMA_GATE_JOBS", "1")
    root = bench_repo(tmp_path / "repo", 12)
    (root / ".aima-gate.yml").write_text("version: 1\n", encoding="utf-8")
    config = load_config(root, None, None)
    kinds = _needed_kinds(load_policies(config, root))
    collect(Repo(root), config, kinds, Clock.at(TODAY), {})  # one-time set-up (imports, compiled validators)
    gc.collect()
    gc.disable()
    try:
        artifacts, errors = collect(Repo(root), config, kinds, Clock.at(TODAY), {})
        assert len(artifacts) >= 48 and not errors
        assert gc.collect() == 0
    finally:
        gc.enable()
