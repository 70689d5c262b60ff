"""Compiled assertion nodes and their evaluation. Pure: no I/O, no clock (``today`` is passed in).

Three-valued logic (Kleene): a node yields PASS, FAIL or ERROR (the data cannot be judged, e.g. a date that
does not parse). ``all`` fails if any child fails, else errors if any child errors; ``any`` passes if any child
passes, else errors if any child errors; ``not`` swaps PASS and FAIL and keeps ERROR. Evidence explains the
outcome: failing children for a failure, the deciding children for a pass.

An outcome's status is decided first; its evidence is built only when asked for (:attr:`Outcome.evidence`):
a join's filter, the children an ``all``/``any`` leaves out and a pass nobody shows never build theirs.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aima_gate.core.errors import pointer_to_path
from aima_gate.core.model import Artifact, Evidence
from aima_gate.engine.index import ArtifactIndex as ArtifactIndex  # (re-exported: it lived here)
from aima_gate.engine.outcomes import MAX_EVIDENCE as MAX_EVIDENCE
from aima_gate.engine.outcomes import NOT, _cap, any_status, new_evidence, not_results, quantified
from aima_gate.engine.outcomes import Outcome as Outcome
from aima_gate.engine.outcomes import Tri as Tri
from aima_gate.engine.outcomes import combine_all as combine_all
from aima_gate.engine.outcomes import combine_any as combine_any
from aima_gate.engine.paths import _MISSING, Path, join_key, short, show, shown_pointer


@dataclass(frozen=True)
class Scope:
    artifact: Artifact
    """The artifact whose data is in focus (evidence points into its file)."""
    subject: Artifact
    """The policy's subject (``{subject: path}`` operands read from it)."""
    params: Mapping[str, Any]
    today: _dt.date
    index: ArtifactIndex

    def at(self, artifact: Artifact) -> Scope:
        """The same scope focused on another artifact (a join's candidate), once per candidate per subject: the
        new scope's fields are this one's, ``artifact`` replaced, put in place without the frozen dataclass's
        ``__init__`` (one ``object.__setattr__`` per field: several times the cost of a dict copy)."""
        scope = _new(Scope)
        fields = scope.__dict__
        fields.update(self.__dict__)
        fields["artifact"] = artifact
        return scope


_new = object.__new__


def make_scope(subject: Artifact, params: Mapping[str, Any], today: _dt.date, index: ArtifactIndex) -> Scope:
    """``Scope(subject, subject, params, today, index)`` (see :meth:`Scope.at`), once per subject per policy."""
    scope = _new(Scope)
    scope.__dict__.update(artifact=subject, subject=subject, params=params, today=today, index=index)
    return scope


def evidence(scope: Scope, pointer: str, actual: Any, expected: str, message: str) -> Evidence:
    art = scope.artifact
    if actual is _MISSING:
        actual = None
    elif type(actual) is not str or len(actual) > 200:
        actual = short(actual)
    return new_evidence(art.file, art.line_of(pointer), pointer, actual, expected, message)


class Node:
    """A compiled assertion. ``message`` (from the policy) replaces generated messages on failure."""

    message: str | None = None

    def evaluate(self, scope: Scope, value: Any, pointer: str) -> Outcome:  # pragma: no cover - abstract
        raise NotImplementedError

    def status(self, scope: Scope, value: Any, pointer: str) -> Tri:  # pragma: no cover - abstract
        """``self.evaluate(scope, value, pointer).status``, without building outcomes or evidence: the same
        children and checks are asked, in the same order, so the same inputs give the same status (or error)."""
        raise NotImplementedError

    def _custom(self, outcome: Outcome) -> Outcome:
        if self.message and outcome.status is not Tri.PASS:
            message = self.message
            return Outcome(outcome.status, build=lambda: tuple(
                new_evidence(e.file, e.line, e.pointer, e.actual, e.expected, message) for e in outcome.evidence))
        return outcome


# ---------------------------------------------------------------------------------------------- combinators


@dataclass(frozen=True)
class AllOf(Node):
    children: tuple[Node, ...]
    message: str | None = None

    def evaluate(self, scope: Scope, value: Any, pointer: str) -> Outcome:
        results = [c.evaluate(scope, value, pointer) for c in self.children]
        return self._custom(combine_all(results))

    def status(self, scope: Scope, value: Any, pointer: str) -> Tri:
        status = Tri.PASS  # all_status, inlined (the most common node: no generator per subject)
        for c in self.children:
            s = c.status(scope, value, pointer)
            if s is Tri.FAIL or (s is Tri.ERROR and status is Tri.PASS):
                status = s
        return status


