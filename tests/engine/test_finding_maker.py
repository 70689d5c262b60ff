"""Findings made slot by slot (engine/evaluate.py finding_maker) are the findings the dataclass makes."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from aima_gate.core.model import AimaRef, Evidence, Finding, Severity, Status, Subject
from aima_gate.engine.evaluate import finding_maker

_ARGS: tuple[Any, ...] = (
    "test.policy", "A title", Status.FAIL, Severity.HIGH, Subject("model", "m@1", "registry.yml"),
    AimaRef("governance", "policy-and-compliance", "B", 1),
    (Evidence("registry.yml", 3, "/owner", None, "present", "owner is missing"),), "Fix it.",
    {"nist_ai_rmf": ("GOVERN 1.1",)})


def test_made_findings_equal_the_dataclass_ones_and_stay_frozen() -> None:
    make = finding_maker()
    assert make is not Finding  # the layout is the known one: the fast path is taken
    for args in (_ARGS, (*_ARGS[:5], None, (), "", {})):
        made, built = make(*args), Finding(*args)
        assert made == built and type(made) is Finding
        assert [getattr(made, f.name) for f in dataclasses.fields(Finding)] == [
            getattr(built, f.name) for f in dataclasses.fields(Finding)]
        assert made.waiver is None and made.identity == built.identity
        assert dataclasses.replace(made, status=Status.WAIVED).status is Status.WAIVED
        with pytest.raises(dataclasses.FrozenInstanceError):
            made.status = Status.PASS  # type: ignore[misc]


def test_another_layout_gets_the_class_itself() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Extra:  # one more field than the known layout
        policy_id: str
        extra: str = ""

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked(Finding):  # validates in __post_init__, which the fast path would skip
        def __post_init__(self) -> None:
            pass

    @dataclasses.dataclass(frozen=True)
    class NoSlots:  # fields without slots
        policy_id: str

    for cls in (Extra, Checked, NoSlots):
        assert finding_maker(cls) is cls  # type: ignore[arg-type]


def test_a_class_whose_layout_cannot_be_twinned_is_refused() -> None:
    from aima_gate.engine.outcomes import slots_twin

    class NoSlots:
        pass

    class Number(int):  # a built-in's layout: object.__new__ cannot make one
        __slots__ = ()

    assert slots_twin(NoSlots) is None and slots_twin(Number) is None
    twin = slots_twin(Finding)
    assert twin is not None and twin.__dict__["__slots__"] == Finding.__slots__ and twin is not Finding
