"""Which model declarations apply to a bias report: looked up in an index built once per run (a scan of every
registry entry per report was quadratic in the number of models), with the same answers as the scan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from aima_gate.collectors import CollectContext, bias_protected
from aima_gate.core.clock import Clock
from aima_gate.core.model import Artifact
from aima_gate.safeio.repo import Repo
from tests.conftest import write

REGISTRY = """models:
  - {name: a, version: '1', protected_attributes: [sex], bias_report: ../reports/a.json}
  - {name: a, version: '2', protected_attributes: [age]}
  - {name: a, version: '2', protected_attributes: 'age, sex'}
  - {name: b, version: '1', protected_attributes: [race], bias_report: [../reports/a.json, ../reports/b.json]}
  - {name: c, version: '1', bias_report: ../reports/c.json}
"""


def _ctx(root: Path) -> CollectContext:
    return CollectContext(Repo(root), {}, {}, Clock.at(dt.date(2026, 11, 24)))


def _scan(ctx: CollectContext, report: str, model: str | None, version: str | None) -> list[tuple[list[str], str]]:
    """The former linear scan, kept here as the reference the index must agree with."""
    mlflow = bias_protected._mlflow_declarers(ctx)
    assert not isinstance(mlflow, Exception)
    declarers = [*bias_protected._registry_declarers(ctx).all, *mlflow.all]
    named = [d for d in declarers if model is not None and d.model == model]
    exact = [d for d in declarers if report in d.reports] + [
        d for d in named if version is not None and version in d.versions and report not in d.reports]
    return [(list(d.names), d.source) for d in (exact or named)]


@pytest.mark.parametrize("report", ["reports/a.json", "reports/b.json", "reports/c.json", "reports/z.json"])
@pytest.mark.parametrize("model", ["a", "b", "c", None, "zz"])
@pytest.mark.parametrize("version", ["1", "2", None])
def test_index_gives_the_scans_answers_in_order(tmp_path: Path, report: str, model: str | None,
                                                version: str | None) -> None:
    write(tmp_path, "registry/models.yml", REGISTRY)
    ctx = _ctx(tmp_path)
    assert bias_protected._model_declarations(ctx, report, model, version) == _scan(ctx, report, model, version)


def test_declarers_are_indexed_once_per_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "registry/models.yml", REGISTRY)
    calls: list[str] = []
    real = bias_protected._Declarers

    class Counted(real):  # type: ignore[misc,valid-type]
        def __init__(self, declarers: Any) -> None:
            calls.append("index")
            super().__init__(declarers)

    monkeypatch.setattr(bias_protected, "_Declarers", Counted)
    ctx = _ctx(tmp_path)
    for k in range(50):
        bias_protected._model_declarations(ctx, f"reports/{k}.json", "a", "1")
    assert bias_protected._model_declarations(ctx, "reports/a.json", "a", "1") == [
        (["sex"], "registry/models.yml (a@1)"), (["race"], "registry/models.yml (b@1)")]
    assert len(calls) == 2  # the registry's and MLflow's (none here), once each for 51 reports


@pytest.mark.parametrize("text", [
    'models:\n  - {name: a, version: "1", "protected\\u005fattributes": [sex]}\n',
    'models:\n  - name: a\n    version: "1"\n    ? "protected_\\\n      attributes"\n    : [sex]\n',
    '{"models": [{"name": "a", "version": "1", "protected\\u005fattributes": ["sex"]}]}',
    'base: &b {protected_attributes: [sex]}\nmodels:\n  - {name: a, version: "1", <<: *b}\n',
])
def test_a_declaration_spelled_with_escapes_or_merged_is_still_read(tmp_path: Path, text: str) -> None:
    name = "registry/models.json" if text.startswith("{") else "registry/models.yml"
    write(tmp_path, name, text)
    assert bias_protected._model_declarations(_ctx(tmp_path), "reports/x.json", "a", "1") == [
        (["sex"], f"{name} (a@1)")]


def test_registries_that_cannot_declare_are_not_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for k in range(20):
        write(tmp_path, f"registry/m{k}.yml", f"name: m{k}\nversion: '1'\nbias_report: ../reports/m{k}.json\n")
    write(tmp_path, "registry/declares.yml", REGISTRY)
    parsed: list[str] = []
    from aima_gate.safeio.loaders import load_structured as real

    def counted(text: str, file: str) -> Any:
        parsed.append(file)
        return real(text, file)

    monkeypatch.setattr(bias_protected, "load_structured", counted)
    assert bias_protected._model_declarations(_ctx(tmp_path), "reports/m3.json", "m3", "1") == []
    assert bias_protected._model_declarations(_ctx(tmp_path), "reports/a.json", "a", "1")[0][0] == ["sex"]
    assert parsed == ["registry/declares.yml", "registry/declares.yml"]  # once per run (two runs)


_NATIVE_REPORT = ('{"format": "aima-gate", "kind": "bias_report", "schema_version": "1", '
                  '"model": {"name": "a", "version": "1"}, "attributes": []}\n')


def _discovering_repo(root: Path) -> None:
    write(root, "registry/models.yml", "models:\n  - {name: a, version: '1', protected_attributes: [sex], "
                                       "bias_report: ../reports/a.json}\n")
    write(root, "reports/a.json", _NATIVE_REPORT)
    write(root, "models/clf.pkl", "x")  # a model only discovery finds
    write(root, "serve/MLmodel", "flavors: [unclosed\n")  # discovery cannot read it: an error naming it
    write(root, "mlruns/0/models/m1/meta.yaml", "name: [unclosed\n")  # a logged model: an error instead of a subject


def test_model_discovery_runs_once_per_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The protected-attribute index reads the MLflow sources alone; discovery (a pass over every file) is left to
    the model collector, which runs it once."""
    from aima_gate.collectors import model_inventory
    from aima_gate.core.clock import Clock
    from aima_gate.pipeline.runner import RunOptions, run_check

    _discovering_repo(tmp_path)
    runs: list[str] = []
    real = model_inventory.discover

    def counted(ctx: CollectContext) -> Any:
        runs.append("discover")
        return real(ctx)

    monkeypatch.setattr(model_inventory, "discover", counted)
    report = run_check(RunOptions(tmp_path, clock=Clock.at(dt.date(2026, 11, 24))))
    assert runs == ["discover"]
    assert any(f.subject.name == "models/clf.pkl@unversioned" for f in report.findings)


def test_a_discovery_error_is_the_model_collectors_not_every_bias_reports(tmp_path: Path) -> None:
    """An unreadable MLmodel or logged model's meta.yaml is one error naming it (the model collector's); the bias
    report still takes the registry's declaration: no discovered model can declare protected attributes (only
    owner, risk tier and intended use are read from its tags), so discovery's errors leave every declaration
    known. (Before, an unreadable logged model made every bias report an error too.)"""
    from aima_gate.collectors.bias_report import BiasReportCollector
    from aima_gate.collectors.model_registry import ModelRegistryCollector

    _discovering_repo(tmp_path)
    ctx = _ctx(tmp_path)
    external = list(ModelRegistryCollector().collect_external(ctx))
    errors = {e.file for e in external if isinstance(e, Exception)}
    assert {"serve/MLmodel", "mlruns/0/models/m1/meta.yaml"} <= errors
    assert not list(ModelRegistryCollector().mlflow_subjects(ctx))
    found = list(BiasReportCollector().parse(ctx, "reports/a.json"))
    assert [a.data["protected_declared_by"] if isinstance(a, Artifact) else a for a in found] == [
        "registry/models.yml (a@1)"]
