"""Three-valued outcomes and how ``all`` / ``any`` / ``not`` and the quantifiers combine them. Pure: no I/O.

Each combination exists twice: on outcomes (status and lazily built evidence, :func:`combine_all`) and on
statuses alone (:func:`all_status`), which :meth:`Node.status <aima_gate.engine.assertions.Node.status>` uses
when no evidence is wanted. Both ask every child: the status alone is never decided on fewer checks.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from types import MemberDescriptorType
from typing import Any

from aima_gate.core.model import Evidence

MAX_EVIDENCE = 25
"""Evidence items kept per quantifier/combinator outcome; the rest are summarized in one line."""


_EVIDENCE_FIELDS = ("file", "line", "pointer", "actual", "expected", "message")


def slots_twin(cls: type) -> type | None:
    """A class with ``cls``'s layout (its bases and its ``__slots__``, in order) and no ``__setattr__`` of its own:
    an instance of it is filled with plain attribute stores (the interpreter's fastest: a frozen dataclass's slots
    can only be set through their descriptors, a call each) and then made a ``cls`` by assigning ``__class__``,
    which Python allows only between classes whose instances have the same layout. The object is then exactly a
    ``cls`` made without ``__init__``. None when ``cls`` has no ``__slots__`` or Python refuses the assignment."""
    slots = cls.__dict__.get("__slots__")
    if not isinstance(slots, tuple):
        return None
    twin = type(f"_{cls.__name__}Slots", cls.__bases__, {"__slots__": slots, "__module__": __name__})
    try:
        probe: Any = object.__new__(twin)
        probe.__class__ = cls
    except TypeError:
        return None
    return twin


def evidence_maker(cls: type[Evidence] = Evidence) -> Callable[..., Evidence]:
    """``cls(file, line, pointer, actual, expected, message)``, made as a :func:`slots_twin` filled slot by slot,
    interning ``expected`` and ``message`` when they are strings, which is all ``Evidence.__post_init__`` does: the
    frozen dataclass's ``__init__`` (``object.__setattr__`` per field, by name, then ``__post_init__``) costs
    several times as much, up to hundreds of thousands of times a run (``--findings all``). Only for the layout
    known here (these fields, in slots); any other layout, or a subclass with its own ``__post_init__``, gets the
    class itself. tests/engine/test_evidence_maker.py pins ``Evidence.__post_init__``: a change there must be made
    here too."""
    slots = [getattr(cls, f.name, None) for f in fields(cls)]
    if (tuple(f.name for f in fields(cls)) != _EVIDENCE_FIELDS
            or getattr(cls, "__post_init__", None) is not getattr(Evidence, "__post_init__", None)
            or not all(isinstance(s, MemberDescriptorType) for s in slots)):
        return cls
    twin = slots_twin(cls)
    if twin is None:
        return cls
    intern = sys.intern

    def make(file: str, line: int, pointer: str, actual: Any, expected: str, message: str) -> Evidence:
        ev = twin()
        ev.file = file
        ev.line = line
        ev.pointer = pointer
        ev.actual = actual
        ev.expected = intern(expected) if type(expected) is str else expected
        ev.message = intern(message) if type(message) is str else message
        ev.__class__ = cls
        return ev  # type: ignore[no-any-return]

    return make


new_evidence = evidence_maker()
"""Makes an :class:`Evidence` (positional arguments only), as the class does, in about half the time."""


class Tri(enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"


class Outcome:
    """A status and the evidence explaining it, built on first access by ``build`` (then kept)."""

    __slots__ = ("_build", "_evidence", "status")

    def __init__(self, status: Tri, evidence: tuple[Evidence, ...] = (),
                 build: Callable[[], tuple[Evidence, ...]] | None = None) -> None:
        self.status = status
        self._evidence = evidence
        self._build = build

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        build = self._build
        if build is not None:
            self._evidence = build()
            self._build = None
        return self._evidence

    def __repr__(self) -> str:
        return f"Outcome({self.status}, {self.evidence!r})"


def negate(ev: Evidence) -> Evidence:
    return new_evidence(ev.file, ev.line, ev.pointer, ev.actual, f"not ({ev.expected})", f"NOT: {ev.message}")


def _cap(items: list[Evidence], total: int | None = None) -> tuple[Evidence, ...]:
    """The first MAX_EVIDENCE items and a line counting the rest; ``total`` counts items not built (a caller may
    build only the first MAX_EVIDENCE + 1)."""
    total = len(items) if total is None else total
    if total <= MAX_EVIDENCE:
        return tuple(items)
    rest = total - MAX_EVIDENCE
    last = items[MAX_EVIDENCE]
    summary = new_evidence(last.file, last.line, last.pointer, None, "", f"... and {rest} more evidence items")
    return (*items[:MAX_EVIDENCE], summary)


def combine_all(results: Sequence[Outcome]) -> Outcome:
    status = Tri.PASS
    for r in results:  # identity tests: hashing an Enum member runs Python code
        if r.status is Tri.FAIL:
            status = Tri.FAIL
            break
        if r.status is Tri.ERROR:
            status = Tri.ERROR
    if status is Tri.PASS:
        return Outcome(Tri.PASS, build=lambda: _cap([e for r in results for e in r.evidence]))
    return Outcome(status, build=lambda: _cap([e for r in results if r.status is status for e in r.evidence]))


def all_status(statuses: Iterable[Tri]) -> Tri:
    """:func:`combine_all`'s status. Every child is asked, as :meth:`Node.evaluate` does: a child that raises
    (a subject's regex that does not compile) raises here too."""
    status = Tri.PASS
    for s in statuses:
        if s is Tri.FAIL or (s is Tri.ERROR and status is Tri.PASS):
            status = s
    return status


def any_status(statuses: Iterable[Tri]) -> Tri:
    """:func:`combine_any`'s status (every child asked, as for :func:`all_status`)."""
    status = Tri.FAIL
    for s in statuses:
        if s is Tri.PASS or (s is Tri.ERROR and status is Tri.FAIL):
            status = s
    return status


def quantified(mode: str, statuses: Iterable[Tri]) -> Tri:
    """The status of ``every`` / ``some`` / ``none`` over the statuses (of a quantifier's elements, a join's
    candidates)."""
    if mode == "every":
        return all_status(statuses)
    status = any_status(statuses)
    return status if mode == "some" else NOT[status]


def combine_any(results: Sequence[Outcome]) -> Outcome:
    passed = [r for r in results if r.status is Tri.PASS]
    if passed:
        return Outcome(Tri.PASS, build=lambda: _cap([e for r in passed for e in r.evidence]))
    status = Tri.ERROR if any(r.status is Tri.ERROR for r in results) else Tri.FAIL
    return Outcome(status, build=lambda: _cap([e for r in results for e in r.evidence]))


NOT = {Tri.PASS: Tri.FAIL, Tri.FAIL: Tri.PASS, Tri.ERROR: Tri.ERROR}


def not_results(inner: Outcome) -> Outcome:
    flipped = Tri.FAIL if inner.status is Tri.PASS else Tri.PASS if inner.status is Tri.FAIL else Tri.ERROR
    if inner.status is Tri.ERROR:
        return Outcome(flipped, build=lambda: inner.evidence)
    return Outcome(flipped, build=lambda: tuple(negate(e) for e in inner.evidence))