@dataclass(frozen=True)
class AnyOf(Node):
    children: tuple[Node, ...]
    message: str | None = None

    def evaluate(self, scope: Scope, value: Any, pointer: str) -> Outcome:
        results = [c.evaluate(scope, value, pointer) for c in self.children]
        return self._custom(combine_any(results))

    def status(self, scope: Scope, value: Any, pointer: str) -> Tri:
        return any_status(c.status(scope, value, pointer) for c in self.children)


@dataclass(frozen=True)
class Not(Node):
    child: Node
    message: str | None = None

    def evaluate(self, scope: Scope, value: Any, pointer: str) -> Outcome:
        return self._custom(not_results(self.child.evaluate(scope, value, pointer)))

    def status(self, scope: Scope, value: Any, pointer: str) -> Tri:
        return NOT[self.child.status(scope, value, pointer)]


# ---------------------------------------------------------------------------------------------- quantifiers


def _elements(value: Any, pointer: str) -> Iterator[tuple[Any, str]]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield item, f"{pointer}/{i}"
    else:
        for key, item in value.items():
            yield item, f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}"


@dataclass(frozen=True)
class Quantifier(Node):
    mode: str  # every | some | none
    path: Path
    child: Node
    allow_empty: bool = False
    message: str | None = None

    def evaluate(self, scope: Scope, value: Any, pointer: str) -> Outcome:
        target = self.path.get(value)
        ptr = self.path.pointer(pointer)
        where = self.path.where(pointer)
        if target is _MISSING or target is None:
            ev = evidence(scope, ptr, _MISSING, f"a list at {where}", f"{where} is missing")
            return self._custom(Outcome(Tri.FAIL, (ev,)))
        if not isinstance(target, (list, Mapping)):
            ev = evidence(scope, ptr, target, f"a list at {where}", f"{where} is a {type(target).__name__}, not a list")
            return self._custom(Outcome(Tri.ERROR, (ev,)))
        results = [self.child.evaluate(scope, item, item_ptr) for item, item_ptr in _elements(target, ptr)]
        if not results:
            ok = self.allow_empty and self.mode != "some"
            ev = evidence(scope, ptr, target, f"{self.mode} element of a non-empty list",
                          f"{where} is empty" + ("" if ok else "; there is nothing to check, which is not a pass"))
            return self._custom(Outcome(Tri.PASS if ok else Tri.FAIL, (ev,)))
        if self.mode == "every":
            return self._custom(combine_all(results))
        if self.mode == "some":
            return self._custom(combine_any(results))
        return self._custom(not_results(combine_any(results)))

    def status(self, scope: Scope, value: Any, pointer: str) -> Tri:
        target = self.path.get(value)
        if target is _MISSING or target is None:
            return Tri.FAIL
        if not isinstance(target, (list, Mapping)):
            return Tri.ERROR
        if not target:
            return Tri.PASS if self.allow_empty and self.mode != "some" else Tri.FAIL
        child = self.child
        return quantified(self.mode, (child.status(scope, item, item_ptr)
                                       for item, item_ptr in _elements(target, self.path.pointer(pointer))))


# ---------------------------------------------------------------------------------------------------- joins


