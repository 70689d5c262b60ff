"""Evidence made slot by slot (engine/outcomes.py evidence_maker) is the evidence the dataclass makes."""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aima_gate.core.model import Evidence
from aima_gate.engine.outcomes import evidence_maker, new_evidence

_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=6)


def _same(made: Evidence, built: Evidence) -> None:
    assert made == built and type(made) is Evidence
    assert [getattr(made, f.name) for f in dataclasses.fields(Evidence)] == [
        getattr(built, f.name) for f in dataclasses.fields(Evidence)]


def test_the_fast_path_is_taken_for_evidence() -> None:
    assert evidence_maker() is not Evidence
    assert new_evidence is not Evidence


@given(st.text(max_size=10), st.integers(min_value=0) | st.none(), st.text(max_size=10), _json,
       st.text(max_size=12), st.text(max_size=12))
def test_made_evidence_equals_the_dataclass_one(file: str, line: Any, pointer: str, actual: Any, expected: str,
                                                 message: str) -> None:
    made = new_evidence(file, line, pointer, actual, expected, message)
    built = Evidence(file, line, pointer, actual, expected, message)
    _same(made, built)
    # Interned as the class interns them: one copy of each repeated expectation and message.
    assert made.expected is built.expected and made.message is built.message


def test_strings_are_interned_and_the_result_stays_frozen() -> None:
    expected = "".join(["pres", "ent"])  # a fresh string object, not the literal
    made = new_evidence("f.yml", 3, "/owner", None, expected, "".join(["owner is ", "missing"]))
    assert made.expected is sys.intern("present") and made.message is sys.intern("owner is missing")
    assert dataclasses.replace(made, line=4).line == 4
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.line = 5  # type: ignore[misc]


def test_non_string_expectations_are_kept_as_given() -> None:
    made = new_evidence("f.yml", 1, "", 0, 7, None)  # (a caller's mistake: the class keeps them too)
    _same(made, Evidence("f.yml", 1, "", 0, 7, None))  # type: ignore[arg-type]


def test_another_layout_gets_the_class_itself() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked(Evidence):  # its own __post_init__, which the fast path would skip
        def __post_init__(self) -> None:
            raise ValueError("checked")

    @dataclasses.dataclass(frozen=True)
    class NoSlots:  # fields without slots
        file: str

    @dataclasses.dataclass(frozen=True, slots=True)
    class Fewer:
        file: str
        line: int

    for cls in (Checked, NoSlots, Fewer):
        assert evidence_maker(cls) is cls  # type: ignore[arg-type]


def test_evidence_post_init_is_the_one_the_maker_copies() -> None:
    """A tripwire: evidence_maker does what this ``__post_init__`` does (intern ``expected`` and ``message``).
    If it changes, change evidence_maker to match, then the digest here."""
    source = inspect.getsource(Evidence.__post_init__)
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == "e1272be07f35fe5e"
