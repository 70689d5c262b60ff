"""What the engine works out once and keeps outside ``__init__``: ``Join.related`` (a ``cached_property`` on a
frozen node) and scopes made without the dataclass's ``__init__`` (``make_scope``, ``Scope.at``, batch's
``make_scopes``), held to what the plain code would make."""

from __future__ import annotations

import dataclasses

import pytest

from aima_gate.engine.assertions import Join, Scope, make_scope
from aima_gate.engine.batch import make_scopes
from aima_gate.engine.index import ArtifactIndex
from aima_gate.engine.paths import Path
from tests.conftest import TODAY
from tests.engine.helpers import art


def _join() -> Join:
    on = ((Path.parse("model"), Path.parse("name")), (Path.parse("version"), Path.parse("v")))
    return Join("model_card", None, on, None, "some", None)


def test_join_related_is_worked_out_once_and_leaves_the_node_as_it_was() -> None:
    node, twin = _join(), _join()
    related = node.related
    assert related == (Path.parse("model"), Path.parse("version")) and node.related is related
    assert node == twin and hash(node) == hash(twin)  # the memo is no field: equality and hash ignore it
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.related = ()


def test_scopes_made_without_init_hold_what_init_would() -> None:
    # what the copies rely on: every field an __init__ argument stored as given, in the instance's __dict__
    assert not hasattr(Scope, "__post_init__") and not hasattr(Scope, "__slots__")
    assert all(f.init for f in dataclasses.fields(Scope))
    subjects = [art({"name": n}) for n in "abc"]
    index = ArtifactIndex(subjects)
    params = {"limit": 1}
    made = make_scopes(subjects, params, TODAY, index)
    for scope, subject in zip(made, subjects, strict=True):
        reference = Scope(subject, subject, params, TODAY, index)
        assert vars(scope) == vars(reference) and list(vars(scope)) == list(vars(reference))
        assert vars(make_scope(subject, params, TODAY, index)) == vars(reference)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made[0].artifact = subjects[1]  # type: ignore[misc]
