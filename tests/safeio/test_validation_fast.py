"""The fastjsonschema fast path: leaf ``$ref``s are inlined before compiling (same instances accepted), and a
``$ref`` with a validating sibling (ignored by draft-07 fastjsonschema, applied by 2020-12) is never fast-safe."""

from __future__ import annotations

import copy
import functools
from typing import Any

import fastjsonschema
import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.core.resources import load_schema
from aima_gate.safeio.validation import _fast_safe, _leaf_refs_inlined, is_valid_fast

BIAS: dict[str, Any] = {
    "format": "aima-gate", "kind": "bias_report", "schema_version": "1",
    "model": {"name": "m", "version": "1.0.0"}, "generated_at": "2026-09-15", "dataset": "d",
    "tool": {"name": "fairlearn", "version": "0.15.0"}, "overall": {"selection_rate": 0.37, "tpr": 0.85, "auc": 0.8},
    "protected_attributes": ["sex"], "protected_declared_by": None, "unprotected_attributes": [],
    "missing_protected_attributes": [],
    "attributes": [{"name": "sex",
                    "fairness": {"demographic_parity_difference": 0.028, "disparate_impact": 0.93,
                                 "equalized_odds_difference": 0.042, "custom": 3.5},
                    "confidence_intervals": {"disparate_impact": [0.9, 0.95]},
                    "groups": [{"name": "female", "n": 981, "metrics": {"selection_rate": 0.38, "fpr": 0.094},
                                "confidence_intervals": {"tpr": [0.8, 0.9]}},
                               {"name": "male", "n": 1019, "metrics": {"selection_rate": 0.36, "x": -4.0}}]}],
}
VALUES = [-2, -1, -0.5, 0, 0.5, 1, 1.5, 1e300, 1e301, -1e301, "x", "", None, True, [], {}, [1.0], [0.1, 0.2, 0.3]]


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [path] + [p for k, v in value.items() for p in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [path] + [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path]


PATHS = [p for p in _leaves(BIAS) if p]


def _mutated(path: tuple[Any, ...], value: Any) -> Any:
    doc = copy.deepcopy(BIAS)
    target: Any = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return doc


@functools.cache
def _validators() -> tuple[Any, Any, Any]:
    schema = load_schema("bias-report.schema.json")
    body = {k: v for k, v in schema.items() if k not in ("$schema", "$id")}
    return (fastjsonschema.compile(body), fastjsonschema.compile(_leaf_refs_inlined(body)),
            jsonschema.Draft202012Validator(schema))


def _accepts(validate: Any, instance: Any) -> bool:
    try:
        validate(instance)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(PATHS), st.sampled_from(VALUES))
def test_inlined_leaf_refs_accept_exactly_what_the_refs_do(path: tuple[Any, ...], value: Any) -> None:
    plain, inlined, full = _validators()
    instance = _mutated(path, value)
    fast = _accepts(inlined, instance)
    assert fast == _accepts(plain, instance)
    assert fast == is_valid_fast(instance, "bias-report.schema.json")
    if fast:  # the fast path never accepts what the 2020-12 validator refuses
        assert not list(full.iter_errors(instance))


def test_the_benchmark_shape_is_valid_and_refs_are_gone() -> None:
    assert is_valid_fast(BIAS, "bias-report.schema.json")
    body = _leaf_refs_inlined(load_schema("bias-report.schema.json"))
    assert '"#/$defs/rate"' not in repr(body["properties"]["overall"])


def test_a_ref_with_a_validating_sibling_is_not_fast_safe() -> None:
    defs = {"$defs": {"n": {"type": "number"}}}
    assert _fast_safe({**defs, "properties": {"a": {"$ref": "#/$defs/n", "description": "d"}}})
    assert not _fast_safe({**defs, "properties": {"a": {"$ref": "#/$defs/n", "maximum": 5}}})


