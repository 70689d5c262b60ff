"""What the artifact cache stores (see cache.py for the store, cache_recording.py for how a collector's reads are
recorded).

A parse is cached only when its outcome is provably a function of what was recorded:

* the collector reached the repository only through ``cache_recording.RecordingRepo``, whose every answer is
  recorded as a dependency (the bytes of each file read, by SHA-256; each ``exists``; each listing or glob, by
  digest). Any other access (an absolute path, ``open_binary``, ``root``...) marks the parse uncacheable;
* every result is an :class:`Artifact` or one of the core error classes, and is stored *exactly* (same types,
  same key order, same floats: :func:`exact_blob`, checked when stored, never assumed);
* its line index is one of the core :class:`LineIndex` shapes, stored as the table it answers from.

Artifacts read back keep their ``data`` undecoded (:class:`LazyData`) until something reads it; the runner
hands the engine plain dicts (:func:`materialized`), so a cached artifact is evaluated exactly like a parsed one.
A partial run hands it its subjects so; the other artifacts its joins may look up stay :class:`LazyData`, a
mapping answering every key as the decoded dict does (changed.join_pool: unless a join reads a whole document).
"""

from __future__ import annotations

import hashlib
import json
import marshal
from collections.abc import ItemsView, Iterator, Mapping, Sequence
from typing import Any

from aima_gate.core import errors as core_errors
from aima_gate.core.errors import AimaGateError
from aima_gate.core.model import Artifact, LineIndex, _PrefixView
from aima_gate.pipeline.cache_blobs import Blobs, PairBlobs, lines_from_blob

ERROR_CLASSES: dict[str, type[AimaGateError]] = {
    cls.__name__: cls for cls in (core_errors.AimaGateError, core_errors.InputError, core_errors.ConfigError,
                                  core_errors.PolicyError, core_errors.ArtifactError)}
PEEK_KEYS = ("source", "mlflow", "digests")
"""Top-level keys of a model's data read for every model of a run (duplicate detection, manifests), kept beside
the entry so that reading them does not decode the whole document."""
_PEEK = frozenset(PEEK_KEYS)

Dep = tuple[Any, ...]
"""("read", path, sha256 hex) | ("holding", [patterns], [needles], {path: sha256 hex}, {path: sha256 hex}): the
files of the glob that hold any of the (ASCII) needles are those, with those bytes, and the others hold none
(:meth:`RecordingRepo.glob_holding`) | ("exists", path, bool) |
("glob", [patterns], digest) | ("files", digest) | ("group", digest): the dependencies of a
:meth:`RecordingRepo.shared` computation, stored once per pack under the digest of their JSON (many parses, one
registry read)."""


class Uncacheable(Exception):
    """This parse's outcome cannot be stored exactly."""


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def listing_digest(names: Sequence[str]) -> str:
    return sha("\0".join(names).encode("utf-8", "surrogateescape"))


LISTING = "listing"
"""The row of a pack's globs table that keeps the listing itself: [its digest, its paths joined by NUL] (a glob's
own key is a JSON list)."""


def listing_since(row: Any, files: list[str], digest: str) -> tuple[list[str], str | None, list[str]]:
    """For a run whose listing is ``files`` (its digest ``digest``), given the last pack's :data:`LISTING` ``row``:
    the row to keep for the next run, the last listing's digest when it differs from this one (None: the same,
    or no usable row) and the paths of ``files`` the last listing lacked. A row whose paths do not give its digest
    is not used."""
    if isinstance(row, list) and len(row) == 2 and row[0] == digest:
        return row, None, []
    if (isinstance(row, list) and len(row) == 2 and type(row[0]) is str and type(row[1]) is str
            and listing_digest(last := row[1].split("\0") if row[1] else []) == row[0]):
        before = set(last)
        return [digest, "\0".join(files)], row[0], [f for f in files if f not in before]
    return [digest, "\0".join(files)], None, []


