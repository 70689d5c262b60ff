"""Fairness reports of every format the bias_report collector reads, mutated and wrong-typed: the parser itself
(not the collection boundary that turns stray exceptions into exit 2) lets only aima-gate's own input errors
escape, and a wrong type in the native format names the file and its JSON path.

Seeds are one valid report per adapter (collectors/bias_formats.py) and documents generated from
schemas/bias-report.schema.json; hypothesis then retypes, drops and renames keys anywhere in them (the
structure-aware mutator of tests/adversarial/test_crashes.py), and adds numbers no float can hold.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aima_gate.collectors import CollectContext
from aima_gate.collectors.bias_formats import normalize
from aima_gate.collectors.bias_report import BiasReportCollector
from aima_gate.core.clock import Clock
from aima_gate.core.errors import AimaGateError, ArtifactError
from aima_gate.core.model import Artifact
from aima_gate.core.resources import load_schema
from aima_gate.safeio.repo import Repo
from tests.adversarial.test_crashes import ANY_JSON, from_schema
from tests.conftest import TODAY

SEEDS: dict[str, dict[str, Any]] = {
    "aima-gate": {"kind": "bias_report", "schema_version": 1, "format": "aima-gate",
                  "model": {"name": "scorer", "version": "1.0"}, "protected_attributes": ["sex"],
                  "attributes": [{"name": "sex", "groups": [
                      {"name": "f", "n": 120, "metrics": {"selection_rate": 0.4},
                       "confidence_intervals": {"selection_rate": [0.3, 0.5]}},
                      {"name": "m", "n": 130, "metrics": {"selection_rate": 0.5}}],
                      "fairness": {"disparate_impact": 0.8}, "excluded_groups": []}]},
    "fairlearn-metricframe": {"overall": {"selection_rate": 0.45}, "sensitive_feature": "sex",
                              "by_group": {"selection_rate": {"f": 0.4, "m": 0.5}, "count": {"f": 120, "m": 130}}},
    "patra-model-card": {"name": "scorer", "version": "1",
                         "metadata": {"fairness_metrics": {"sex": {"demographic_parity_difference": 0.1}}}},
    "aif360": {"protected_attribute": "sex", "disparate_impact": 0.8, "statistical_parity_difference": -0.1,
               "num_instances_privileged": 130, "num_instances_unprivileged": 120},
    "group-stats": {"f": {"n": 120, "selection_rate": 0.4}, "m": {"n": 130, "selection_rate": 0.5},
                    "differences": {"selection_rate": 0.1}},
    "by-attribute": {"model": "scorer", "overall": {"accuracy": 0.9},
                     "sex": {"f": {"selection_rate": 0.4, "tpr": 0.7, "fpr": 0.1, "n": 120},
                             "m": {"selection_rate": 0.5, "tpr": 0.8, "fpr": 0.2, "n": 130}}},
}
HUGE = st.sampled_from([10**400, -(10**400), 2**1024, 1e308, -1e308, 5e-324, 0, -1])
VALUES = st.one_of(ANY_JSON, HUGE)


@st.composite
def mutated(draw: st.DrawFn, seed: Any) -> Any:
    """``seed`` with one to four retyped, dropped or renamed entries anywhere in it."""
    doc = copy.deepcopy(seed)
    for _ in range(draw(st.integers(1, 4))):
        found: list[Any] = []
        todo = [doc] if isinstance(doc, (dict, list)) else []
        while todo:
            node = todo.pop()
            found.append(node)
            todo.extend(v for v in (node.values() if isinstance(node, dict) else node) if isinstance(v, (dict, list)))
        if not found:
            break
        target = draw(st.sampled_from(found))
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        if not keys:
            continue
        key = draw(st.sampled_from(keys))
        action = draw(st.sampled_from(["retype", "retype", "drop", "rename"]))
        if action == "retype":
            target[key] = draw(VALUES)
        elif action == "drop" or isinstance(target, list):
            del target[key]
        else:
            target[draw(st.sampled_from(["n", "name", "groups", "metrics", "by_group", "overall", "x"]))] = \
                target.pop(key)
    return doc


def _parse(root: Path, doc: Any) -> list[Any]:
    """The collector's own parse (no boundary): returns its results, or the aima-gate error it raised."""
    text = json.dumps(doc, indent=1)  # one value per line: errors carry real lines
    (root / "bias-report.json").write_text(text, encoding="utf-8")
    ctx = CollectContext(Repo(root), {}, {}, Clock.at(TODAY))
    try:
        return list(BiasReportCollector().parse(ctx, "bias-report.json"))
    except AimaGateError as exc:  # the only exception type allowed out
        return [exc]


