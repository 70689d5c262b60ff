"""Pickle-exact reading of opcode arguments, and the records the walker produces (:mod:`pickle_walk`).

Decoding follows ``pickle.Unpickler`` (``load_string``, ``load_unicode``, ``load_global``, ``find_class``): an
argument pickle would reject raises :class:`PickleError`; one whose value depends on the loader's ``encoding``
becomes ``OPAQUE``, so an import naming it is ``computed`` and can never be allowlisted.
"""

from __future__ import annotations

import _compat_pickle
import codecs
import pickletools
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

MAX_KEPT_STRING = 4096
"""Strings longer than this are skipped (never held in memory); an import naming one is ``computed``."""
MAX_KEPT_ITEMS = 64
SKIP_CHUNK = 1 << 20
MAX_LINE = 1 << 16


class PickleError(Exception):
    """The stream is not a pickle ``pickle.load`` would finish: it would raise at ``position`` (or earlier)."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


class ScanLimit(PickleError):
    """aima-gate's own bound was reached; unlike :class:`PickleError`, a load might carry on, so never a pass."""


class CannotFollow(PickleError):
    """The walker cannot tell what a load does next (e.g. how many joblib array bytes follow). A load might carry
    on, so like :class:`ScanLimit` this ends even a tolerant walk with an error, never a silent stop."""


@dataclass(frozen=True)
class Import:
    module: str
    """The module ``find_class`` imports (after ``_compat_pickle`` mapping)."""
    name: str
    """The attribute path it resolves (dotted for protocol >= 4)."""
    position: int
    opcode: str
    raw: str = ""
    """The name as spelled in the bytes when the mapping changed it, e.g. ``__builtin__.eval``."""
    computed: bool = False
    """Module or name is not a literal string: it is computed at load time and cannot be checked."""


@dataclass(frozen=True)
class ScanResult:
    protocol: int | None
    opcodes: int
    pickles: int
    imports: tuple[Import, ...]
    persistent_ids: int
    skipped_array_bytes: int
    """Raw joblib array bytes skipped as joblib skips them (0 for plain pickles)."""
    complete: bool
    """False when a tolerant scan stopped where ``pickle.load`` would raise."""
    storages: tuple[tuple[Any, Any, Any], ...] = ()
    """(key, storage type, numel) of each torch storage a persistent id names, first reference per key:
    torch's ``persistent_load`` reads these as raw tensor bytes (:mod:`aima_gate.integrity.torch_layout`)."""


class Budget:
    """Shared opcode and time allowance for one file (all its members and nested streams)."""

    __slots__ = ("deadline", "left", "max_opcodes", "max_seconds")

    def __init__(self, max_opcodes: int, max_seconds: float) -> None:
        self.max_opcodes = max_opcodes
        self.max_seconds = max_seconds
        self.left = max_opcodes
        self.deadline = time.monotonic() + max_seconds

    def spend(self, n: int, pos: int) -> None:
        self.left -= n
        if self.left < 0:
            raise ScanLimit(f"more than {self.max_opcodes:,} pickle opcodes (scan limit)", pos)
        if time.monotonic() > self.deadline:
            raise ScanLimit(f"scanning took longer than {self.max_seconds:g} s (scan limit)", pos)


class Obj:
    """An object a load would construct, and its BUILD state.

    ``exact``: the object is an instance of exactly ``cls`` (NEWOBJ, OBJ, INST, copyreg reconstructors, or a
    REDUCE calling the class). A REDUCE of any other callable gives ``exact=False``: its result type is unknown.
    """

    __slots__ = ("args", "cls", "exact", "state")

    def __init__(self, cls: Import | None, args: Any = None, exact: bool = True) -> None:
        self.cls = cls
        self.args = args
        self.exact = exact and cls is not None and not cls.computed
        self.state: Any = None


MARK: Any = object()
OPAQUE: Any = object()
"""A value the walker does not track that may be a str at load time (a skipped long string, a persistent id)."""
NOTSTR: Any = object()
"""A value the walker does not track that is certainly not a str (a list, float, bytes, set, big int)."""


class Reader:
    __slots__ = ("pos", "read")

    def __init__(self, stream: IO[bytes], pos: int = 0) -> None:
        self.read: Callable[[int], bytes] = stream.read
        self.pos = pos

    def exact(self, n: int, what: str) -> bytes:
        data = self.read(n)
        if len(data) != n:
            raise PickleError(f"truncated: the stream ends inside {what}", self.pos + len(data))
        self.pos += n
        return data

    def skip(self, n: int, what: str) -> None:
        left = n
        while left:
            got = len(self.read(min(left, SKIP_CHUNK)))
            if not got:
                raise PickleError(f"truncated: the stream ends inside {what}", self.pos + n - left)
            left -= got
        self.pos += n

    def line(self, what: str) -> bytes:
        buf = bytearray()
        while True:
            c = self.read(1)
            if not c:
                raise PickleError(f"truncated: the stream ends inside {what}", self.pos + len(buf))
            if c == b"\n":
                break
            buf += c
            if len(buf) > MAX_LINE:
                if b"\x00" in buf:  # pickle would read on, but no importable name or number holds a NUL
                    raise PickleError(f"{what} argument holds a NUL byte", self.pos)
                raise ScanLimit(f"{what} argument longer than {MAX_LINE} bytes (scan limit)", self.pos)
        self.pos += len(buf) + 1
        return bytes(buf)