@dataclass(frozen=True)
class Join(Node):
    kind: str
    via: Path | None
    on: tuple[tuple[Path, Path], ...]  # (path in related artifact, path in current value)
    where: Node | None
    require: str  # some | every | none
    child: Node | None
    message: str | None = None
    subject_free: bool = False
    """True when neither ``where`` nor ``assert`` reads the subject (no ``{subject: ...}`` operand, no parameter
    ``select``): with no ``via`` or ``on`` the filtered candidates are then the same for every subject."""

    def _candidates(self, scope: Scope, value: Any, pointer: str) -> tuple[list[Artifact], Lazy | None]:
        """The candidates, or none and what builds the evidence saying why (given the policy's own message, that
        evidence carries it instead of the one it would write: see :meth:`evaluate`)."""
        if self.via is not None:
            via = self.via
            ref_value = via.get(value)
            ptr = via.pointer(pointer)
            if ref_value is _MISSING or ref_value in (None, "", []):
                return [], lambda custom: evidence(scope, ptr, _MISSING, f"a reference to a {self.kind}", custom
                                                   or f"{via.where(pointer)} is missing: no {self.kind} is referenced")
            key = (self.kind, ptr, id(scope.artifact))
            found = scope.index.referenced.get(key, [])
            if found:
                return found, None
            files = [path for kind, path, ref_ptr in scope.artifact.references
                     if kind == self.kind and (ref_ptr == ptr or ref_ptr.startswith(ptr + "/"))]
            found = [a for f in files for a in scope.index.by_file.get((self.kind, f), [])]
            if found:
                scope.index.referenced[key] = found
            else:
                where = via.where(pointer)
                shown = ", ".join(files) if files else json.dumps(ref_value)
                broken = [f"{f} ({scope.index.unreadable[f]})" for f in files if f in scope.index.unreadable]
                message = (f"{'; '.join(broken)} exists but could not be read as a {self.kind} (referenced by "
                           f"{where}); the error reported for it says why" if broken else
                           f"no {self.kind} found at {shown} (referenced by {where})")
                return [], lambda custom: evidence(scope, ptr, ref_value, f"a {self.kind} at {shown}",
                                                   custom or message)
            return found, None
        keys = []
        for _, cur_path in self.on:
            v = cur_path.get(value)
            if v is _MISSING or v is None:
                return [], self._no_key(scope, cur_path.pointer(pointer))
            keys.append(v)
        tables = scope.index.join_tables  # this node's table: no hashing of its paths per subject
        table = tables.get(id(self))
        if table is None:
            table = tables[id(self)] = scope.index.by_keys(self.kind, self.related)
        found = table.get(join_key(keys), [])
        if not found:
            return [], lambda custom: self._not_found(scope, pointer, keys, custom)
        return found, None

    def _not_found(self, scope: Scope, pointer: str, keys: Sequence[Any], custom: str | None) -> Evidence:
        described = self._describe(keys)
        return evidence(scope, pointer, None, f"a {self.kind} with {described}",
                        custom or f"no {self.kind} with {described}")

    def _no_key(self, scope: Scope, ptr: str) -> Lazy:
        return lambda custom: evidence(scope, ptr, _MISSING, f"{pointer_to_path(ptr)} to join on",
                                       custom or f"cannot look up the {self.kind}: {pointer_to_path(ptr)} is missing")

    @functools.cached_property  # (kept in the node's __dict__, which a frozen dataclass leaves writable)
    def related(self) -> tuple[Path, ...]:
        """The paths read in the related artifacts (the ``by_keys`` index key), computed once per node."""
        return tuple(p for p, _ in self.on)

    def _describe(self, keys: Sequence[Any]) -> str:
        if not self.on:  # a join by 'where' alone: every artifact of the kind is a candidate
            return "the join's where condition"
        return " and ".join(f"{r.text} = {json.dumps(k)}" for (r, _), k in zip(self.on, keys, strict=True))

    def evaluate(self, scope: Scope, value: Any, pointer: str) -> Outcome:
        found, missing = self._candidates(scope, value, pointer)
        if self.where is not None:
            found = self._filtered(scope, found)
        if not found:
            if self.require == "none":
                return Outcome(Tri.PASS, build=lambda: (missing(None),) if missing else ())
            # The failure's one evidence item carries the policy's own message from the start: what _custom would
            # make of it afterwards (the same item, its message replaced), without building it twice.
            kind, custom = self.kind, self.message or None
            return Outcome(Tri.FAIL, build=lambda: (missing(custom) if missing else evidence(
                scope, pointer, None, f"a matching {kind}", custom or f"no matching {kind}"),))
        if self.child is None:  # evidence is built only for what is shown
            kind = self.kind
            return self._custom(Outcome(Tri.FAIL if self.require == "none" else Tri.PASS, build=lambda: _cap(
                [evidence(scope.at(a), "", a.name, f"a {kind}", f"found {kind} {a.name}")
                 for a in found[:MAX_EVIDENCE + 1]], len(found))))
        results = [self.child.evaluate(scope.at(a), a.data, "") for a in found]
        if self.require == "every":
            return self._custom(combine_all(results))
        if self.require == "some":
            return self._custom(combine_any(results))
        return self._custom(not_results(combine_any(results)))

    def status(self, scope: Scope, value: Any, pointer: str) -> Tri:
        found, _ = self._candidates(scope, value, pointer)
        if self.where is not None:
            found = self._filtered(scope, found)
        if not found:
            return Tri.PASS if self.require == "none" else Tri.FAIL
        child = self.child
        if child is None:
            return Tri.FAIL if self.require == "none" else Tri.PASS
        return quantified(self.require, (child.status(scope.at(a), a.data, "") for a in found))

    def shared_pool_key(self, scope: Scope) -> tuple[int, int] | None:
        """Where the filtered candidates are kept when they are the same for every subject (a filter that cannot
        see the subject, over every artifact of the kind): computed once per run (engine/batch.py fills it in one
        batch). None when they depend on the subject."""
        if self.where is None or not self.subject_free or self.via is not None or self.on:
            return None
        return (id(self), id(scope.params))  # both live as long as the index (one evaluation run)

    def _filtered(self, scope: Scope, found: list[Artifact]) -> list[Artifact]:
        assert self.where is not None
        where = self.where  # asked for statuses only: the same checks as evaluate, no outcome nobody reads
        key = self.shared_pool_key(scope)
        if key is None:
            return [a for a in found if where.status(scope.at(a), a.data, "") is Tri.PASS]
        cached = scope.index.filtered.get(key)
        if cached is None:
            cached = scope.index.filtered[key] = [a for a in found
                                                  if where.status(scope.at(a), a.data, "") is Tri.PASS]
        return cached


