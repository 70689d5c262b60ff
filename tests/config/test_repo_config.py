"""``.aima-gate.yml``: validated, errors read ``file:line: $.path: message``, typos are refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aima_gate.config.repo_config import check_against_policies, parse_config
from aima_gate.core.errors import ConfigError, InputError
from aima_gate.core.model import Severity
from aima_gate.pipeline.runner import load_config
from tests.conftest import write

FILE = ".aima-gate.yml"

GOOD = """\
version: 1
fail_on: medium
exclude: ["vendor/**"]
limits: {max_file_bytes: 2048}
policies:
  builtin: true
  disable: [model.training-data-lineage]
artifacts:
  model:
    paths: ["ml/registry/*.yml"]
parameters:
  risk_tiers: [low, high]
waivers:
  - policy: model.owner-and-risk-tier
    subject: legacy@0.9
    reason: Owner being assigned after the re-org (TICKET-123)
    owner: ml-platform@example.com
    expires: "2026-12-31"
"""


def test_a_full_config_parses() -> None:
    config = parse_config(GOOD, FILE)
    assert config.fail_on is Severity.MEDIUM
    assert config.exclude == ("vendor/**",)
    assert config.max_file_bytes == 2048
    assert config.disabled == frozenset({"model.training-data-lineage"})
    assert config.artifacts["model"]["paths"] == ["ml/registry/*.yml"]
    assert config.parameters == {"risk_tiers": ["low", "high"]}
    (w,) = config.waivers
    assert (w.policy_id, w.subject, w.expires, w.file, w.line) == (
        "model.owner-and-risk-tier", "legacy@0.9", "2026-12-31", FILE, 14)


def test_an_empty_config_means_defaults() -> None:
    config = parse_config("", FILE)
    assert config.fail_on is Severity.LOW and config.builtin_policies and not config.waivers


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("fail_on: severe\n", 1, "'severe' is not one of"),
        ("version: 2\n", 1, "1 was expected"),
        ("polices:\n  builtin: true\n", 1, "unknown key 'polices'"),
        ("policies:\n  builtin: yes please\n", 2, "is not of type 'boolean'"),
        ("limits:\n  max_file_bytes: 10\n", 2, "less than the minimum"),
        ("waivers:\n  - policy: x.y\n    subject: a\n    owner: me\n    expires: '2026-01-01'\n", 2, "'reason'"),
        ("waivers:\n  - policy: x.y\n    subject: a\n    reason: too short\n    owner: me\n"
         "    expires: '2026-01-01'\n", 4, "too short"),
        ("waivers:\n  - policy: x.y\n    subject: a\n    reason: A long enough reason\n    owner: me\n"
         "    expires: '2026-02-30'\n", 6, "not a real date"),
        ("waivers:\n  - policy: x.y\n    subject: a\n    reason: A long enough reason\n    owner: me\n"
         "    expires: 2026-02-30\n", 6, "day is out of range"),  # unquoted: YAML itself refuses the date
        ("waivers:\n  - policy: x.y\n    subject: a\n    reason: A long enough reason\n    owner: me\n"
         "    expires: next year\n", 6, "does not match"),
    ],
)
def test_config_errors_name_file_line_and_path(text: str, line: int, fragment: str) -> None:
    with pytest.raises((ConfigError, InputError)) as info:
        parse_config(text, FILE)
    err = info.value
    assert err.file == FILE
    assert err.line == line, str(err)
    assert fragment in str(err)
    assert str(err).startswith(f"{FILE}:{line}: ")


def test_config_must_be_a_mapping_and_valid_yaml() -> None:
    with pytest.raises(ConfigError, match="must be a YAML mapping"):
        parse_config("- a\n- b\n", FILE)
    with pytest.raises(InputError, match="duplicate key 'fail_on'"):
        parse_config("fail_on: low\nfail_on: high\n", FILE)


def test_names_that_match_no_loaded_policy_are_refused() -> None:
    config = parse_config(GOOD, FILE)
    ids = ["model.owner-and-risk-tier", "model.training-data-lineage"]
    declared = {"risk_tiers": (("model.owner-and-risk-tier", {"default": ["low"], "description": "tiers"}),)}
    check_against_policies(config, ids, declared)
    with pytest.raises(ConfigError, match="parameter 'risk_tiers' is not used") as info:
        check_against_policies(config, ids, {})
    assert info.value.line == 12
    with pytest.raises(ConfigError, match=r"'model\.training-data-lineage' is not a loaded policy"):
        check_against_policies(config, ["model.owner-and-risk-tier"], declared)
    with pytest.raises(ConfigError, match="waiver names unknown policy") as info:
        check_against_policies(config, ["model.training-data-lineage"], declared)
    assert info.value.line == 14


def test_load_config_finds_and_decodes_the_file(tmp_path: Path) -> None:
    assert load_config(tmp_path, None).file is None
    write(tmp_path, ".aima-gate.yml", "fail_on: high\n")
    assert load_config(tmp_path, None).fail_on is Severity.HIGH
    (tmp_path / ".aima-gate.yml").write_bytes(b"fail_on: h\xe9gh\n")
    with pytest.raises(InputError, match="not valid UTF-8") as info:
        load_config(tmp_path, None)
    assert info.value.file == ".aima-gate.yml"
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path, tmp_path / "other.yml")


def test_parameter_values_must_fit_the_declaring_policy() -> None:
    config = parse_config("parameters:\n  min_n: '30'\n  tier: hihg\n", FILE)
    typed: dict[str, tuple[tuple[str, dict[str, Any]], ...]] = {
        "min_n": (("p.one", {"default": 30, "description": "n"}),),
        "tier": (("p.two", {"default": "low", "description": "t", "schema": {"enum": ["low", "high"]}}),)}
    with pytest.raises(ConfigError, match="is a string, but this parameter takes a number") as info:
        check_against_policies(config, ["p.one", "p.two"], typed)
    assert info.value.line == 2
    config = parse_config("parameters:\n  tier: hihg\n", FILE)
    with pytest.raises(ConfigError, match=r"'hihg' is not one of \['low', 'high'\] \(as declared by policy p\.two\)"):
        check_against_policies(config, ["p.two"], typed)


_TOO_MANY_BRACES = "{a,b}" * 12  # expands to 4,096 patterns, past the matcher's limit of 1,000


@pytest.mark.parametrize(("text", "line", "pointer"), [
    (f'version: 1\nexclude: ["{_TOO_MANY_BRACES}"]\n', 2, "/exclude"),
    (f'version: 1\nartifacts:\n  model_card:\n    paths: ["cards/*.md", "{_TOO_MANY_BRACES}.md"]\n', 4,
     "/artifacts/model_card/paths"),
])
def test_a_glob_the_matcher_refuses_is_a_config_error_at_its_line(text: str, line: int, pointer: str) -> None:
    """Not an internal error of the first glob that uses it (exit 3): the config's own mistake (exit 2)."""
    with pytest.raises(ConfigError) as err:
        parse_config(text, ".aima-gate.yml")
    assert err.value.line == line and err.value.pointer == pointer and "cannot be used" in str(err.value)