_OPS: dict[int, pickletools.OpcodeInfo] = {op.code.encode("latin-1")[0]: op for op in pickletools.opcodes}
_FIXED = {pickletools.TAKEN_FROM_ARGUMENT1: ("<B", 1), pickletools.TAKEN_FROM_ARGUMENT4: ("<i", 4),
          pickletools.TAKEN_FROM_ARGUMENT4U: ("<I", 4), pickletools.TAKEN_FROM_ARGUMENT8U: ("<Q", 8)}
_INT_ARGS = {"BININT": "<i", "BININT1": "<B", "BININT2": "<H", "BINPUT": "<B", "LONG_BINPUT": "<I",
             "BINGET": "<B", "LONG_BINGET": "<I", "EXT1": "<B", "EXT2": "<H", "EXT4": "<i", "PROTO": "<B"}
_UTF8_STRINGS = frozenset({"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8"})
_BYTE_STRINGS = frozenset({"BINSTRING", "SHORT_BINSTRING"})
_CONSTANTS: dict[str, Any] = {"NONE": None, "NEWTRUE": True, "NEWFALSE": False, "EMPTY_TUPLE": ()}
_GENERIC = {op.name: (len(op.stack_before), len(op.stack_after)) for op in pickletools.opcodes
            if pickletools.markobject not in op.stack_before}


def _name_text(raw: bytes, what: str, pos: int, codec: str) -> str:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        raise PickleError(f"{what} argument is not valid {codec}", pos) from None


def _string_value(raw: bytes, name: str, pos: int) -> Any:
    """The value pickle pushes for a string opcode: str, or OPAQUE where it depends on the loader's encoding."""
    if name in _UTF8_STRINGS:
        try:
            return raw.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            raise PickleError(f"{name} argument is not valid UTF-8", pos) from None
    if name == "UNICODE":
        try:
            return raw.decode("raw-unicode-escape")
        except UnicodeDecodeError:
            raise PickleError("UNICODE argument is not valid raw-unicode-escape", pos) from None
    if name == "STRING":
        if len(raw) < 2 or raw[:1] != raw[-1:] or raw[:1] not in (b"'", b'"'):
            raise PickleError("the STRING opcode argument must be quoted", pos)
        try:
            raw = codecs.escape_decode(raw[1:-1])[0]
        except ValueError:
            raise PickleError("STRING argument has an invalid escape", pos) from None
    # 8-bit strings become str through the loader's `encoding` (ASCII, UTF-8, latin-1 or bytes): only ASCII
    # means the same text under all of them.
    return raw.decode("ascii") if raw.isascii() else OPAQUE


def _mapped(module: str, name: str, proto: int) -> tuple[str, str, str]:
    if proto < 3:
        key = (module, name)
        if key in _compat_pickle.NAME_MAPPING:
            new_module, new_name = _compat_pickle.NAME_MAPPING[key]
            return new_module, new_name, f"{module}.{name}"
        if module in _compat_pickle.IMPORT_MAPPING:
            return _compat_pickle.IMPORT_MAPPING[module], name, f"{module}.{name}"
    return module, name, ""


# Opcode table indexed by byte: (name, argument mode, unpack, width). Modes mirror pickletools' argument kinds.
_NONE_ARG, _FIXED_INT, _RAW, _COUNTED, _LINE, _TWO_LINES = range(6)


def _spec(op: pickletools.OpcodeInfo) -> tuple[str, int, Any, int]:
    a = op.arg
    if a is None:
        return op.name, _NONE_ARG, None, 0
    if a.n == pickletools.UP_TO_NEWLINE:
        return op.name, _TWO_LINES if a.name == "stringnl_noescape_pair" else _LINE, None, 0
    if a.n >= 0:
        fmt = _INT_ARGS.get(op.name)
        return (op.name, _FIXED_INT, struct.Struct(fmt).unpack, a.n) if fmt else (op.name, _RAW, None, a.n)
    fmt, width = _FIXED[a.n]
    return op.name, _COUNTED, struct.Struct(fmt).unpack, width


_SPECS: list[tuple[str, int, Any, int] | None] = [None] * 256
for _code, _op in _OPS.items():
    _SPECS[_code] = _spec(_op)
_C = {op.name: code for code, op in _OPS.items()}
_PUT, _MEMOIZE, _GET, _MARK, _EMPTY_DICT, _INST, _OBJ = (_C[n] for n in ("PUT", "MEMOIZE", "GET", "MARK", "EMPTY_DICT",
                                                                       "INST", "OBJ"))