def _check(results: list[Any]) -> None:
    for item in results:
        if isinstance(item, AimaGateError):
            assert item.file == "bias-report.json", item.render()
            item.render().encode("utf-8")
        else:
            assert isinstance(item, Artifact)
            json.dumps(item.data, default=str)


FUZZ = settings(max_examples=150, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])


@pytest.mark.parametrize("fmt", sorted(SEEDS))
def test_every_seed_is_read_by_its_adapter(tmp_path: Path, fmt: str) -> None:
    assert normalize(copy.deepcopy(SEEDS[fmt]), "r.json")["format"] == fmt
    (result,) = _parse(tmp_path, SEEDS[fmt])
    assert isinstance(result, Artifact), result


@pytest.mark.parametrize("fmt", sorted(SEEDS))
def test_mutated_reports_raise_only_input_errors(tmp_path: Path, fmt: str) -> None:
    @FUZZ
    @given(doc=mutated(SEEDS[fmt]))
    def run(doc: Any) -> None:
        _check(_parse(tmp_path, doc))

    run()


def test_schema_generated_native_reports_raise_only_input_errors(tmp_path: Path) -> None:
    schema = load_schema("bias-report.schema.json")

    @FUZZ
    @given(doc=from_schema(schema, schema).flatmap(
        lambda d: mutated({**d, "kind": "bias_report"}) if isinstance(d, dict) else st.just(d)))
    def run(doc: Any) -> None:
        _check(_parse(tmp_path, doc))

    run()


WRONG_TYPES = {  # native report: (pointer, replacement) -> the error names that path
    "model is a list": ("/model", [1]),
    "model name is a list": ("/model/name", ["scorer"]),
    "protected_attributes is a string list with a number": ("/protected_attributes/0", 7),
    "protected_attributes is a number": ("/protected_attributes", 0.5),
    "attributes is an object": ("/attributes", {"sex": {}}),
    "an attribute is a string": ("/attributes/0", "sex"),
    "an attribute has no name": ("/attributes/0/name", None),
    "groups is an object": ("/attributes/0/groups", {"f": 1}),
    "a group is a number": ("/attributes/0/groups/1", 3),
    "metrics is a list": ("/attributes/0/groups/0/metrics", [0.4]),
    "fairness is a string": ("/attributes/0/fairness", "fair"),
    "confidence_intervals is a list": ("/attributes/0/groups/0/confidence_intervals", [[0.3, 0.5]]),
    "excluded_groups holds a string": ("/attributes/0/excluded_groups", ["f"]),
}


@pytest.mark.parametrize("case", sorted(WRONG_TYPES))
def test_a_wrong_type_in_a_native_report_names_file_line_and_path(tmp_path: Path, case: str) -> None:
    pointer, value = WRONG_TYPES[case]
    doc = copy.deepcopy(SEEDS["aima-gate"])
    *parents, last = pointer.strip("/").split("/")
    node: Any = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    results = _parse(tmp_path, doc)
    errors = [r for r in results if isinstance(r, ArtifactError)]
    assert errors and not [r for r in results if isinstance(r, Artifact)], results
    first = errors[0]
    assert first.file == "bias-report.json" and first.line is not None and first.line > 1, first.render()
    assert first.pointer is not None and (first.pointer.startswith(pointer) or pointer.startswith(first.pointer)), \
        first.render()


def test_a_rate_no_float_can_hold_is_a_bound_error_not_an_overflow(tmp_path: Path) -> None:
    doc = copy.deepcopy(SEEDS["by-attribute"])
    doc["sex"]["f"]["selection_rate"] = 10**400
    (error, *_) = _parse(tmp_path, doc)
    assert isinstance(error, ArtifactError), error
    assert error.pointer == "/attributes/0/groups/0/metrics/selection_rate", error.render()