# ------------------------------------------------------------------------------------------------ encoding
def _shape(value: Any) -> bytes:
    """``value`` as marshal's version-2 bytes: every type, dict key order and float bit written exactly, no
    back-references (so shared or interned strings write as any equal string does); a subclass of a built-in type
    (a str or dict subclass) cannot be written at all."""
    return marshal.dumps(value, 2)


def exact_json(value: Any) -> str:
    """JSON that decodes to exactly ``value``, or :class:`Uncacheable`.

    Exactly: the decoded value writes the same marshal bytes (:func:`_shape`), so it has the same types all the
    way down (no tuple read back as a list, no int key as a str, no subclass), the same key order and the same
    floats. (Two C passes; the recursive comparison in Python they replace was a third of a cold run's cache
    writing.)"""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError) as exc:
        raise Uncacheable(str(exc)) from None
    try:
        same = _shape(json.loads(text)) == _shape(value)
    except (ValueError, RecursionError):  # an unmarshallable subclass, or nested beyond marshal's limit
        same = False
    if not same:
        raise Uncacheable("does not survive a JSON round trip")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (loaders refuse them; never assumed)
        raise Uncacheable("not encodable as UTF-8") from None
    return text


def line_table(index: LineIndex) -> tuple[str, dict[str, int]]:
    """(prefix, table): ``index`` answers ``line_of(p)`` as ``LineIndex(table).line_of(prefix + p)``."""
    prefix, base = _unwrapped(index)
    base.line_of("")  # builds a lazily built table
    table = base._lines or {}
    if prefix:
        ancestors = {prefix}
        p = prefix
        while p:
            p = p.rsplit("/", 1)[0]
            ancestors.add(p)
        table = {k: v for k, v in table.items() if k.startswith(prefix) or k in ancestors}
    return prefix, dict(table)


def _unwrapped(index: LineIndex) -> tuple[str, LineIndex]:
    prefix = ""
    while type(index) is _PrefixView:
        prefix = index._prefix + prefix
        index = index._base
    if type(index) is not LineIndex:
        raise Uncacheable(f"line index {type(index).__name__}")
    return prefix, index


def stored_lines(index: LineIndex) -> dict[str, Any]:
    """What an artifact's blob keeps of ``index``: ``p`` (prefix) and either ``t`` (the table, see
    :func:`line_table`) or ``r``, the recipe of a lazily built table that was not built yet (the JSON text it
    would be built from), so that writing the cache does not build the line map of every JSON document, which
    the run itself only builds for the few it reports on."""
    prefix, base = _unwrapped(index)
    recipe = line_recipe(base)
    if recipe is not None:
        return {"p": prefix, "r": recipe}
    prefix, table = line_table(index)
    return {"p": prefix, "t": table}


def line_recipe(index: LineIndex) -> Any:
    """A JSON value :func:`.cache_blobs.rebuilt_lines` turns back into an index answering like ``index``, or None
    (store the table). Only the lazy builders known here, and only while unbuilt (a built table is stored as it
    is)."""
    from aima_gate.collectors.bias_report import ReportLines
    from aima_gate.safeio.json_lines import JsonLines

    if type(index) is not LineIndex or index._lines is not None:
        return None
    build = index._build
    if type(build) is JsonLines:
        return ["json", build.text]
    if type(build) is ReportLines:
        source = line_recipe(build.source)
        if source is None and type(build.source) is LineIndex and build.source._lines is not None:
            source = ["table", dict(build.source._lines)]
        return None if source is None else ["bias", source, build.attribute_names()]
    return None