_PUTS = frozenset(_C[n] for n in ("BINPUT", "LONG_BINPUT", "MEMOIZE", "PUT"))
_GETS = frozenset(_C[n] for n in ("BINGET", "LONG_BINGET", "GET"))
_STRING_CODES = frozenset(_C[n] for n in (*_UTF8_STRINGS, *_BYTE_STRINGS))
_PUSH_ARG = _STRING_CODES | frozenset(_C[n] for n in ("BININT", "BININT1", "BININT2"))
_PUSH_CONST = {_C[n]: v for n, v in _CONSTANTS.items()}
_MARKED = frozenset(_C[n] for n in ("TUPLE", "LIST", "DICT", "FROZENSET", "POP_MARK", "APPENDS", "SETITEMS",
                                    "ADDITEMS", "INST", "OBJ"))
_TUPLE_N = {_C["TUPLE1"]: 1, _C["TUPLE2"]: 2, _C["TUPLE3"]: 3}
_EXTS = frozenset(_C[n] for n in ("EXT1", "EXT2", "EXT4"))
(_POP_MARK, _APPENDS, _ADDITEMS, _SETITEMS, _TUPLE, _DICT, _APPEND, _SETITEM, _POP, _STACK_GLOBAL, _GLOBAL, _REDUCE,
 _BUILD, _NEWOBJ, _NEWOBJ_EX, _STOP, _PROTO, _DUP, _INT, _PERSID, _BINPERSID, _NEXT_BUFFER, _READONLY_BUFFER,
 _STRING, _UNICODE, _FRAME) = (_C[n] for n in (
    "POP_MARK", "APPENDS", "ADDITEMS", "SETITEMS", "TUPLE", "DICT", "APPEND", "SETITEM", "POP", "STACK_GLOBAL",
    "GLOBAL", "REDUCE", "BUILD", "NEWOBJ", "NEWOBJ_EX", "STOP", "PROTO", "DUP", "INT", "PERSID", "BINPERSID",
    "NEXT_BUFFER", "READONLY_BUFFER", "STRING", "UNICODE", "FRAME"))


def _may_be_str(v: Any) -> bool:
    # Tracked scalars, containers and imported objects are known not to be str; Obj (a constructed object, maybe
    # str(...) itself) and OPAQUE may be one at load time, so an import naming them is `computed`.
    # STACK_GLOBAL wants an exact str, so an instance made by NEWOBJ/OBJ/INST is one only if its class is str.
    if isinstance(v, Obj):
        return not v.exact or (v.cls is not None and (v.cls.module, v.cls.name) == ("builtins", "str"))
    return isinstance(v, str) or v is OPAQUE


def _line_int(raw: bytes, name: str, pos: int) -> int:
    try:
        return int(raw)
    except ValueError:
        raise PickleError(f"{name} argument is not an integer", pos) from None


def _int_line(raw: bytes, pos: int) -> Any:
    if raw == b"00":
        return False
    if raw == b"01":
        return True
    try:
        return int(raw, 0)
    except ValueError:
        raise PickleError("INT argument is not an integer", pos) from None


def _hashable(v: Any) -> bool:
    return isinstance(v, (str, int, bool, type(None)))


def _small_dict(items: list[Any]) -> Any:
    d: dict[Any, Any] = {}
    _set_items(d, items)
    return d


def _set_items(target: Any, items: list[Any]) -> None:
    if not isinstance(target, dict):
        return
    for k in range(0, len(items) - 1, 2):
        key = items[k]
        if _hashable(key):  # no size cap: a dtype's fields dict must be seen whole (memory is linear in opcodes)
            target[key] = items[k + 1]


def _merge_state(old: Any, new: Any) -> Any:
    """The attributes an instance without ``__setstate__`` has after BUILD (``load_build``): a (state,
    slotstate) pair updates ``__dict__`` with state, then sets every slotstate item, so slotstate wins."""
    if isinstance(new, tuple) and len(new) == 2 and (new[1] is None or isinstance(new[1], dict)):
        state, slots = new
        if not (state is None or isinstance(state, dict)):
            return new  # a class with __setstate__ (e.g. numpy.dtype) receives the pair as it is
        merged = dict(old) if isinstance(old, dict) else {}
        merged.update(state or {})
        merged.update(slots or {})
        return merged
    if isinstance(new, dict):
        return {**old, **new} if isinstance(old, dict) else new
    return new


_CLASS_RECONSTRUCTORS = frozenset({("copyreg", "_reconstructor"), ("copyreg", "__newobj__"),
                                   ("copyreg", "__newobj_ex__")})


def _reduce(func: Any, args: Any) -> Any:
    """What a REDUCE yields, as far as the walker needs: the instance's class when the callable says it."""
    if not isinstance(func, Import) or func.computed:
        return Obj(None)
    if (func.module, func.name) in _CLASS_RECONSTRUCTORS:
        cls = args[0] if isinstance(args, tuple) and args else None
        return Obj(cls if isinstance(cls, Import) else None, args)
    # Calling a class gives an instance of it; calling a function gives an object of unknown type. Which one an
    # import is cannot be told from the bytes, so the result counts as exact only for the watched class itself.
    return Obj(func, args, exact=False)
