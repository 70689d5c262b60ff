"""join_kinds_of names every kind a policy's assertion can read (staged evaluation and partial runs give a policy
only those kinds), and refuses a node type it does not know instead of answering "none"."""

from __future__ import annotations

import dataclasses

import pytest

from aima_gate.config.policy_packs import join_kinds_of, load_policies
from aima_gate.engine.assertions import Node
from aima_gate.pipeline.runner import load_config
from tests.conftest import EXAMPLES


def test_every_built_in_policy_has_its_join_kinds() -> None:
    loaded = load_policies(load_config(EXAMPLES / "credit-scoring", None), EXAMPLES / "credit-scoring")
    assert loaded.policies and set(loaded.join_kinds) == {p.id for p in loaded.policies}
    assert any(kinds for kinds in loaded.join_kinds.values())


def test_an_unknown_node_type_is_an_error_not_an_empty_answer() -> None:
    @dataclasses.dataclass(frozen=True)
    class Strange(Node):
        pass

    with pytest.raises(TypeError, match="unknown node type Strange"):
        join_kinds_of(Strange())