def exact_blob(value: Any) -> bytes:
    """``value`` in marshal's version-4 format, which writes only exact built-in types with their type tags (a
    subclass of one, or any other object, is refused: :class:`Uncacheable`), dict key order and float bits, so
    that what is read back is exactly ``value``; decoded only from an authenticated pack (:class:`Blobs`). One C
    pass, where a JSON text checked by a round trip took three (a fifth of a cold run's cache writing). Version 4,
    not 2: an interned string (the loaders intern keys, pointers and short values) is written as interned and
    interned again when read, so 50,000 read-back artifacts share their keys as parsed ones do (12,500 models,
    warm run: 397 -> 286 MB peak); within one blob an object written twice is read back as one object, as it was.
    """
    try:
        return marshal.dumps(value, 4)
    except ValueError as exc:  # unmarshallable, or nested beyond marshal's limit
        raise Uncacheable(str(exc)) from None


_SMALL_INT = 1 << 62


def exact_head(head: list[Any]) -> None:
    """:func:`exact_json` of an artifact's index head ``[kind, name, file, line, references, peek]``, raising
    exactly when it raises. The usual head (no peek: every kind but models; strings, a small int, references as
    lists of strings) is checked by type, in one pass, instead of by a JSON round trip: such a head is exact unless
    a string is not encodable as UTF-8 (a lone surrogate), which the joined strings' encoding finds. Any other head
    takes the round trip."""
    kind, name, file, line, refs, peek = head
    if (peek is None and type(kind) is str and type(name) is str and type(file) is str and type(line) is int
            and -_SMALL_INT < line < _SMALL_INT and type(refs) is list
            and all(type(r) is list and all(type(x) is str for x in r) for r in refs)):
        try:
            "\0".join([kind, name, file, *(x for r in refs for x in r)]).encode("utf-8")
        except UnicodeEncodeError:
            raise Uncacheable("not encodable as UTF-8") from None
        return
    exact_json(head)


def encode_results(results: Sequence[Any]) -> tuple[list[Any], list[bytes]]:
    """(items for the index, two blobs per artifact: its data, its lines). Raises :class:`Uncacheable`."""
    items: list[Any] = []
    blobs: list[bytes] = []
    for res in results:
        if type(res) is Artifact:
            if not isinstance(res.data, dict):
                raise Uncacheable("artifact data is not a dict")
            lines = stored_lines(res.lines)
            refs = [list(r) for r in res.references]
            peek = {k: res.data[k] for k in PEEK_KEYS if k in res.data} if res.kind == "model" else None
            head = [res.kind, res.name, res.file, res.line, refs, peek]
            exact_head(head)
            if not all(isinstance(x, str) for r in res.references for x in r) or type(res.line) is not int:
                raise Uncacheable("artifact fields")
            items.append(["a", *head])
            blobs.append(exact_blob(res.data))  # the data, then its lines: the data decodes without the lines
            blobs.append(exact_blob(lines))
        elif isinstance(res, AimaGateError) and ERROR_CLASSES.get(type(res).__name__) is type(res):
            if set(vars(res)) != {"diagnosis", "location", "hint"}:
                raise Uncacheable("error with extra state")
            item = ["e", type(res).__name__, res.diagnosis, res.file, res.line, res.pointer, res.hint]
            exact_json(item)
            items.append(item)
        else:
            raise Uncacheable(f"result of type {type(res).__name__}")
    return items, blobs