# ----------------------------------------------------------------------------------------------------- leaves

Lazy = Callable[["str | None"], Evidence]
"""Builds one evidence item when it is asked for; a message given (the policy's own) replaces the one it writes."""

Check = Callable[[Scope, Any], "tuple[Tri, str, str | None]"]
"""(scope, actual value) -> (status, expected text, message tail); a tail of None is ``= <actual shown>``, made
only if the evidence is built."""


@dataclass(frozen=True)
class Leaf(Node):
    path: Path
    operator: str
    check: Check = field(compare=False)
    """Left out of ``==``/``hash``, so ``gte: 3`` and ``gte: 5`` on one path compare equal. Safe because nothing
    compares or hashes nodes: every memo over nodes is keyed by ``id(node)`` (a join's key table and filtered
    pool in the :class:`~aima_gate.engine.index.ArtifactIndex`) or lives in the node's own ``__dict__``
    (``Join.related``, batch's pointer flag). A new memo must do the same, never key by the node itself."""
    missing_ok: bool = False
    """True for ``exists: false``: a missing value is the wanted outcome."""
    message: str | None = None

    def evaluate(self, scope: Scope, value: Any, pointer: str) -> Outcome:
        # One evidence item, built when first asked for: a policy's own message (on a non-pass) is put in
        # directly, which is what _custom would do after the fact.
        path = self.path
        actual = path.get(value)
        if actual is _MISSING and not self.missing_ok:
            _, expected, _ = self.check(scope, _MISSING)
            custom = self.message
            return Outcome(Tri.FAIL, build=lambda: (evidence(
                scope, pointer + path.suffix, _MISSING, expected,
                custom or f"{shown_pointer(pointer)}{path.shown} is missing"),))
        status, expected, tail = self.check(scope, actual)
        custom = None if status is Tri.PASS else self.message
        return Outcome(status, build=lambda: (evidence(
            scope, pointer + path.suffix, actual, expected, custom or f"{shown_pointer(pointer)}{path.shown} "
            + (tail if tail is not None else f"= {show(actual)}")),))

    def status(self, scope: Scope, value: Any, pointer: str) -> Tri:
        actual = value  # Path.get, inlined for the usual case (mappings all the way); anything else asks it
        for tok in self.path.tokens:
            if type(actual) is not dict:
                actual = self.path.get(value)
                break
            actual = actual.get(tok, _MISSING)
            if actual is _MISSING:
                break
        if actual is _MISSING and not self.missing_ok:
            self.check(scope, _MISSING)  # as evaluate does (for the expected text): whatever it raises, raises
            return Tri.FAIL
        return self.check(scope, actual)[0]
