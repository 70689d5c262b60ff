"""Frozen data shared by collectors, the engine and reporters. No I/O here.

Collectors turn files into :class:`Artifact`; the engine turns artifacts and compiled policies into
:class:`Finding`; reporters render a :class:`Report`. Field names of Finding, Subject, AimaRef and Evidence
are the JSON report's field names (``schemas/report.schema.json``) and must not be renamed.
"""

from __future__ import annotations

import enum
import hashlib
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

JSONValue = Any
"""A value as parsed from YAML/JSON: dict, list, str, int, float, bool or None (dates become ISO strings)."""


class Status(str, enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    WAIVED = "waived"
    NOT_APPLICABLE = "not_applicable"


class Severity(str, enum.Enum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


class LineIndex:
    """Maps JSON pointers inside one parsed document to 1-based source lines.

    Built eagerly by the YAML loader and lazily (on first lookup) by the JSON loader, so documents whose
    lines are never reported cost nothing extra. ``line_of`` falls back to the nearest ancestor.
    """

    __slots__ = ("_build", "_lines")

    def __init__(
        self,
        lines: Mapping[str, int] | None = None,
        build: Callable[[], Mapping[str, int]] | None = None,
    ) -> None:
        self._lines = lines
        self._build = build

    def line_of(self, pointer: str) -> int | None:
        lines = self._lines
        if lines is None:
            lines = self._lines = self._build() if self._build is not None else {}
            self._build = None
        line = lines.get(pointer)  # the usual case: the pointer itself is mapped
        p = pointer
        while line is None:
            if not p:
                return None
            p = p[: p.rfind("/")] if "/" in p else ""
            line = lines.get(p)
        return line

    def under(self, prefix: str) -> LineIndex:
        """A view for a sub-document at ``prefix`` (e.g. one entry of a registry list). Shares, never copies."""
        return _PrefixView(self, prefix)


class _PrefixView(LineIndex):
    __slots__ = ("_base", "_prefix")

    def __init__(self, base: LineIndex, prefix: str) -> None:
        super().__init__({})
        self._base = base
        self._prefix = prefix

    def line_of(self, pointer: str) -> int | None:
        return self._base.line_of(self._prefix + pointer)


EMPTY_LINES = LineIndex({})
_intern = sys.intern
_set = object.__setattr__  # a frozen dataclass's own fields, set once while it is made


@dataclass(frozen=True, slots=True, init=False)
class Artifact:
    """One subject of evaluation: a registry entry, a model card, a scan report, a signature...

    ``data`` is the collector's normalized view (documented per kind in ``schemas/``), ``lines`` maps
    pointers inside ``data`` to lines of ``file`` (collectors normalizing a foreign format map their
    normalized pointers back onto the source lines). ``references`` lists repo-relative files this artifact
    points at, by the kind expected there; the runner collects those too and reports missing ones.
    """

    kind: str
    name: str
    file: str
    data: Mapping[str, JSONValue]
    line: int = 1
    lines: LineIndex = EMPTY_LINES
    references: tuple[tuple[str, str, str], ...] = ()
    """(kind, repo-relative path, pointer in data holding the reference)."""

    def __init__(self, kind: str, name: str, file: str, data: Mapping[str, JSONValue], line: int = 1,
                 lines: LineIndex = EMPTY_LINES, references: tuple[tuple[str, str, str], ...] = ()) -> None:
        # The dataclass's own __init__, with each slot set through its descriptor: the generated one calls
        # object.__setattr__ by field name, which made it twice as slow (20,000 artifacts read back per hook run).
        _set_kind(self, kind)
        _set_name(self, name)
        _set_file(self, file)
        _set_data(self, data)
        _set_line(self, line)
        _set_lines(self, lines)
        _set_references(self, references)

    def line_of(self, pointer: str) -> int:
        found = self.lines.line_of(pointer)
        return found if found is not None else self.line

    def __reduce__(self) -> tuple[Any, ...]:
        # Parse workers send artifacts back pickled: the constructor's arguments pickle faster than the
        # dataclass's generic slot state (a getstate of every field by name, a setattr each on the way back).
        return (Artifact, (self.kind, self.name, self.file, self.data, self.line, self.lines, self.references))


# The slots' own setters (the class made by slots=True holds them), for Artifact.__init__.
_set_kind, _set_name, _set_file, _set_data, _set_line, _set_lines, _set_references = (
    vars(Artifact)[name].__set__ for name in ("kind", "name", "file", "data", "line", "lines", "references"))


@dataclass(frozen=True, slots=True)
class AimaRef:
    domain: str
    practice: str
    stream: str
    level: int


@dataclass(frozen=True, slots=True)
class Subject:
    kind: str
    name: str
    file: str


@dataclass(frozen=True, slots=True)
class Evidence:
    file: str
    line: int
    pointer: str
    actual: JSONValue
    expected: str
    message: str

    def __post_init__(self) -> None:
        # One copy of each expectation and message however many subjects share it ("owner is missing" on every
        # model): hundreds of thousands of evidence items on large repositories, most of them repeating.
        if type(self.expected) is str:
            _set(self, "expected", _intern(self.expected))
        if type(self.message) is str:
            _set(self, "message", _intern(self.message))


class _IdentitySlot:
    """Where :attr:`Finding.identity` is kept once computed (a slot outside the dataclass fields, so it takes
    no part in equality, ``replace`` or the report's field names)."""

    __slots__ = ("_identity",)
    _identity: str


@dataclass(frozen=True, slots=True)
class Finding(_IdentitySlot):
    policy_id: str
    title: str
    status: Status
    severity: Severity
    subject: Subject
    aima: AimaRef | None
    evidence: tuple[Evidence, ...]
    remediation: str
    mappings: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    waiver: Mapping[str, str] | None = None
    """For waived findings (and expired waivers): reason, owner, expires, file, line."""

    @property
    def identity(self) -> str:
        """Stable finding key: policy + file + subject, never a line number (see docs/reports.md).

        Computed once per finding (several reporters in one run ask for it); the fields it hashes are frozen.
        Kept in a slot by hand: findings have no instance dict (hundreds of thousands of them on large
        repositories), and ``functools.cached_property`` needs one."""
        try:
            return self._identity
        except AttributeError:
            pass
        raw = "\0".join((self.policy_id, self.subject.file, self.subject.kind, self.subject.name))
        # surrogatepass: a lone surrogate that reached a finding (loaders refuse them, but not every source is a
        # loader) must never turn into an internal error; it still hashes to a stable key.
        key = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
        object.__setattr__(self, "_identity", key)  # the frozen fields are untouched
        return key


# Pseudo-policies the gate itself reports under (they have no AIMA mapping).
INPUT_ERROR = "aima-gate.input-error"
NO_SUBJECTS = "aima-gate.no-subjects"
UNUSED_WAIVER = "aima-gate.unused-waiver"
EMPTY_REPOSITORY = "aima-gate.empty-repository"


@dataclass(frozen=True)
class Waiver:
    """An accepted, owned, expiring exception for one policy and the subjects matching ``subject``.

    ``subject`` is matched (shell-style wildcards) against the subject's name and its file.
    """

    policy_id: str
    subject: str
    reason: str
    owner: str
    expires: str
    """ISO date (inclusive: the waiver holds through that day)."""
    file: str
    line: int
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Kind-specific matching (e.g. advisory id, package, version range for dependency waivers)."""
