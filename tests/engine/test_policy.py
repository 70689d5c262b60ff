"""Policy compilation and loading: anything the gate cannot evaluate with certainty is a PolicyError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aima_gate.config.policy_packs import load_policies
from aima_gate.config.repo_config import Config
from aima_gate.core.errors import AimaGateError, PolicyError
from aima_gate.core.resources import builtin_policies_dir
from tests.conftest import write
from tests.engine.helpers import BASE, compile_doc, policy_doc

LEAF = {"path": "owner", "exists": True}


def _error(doc: dict[str, Any]) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        compile_doc(doc)
    err = info.value
    assert err.file == "policies/test.yml"
    assert err.line is not None and err.line >= 1
    return err


def test_a_valid_policy_compiles() -> None:
    policy = compile_doc(policy_doc(LEAF))
    assert policy.id == "test.policy" and policy.kind == "model" and not policy.optional
    assert policy.line == 1


def test_unknown_operator() -> None:
    err = _error(policy_doc({"path": "owner", "exsits": True}))
    assert "exsits" in err.diagnosis


def test_unknown_operator_nested_in_a_quantifier() -> None:
    err = _error(policy_doc({"every": {"path": "x", "assert": {"path": "y", "greater": 1}}}))
    assert "greater" in err.diagnosis


def test_unknown_artifact_kind() -> None:
    err = _error(policy_doc(LEAF, applies_to={"kind": "modle"}))
    assert "unknown artifact kind 'modle'" in err.diagnosis
    assert err.hint and "model_card" in err.hint


@pytest.mark.parametrize(
    ("aima", "fragment"),
    [({"domain": "governence", "practice": "policy-and-compliance", "stream": "B", "level": 1},
      "unknown AIMA domain 'governence'"),
     ({"domain": "governance", "practice": "fairness-and-bias", "stream": "B", "level": 1},
      "unknown AIMA practice 'fairness-and-bias'")],
)
def test_unknown_aima_slug(aima: dict[str, Any], fragment: str) -> None:
    err = _error(policy_doc(LEAF, aima=aima))
    assert fragment in err.diagnosis
    assert err.pointer == "/aima"


@pytest.mark.parametrize("aima", [{**BASE["aima"], "stream": "C"}, {**BASE["aima"], "level": 4}])
def test_bad_aima_stream_or_level(aima: dict[str, Any]) -> None:
    _error(policy_doc(LEAF, aima=aima))


@pytest.mark.parametrize(
    ("mappings", "fragment"),
    [({"nist_ai_rmf": ["GOVERN 99.9"]}, "unknown nist_ai_rmf identifier 'GOVERN 99.9'"),
     ({"iso_42001": ["A.99.1"]}, "unknown iso_42001 identifier"),
     ({"owasp_llm": ["LLM11:2025"]}, "unknown owasp_llm identifier"),
     ({"eu_ai_act": ["Article 10"]}, "should look like")],
)
def test_unknown_cross_mapping_id(mappings: dict[str, Any], fragment: str) -> None:
    err = _error(policy_doc(LEAF, mappings=mappings))
    assert fragment in err.diagnosis
    framework = next(iter(mappings))
    assert err.pointer == f"/mappings/{framework}/0"


def test_unknown_framework_is_a_schema_error() -> None:
    _error(policy_doc(LEAF, mappings={"soc2": ["CC1.1"]}))


@pytest.mark.parametrize("field", ["id", "title", "severity", "aima", "remediation", "applies_to"])
def test_required_fields(field: str) -> None:
    doc = policy_doc(LEAF)
    del doc[field]
    assert field in _error(doc).diagnosis


def test_wrong_types_and_values() -> None:
    _error(policy_doc(LEAF, severity="urgent"))
    _error(policy_doc(LEAF, id="Not An Id"))
    _error(policy_doc(LEAF, optional="yes"))


def test_a_policy_must_be_a_mapping() -> None:
    from aima_gate.aima.catalog import load_catalog
    from aima_gate.collectors import kinds
    from aima_gate.core.model import LineIndex
    from aima_gate.engine.policy import compile_policy

    with pytest.raises(PolicyError, match="one mapping"):
        compile_policy(["a", "list"], file="p.yml", lines=LineIndex({}), catalog=load_catalog(), kinds=kinds())


# ------------------------------------------------------------------------------------------ built-in pack


def test_builtin_policies_compile_and_ids_follow_their_path() -> None:
    loaded = load_policies(Config(file=None), Path("."))
    assert len(loaded.policies) >= 7
    root = builtin_policies_dir()
    for policy in loaded.policies:
        rel = Path(policy.file.removeprefix("<builtin>/"))
        assert (root / rel).is_file()
        assert policy.id == f"{rel.parent.as_posix()}.{rel.stem}"
        assert policy.remediation and policy.description and policy.aima
    assert loaded.digest.startswith("sha256:")


def test_the_digest_is_stable() -> None:
    a = load_policies(Config(file=None), Path("."))
    b = load_policies(Config(file=None), Path("."))
    assert a.digest == b.digest


def test_empty_policy_set_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="policy set is empty"):
        load_policies(Config(file=".aima-gate.yml", builtin_policies=False), tmp_path)


def test_disabling_every_policy_is_an_empty_set(tmp_path: Path) -> None:
    all_ids = load_policies(Config(file=None), tmp_path).all_ids
    with pytest.raises(PolicyError, match="empty"):
        load_policies(Config(file=".aima-gate.yml", disabled=frozenset(all_ids)), tmp_path)


def _write_policy(root: Path, rel: str, **overrides: Any) -> None:
    import yaml

    write(root, rel, yaml.safe_dump(policy_doc(LEAF, **overrides), sort_keys=False))


def test_repository_policies_load_and_duplicate_ids_are_refused(tmp_path: Path) -> None:
    _write_policy(tmp_path, "pol/a.yml", id="custom.a")
    loaded = load_policies(Config(file=".aima-gate.yml", builtin_policies=False, policy_paths=("pol",)), tmp_path)
    assert [p.id for p in loaded.policies] == ["custom.a"]
    assert loaded.policies[0].file == "pol/a.yml"
    _write_policy(tmp_path, "pol/b.yml", id="custom.a")
    with pytest.raises(PolicyError, match=r"duplicate policy id 'custom\.a'") as info:
        load_policies(Config(file=".aima-gate.yml", builtin_policies=False, policy_paths=("pol",)), tmp_path)
    assert info.value.file == "pol/b.yml"


def test_policy_paths_must_stay_inside_and_exist(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _write_policy(tmp_path, "outside/p.yml", id="custom.out")
    with pytest.raises(PolicyError, match="leaves the repository"):
        load_policies(Config(file=".aima-gate.yml", policy_paths=("../outside",)), repo)
    with pytest.raises(PolicyError, match="does not exist"):
        load_policies(Config(file=".aima-gate.yml", policy_paths=("nope",)), repo)


def test_bad_yaml_in_a_policy_names_the_policy_file(tmp_path: Path) -> None:
    write(tmp_path, "pol/bad.yml", "id: custom.bad\ntitle: [unclosed\n")
    with pytest.raises(AimaGateError) as info:
        load_policies(Config(file=".aima-gate.yml", policy_paths=("pol",)), tmp_path)
    assert info.value.file == "pol/bad.yml" and info.value.line == 3


def test_parameter_schemas_are_checked_without_importing_jsonschema() -> None:
    """A valid default passes the fastjsonschema check (jsonschema costs ~100 ms to import, on every run of the
    full pack); an invalid one still gets jsonschema's explanation."""
    import subprocess
    import sys

    from aima_gate.engine.policy import param_value_problem

    code = ("import sys; from pathlib import Path; from aima_gate.config.policy_packs import load_policies; "
            "from aima_gate.config.repo_config import Config; load_policies(Config(file=None), Path('.')); "
            "print('jsonschema' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert proc.stdout.strip() == "False"
    spec = {"default": ["low"], "schema": {"type": "array", "minItems": 1, "items": {"enum": ["low", "high"]}}}
    assert param_value_problem(spec, ["high"]) is None
    problem = param_value_problem(spec, ["medium"])
    assert problem is not None and "is invalid" in problem and "medium" in problem
    assert param_value_problem({"default": 1, "schema": {"prefixItems": [{"type": "integer"}]}}, [1]) is None


def test_a_schema_marked_policy_skips_only_the_check_of_its_defaults() -> None:
    """``schema_checked``: the bytes compiled under this code before (a schema mark is noted only after the whole
    compile passed), so a parameter's default is not validated against its schema again (a validator import and
    compile per run); the checks that do not repeat the earlier compile's are still made."""
    import yaml

    from aima_gate.aima.catalog import load_catalog
    from aima_gate.collectors import kinds
    from aima_gate.engine.policy import compile_policy
    from aima_gate.safeio.loaders import load_yaml

    params = {"levels": {"default": ["urgent"], "description": "d", "schema": {"type": "array", "items": {
        "enum": ["low", "high"]}}}}
    raw, lines = load_yaml(yaml.safe_dump(policy_doc(LEAF, params=params), sort_keys=False), "p.yml")

    def compiled(checked: bool) -> Any:
        return compile_policy(raw, file="p.yml", lines=lines, catalog=load_catalog(), kinds=kinds(),
                              schema_checked=checked)

    with pytest.raises(PolicyError, match="default of parameter 'levels'"):
        compiled(False)
    assert compiled(True).params == params  # (never marked: its first compile above failed)
    raw["applies_to"] = {"kind": "no_such_kind"}
    with pytest.raises(PolicyError, match="unknown artifact kind"):
        compiled(True)