def test_instance_data_and_non_leaf_refs_are_left_alone() -> None:
    schema = {"$defs": {"leaf": {"type": "string"}, "node": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
              "properties": {"c": {"const": {"$ref": "#/$defs/leaf"}}, "e": {"enum": [{"$ref": "#/$defs/leaf"}]},
                             "n": {"$ref": "#/$defs/node"}, "l": {"$ref": "#/$defs/leaf", "title": "t"}}}
    out = _leaf_refs_inlined(schema)
    assert out["properties"]["c"] == schema["properties"]["c"]
    assert out["properties"]["e"] == schema["properties"]["e"]
    assert out["properties"]["n"] == {"$ref": "#/$defs/node"}
    assert out["properties"]["l"] == {"type": "string"}
    assert out["$defs"]["node"] == schema["$defs"]["node"]


_CONSTS = [True, False, 1, 1.0, 0, None, "x", "", {}, {"a": 1}, [], [1, "x"]]
_INSTANCES = st.recursive(st.none() | st.booleans() | st.integers(-2, 2) | st.sampled_from([0.0, 1.0, 1.5])
                          | st.sampled_from(["x", "", "const"]),
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                              st.sampled_from(["a", "const", "enum"]), inner, max_size=3), max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_CONSTS), st.sampled_from(_CONSTS), _INSTANCES)
def test_the_compact_validator_accepts_exactly_what_the_detailed_one_does(a: Any, b: Any, instance: Any) -> None:
    from aima_gate.safeio.validation import _compile_fast

    schema = {"anyOf": [{"const": a}, {"type": "object", "properties": {"const": {"const": b}, "a": {"enum": [a, b]}},
                                       "additionalProperties": {"const": a}}, {"items": {"const": b}}]}
    assert _accepts(_compile_fast(schema), instance) == _accepts(fastjsonschema.compile(schema), instance)


def test_const_becomes_a_one_value_enum_only_where_it_is_a_keyword() -> None:
    from aima_gate.safeio.validation import _const_as_enum

    schema = {"properties": {"const": {"const": 1}, "e": {"const": 2, "enum": [2, 3]}},
              "items": {"const": {"const": 4}}, "default": {"const": 5}}
    assert _const_as_enum(schema) == {"properties": {"const": {"enum": [1]}, "e": {"const": 2, "enum": [2, 3]}},
                                      "items": {"enum": [{"const": 4}]}, "default": {"const": 5}}


def test_every_fast_safe_schema_compiles_compact_and_accepts_what_the_detailed_one_does() -> None:
    """Each shipped schema's fast validator is the compact one (no generator fallback), and on documents made
    from each schema's own examples and shipped files both validators agree."""
    import json
    from pathlib import Path

    import yaml

    from aima_gate.core.resources import data_dir
    from aima_gate.safeio.validation import _const_as_enum, _fast_validator

    root = Path(__file__).resolve().parents[2]
    samples: list[Any] = [None, {}, [], {"models": []}, {"version": 1}]
    for path in sorted((root / "examples").rglob("*")):
        if path.suffix in (".json", ".yml", ".yaml") and path.is_file():
            text = path.read_text(encoding="utf-8")
            try:
                samples.append(json.loads(text) if path.suffix == ".json" else yaml.safe_load(text))
            except (ValueError, yaml.YAMLError):
                continue
    checked: list[str] = []
    for path in sorted(data_dir("schemas").glob("*.schema.json")):
        schema = load_schema(path.name)
        if not _fast_safe(schema):
            continue
        body = _leaf_refs_inlined({k: v for k, v in schema.items() if k not in ("$schema", "$id")})
        try:
            detailed = fastjsonschema.compile(body)
        except (fastjsonschema.JsonSchemaException, ValueError):  # refers to another file: not one the gate validates
            continue
        fastjsonschema.compile(_const_as_enum(body), detailed_exceptions=False)  # no fallback needed
        checked.append(path.name)
        for sample in samples:
            mine, theirs = copy.deepcopy(sample), copy.deepcopy(sample)  # defaults are filled in place
            assert _accepts(_fast_validator(path.name), mine) == _accepts(detailed, theirs), path.name
            assert mine == theirs
    assert {"config.schema.json", "policy.schema.json", "model-registry.schema.json", "bias-report.schema.json",
            "explainability-report.schema.json"} <= set(checked)
