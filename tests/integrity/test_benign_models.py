"""Ordinary models built with the real libraries scan clean: no false alarm, no refusal (issue 12, class 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aima_gate.integrity.model_files import inspect_model_file
from aima_gate.safeio.repo import Repo
from tests.conftest import TODAY, run_cli
from tests.integrity.benign_models import booster_writers, writers
from tests.integrity.test_adversarial import require


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("benign")
    names = []
    for rel, write in writers(root):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        write(root / rel)
        names.append(rel)
    return root, names


def test_every_scikit_learn_and_numpy_file_scans_clean(corpus: tuple[Path, list[str]]) -> None:
    root, names = corpus
    assert len(names) > 150
    dirty = {}
    for rel in names:
        data = inspect_model_file(Repo(root), rel)
        if data["unsafe_imports"]:
            dirty[rel] = [u["detail"] for u in data["unsafe_imports"][:2]]
    assert dirty == {}


def test_the_gate_passes_the_corpus_end_to_end(corpus: tuple[Path, list[str]]) -> None:
    root, _names = corpus
    proc = run_cli("check", str(root), "--policy", "model_file.no-unsafe-serialization", "--today",
                   TODAY.isoformat(), timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]


@pytest.mark.parametrize(("module", "rel", "write"), list(booster_writers()), ids=lambda v: v if isinstance(v, str)
                         else "")
def test_boosters_and_torch_scan_clean(tmp_path: Path, module: str, rel: str, write: object) -> None:
    require(module)
    (tmp_path / rel).parent.mkdir(parents=True)
    write(tmp_path / rel)  # type: ignore[operator]
    data = inspect_model_file(Repo(tmp_path), rel)
    assert data["unsafe_imports"] == [], [u["detail"] for u in data["unsafe_imports"][:3]]


def test_structured_and_plain_numpy_arrays_are_data_not_pickles(corpus: tuple[Path, list[str]]) -> None:
    root, _ = corpus
    data = inspect_model_file(Repo(root), "np/structured.npy")
    assert data["format"] == "npy" and data["pickles"] == []
    assert inspect_model_file(Repo(root), "np/all.npz")["pickles"] == []