class LazyData(Mapping[str, Any]):
    """An artifact's data, decoded from its verified blob on first use. A key of the entry's peek
    (:data:`PEEK_KEYS`) and one set by :meth:`with_key` are answered without decoding (``get``, ``in``, ``[]``):
    a partial run reads a model's ``source`` from all of them and decodes only the models it evaluates."""

    __slots__ = ("_blobs", "_extra", "_n", "_peek", "_value")

    def __init__(self, blobs: Blobs | PairBlobs, n: int, peek: dict[str, Any] | None,
                 extra: dict[str, Any] | None = None) -> None:
        self._blobs = blobs
        self._n = n
        self._peek = peek
        self._extra = extra
        self._value: dict[str, Any] | None = None

    def with_key(self, key: str, value: Any) -> LazyData:
        """The data with ``key`` set to ``value`` (as ``data = dict(self); data[key] = value`` does: an existing key
        keeps its place, a new one comes last), still decoded only on first use."""
        return LazyData(self._blobs, self._n, self._peek, {**(self._extra or {}), key: value})

    def real(self) -> dict[str, Any]:
        if self._value is None:
            value = self._blobs.get(self._n)
            if not isinstance(value, dict):
                raise ValueError("cached data is not an object")
            if self._extra:
                value = {**value, **self._extra}  # a copy: the decoded dict is the blob's, shared
            self._value = value
        return self._value

    # get, [] and in answer a key of the peek or one set by with_key from those small dicts (peek: exactly the
    # PEEK_KEYS the data has), anything else from the decoded dict; each inlined: the engine asks 10,000 times.
    def get(self, key: str, default: Any = None) -> Any:
        value = self._value
        if value is None:
            extra = self._extra
            if extra is not None and key in extra:
                return extra[key]
            if self._peek is not None and key in _PEEK:
                return self._peek.get(key, default)
            value = self.real()
        return value.get(key, default)

    def __getitem__(self, key: str) -> Any:
        value = self._value
        if value is None:
            extra = self._extra
            if extra is not None and key in extra:
                return extra[key]
            if self._peek is not None and key in _PEEK:
                return self._peek[key]
            value = self.real()
        return value[key]

    def __contains__(self, key: object) -> bool:
        value = self._value
        if value is None:
            extra = self._extra
            if extra is not None and key in extra:
                return True
            if self._peek is not None and key in _PEEK:
                return key in self._peek
            value = self.real()
        return key in value

    def __iter__(self) -> Iterator[str]:
        return iter(self.real())

    def items(self) -> ItemsView[str, Any]:
        """The decoded dict's own view: ``dict(data.items())`` copies without a lookup per key."""
        return self.real().items()

    def __len__(self) -> int:
        return len(self.real())


class LazyLines(LineIndex):
    __slots__ = ("_blobs", "_n", "_real")

    def __init__(self, blobs: Blobs | PairBlobs, n: int) -> None:
        self._lines = self._build = None  # LineIndex's own slots, set without a call (never read: line_of is ours)
        self._blobs = blobs
        self._n = n
        self._real: LineIndex | None = None

    def line_of(self, pointer: str) -> int | None:
        if self._real is None:
            self._real = lines_from_blob(self._blobs.get(self._n))
        return self._real.line_of(pointer)


def decode_artifact(blobs: Blobs, n: int, kind: str, name: str, file: str, line: int, refs: list[Any],
                    peek: dict[str, Any] | None) -> Artifact:
    return Artifact(kind, name, file, LazyData(blobs, n, peek), line, LazyLines(blobs, n + 1),
                    tuple([tuple(r) for r in refs]) if refs else ())


def decode_results(items: list[Any], blobs: Blobs) -> list[Any]:
    """Results from an entry's items and its verified blobs. Raises on a bad shape."""
    out: list[Any] = []
    n = 0
    for item in items:
        if item[0] == "a":
            _, kind, name, file, line, refs, peek = item
            out.append(decode_artifact(blobs, n, kind, name, file, line, refs, peek))
            n += 2
        elif item[0] == "e":
            _, cls, diagnosis, file, line, pointer, hint = item
            out.append(ERROR_CLASSES[cls](diagnosis, file=file, line=line, pointer=pointer, hint=hint))
        else:
            raise ValueError("unknown item")
    return out


def materialized(art: Artifact) -> Artifact:
    """The artifact with plain data (what the engine and reporters always see)."""
    if type(art.data) is not LazyData:
        return art
    # Made directly: dataclasses.replace() inspects the fields on every call (5,000 joined models a partial run).
    real = art.data.real()
    art.data._blobs.detach()  # the pack is freed once every artifact read back is materialized
    return Artifact(art.kind, art.name, art.file, real, art.line, art.lines, art.references)
