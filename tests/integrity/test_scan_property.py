"""Property: for generated pickles, the scanner reports exactly the import ``pickle.Unpickler.find_class`` resolves.

The reference is the stdlib's own pure-Python unpickler with a ``find_class`` that records the resolved
``(module, name)`` (applying ``_compat_pickle`` exactly as ``pickle.Unpickler.find_class`` does) and then
*refuses*: it raises, so nothing is imported or constructed. Loading stops at the first import, so the property
compares the first import of each generated pickle; the pickles are generated with every protocol, every string
opcode and escape spelling, memo indirection, marks and protocol switches.
"""

from __future__ import annotations

import _compat_pickle
import collections
import datetime
import decimal
import fractions
import io
import pickle
import struct
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aima_gate.integrity.pickle_reader import Budget, PickleError
from aima_gate.integrity.pickle_scan import scan_stream


class _Refused(Exception):
    pass


class Recorder(pickle._Unpickler):
    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self.seen: list[tuple[str, str]] = []

    def find_class(self, module: str, name: str) -> Any:
        # pickle.Unpickler.find_class, minus the import: map Python 2 names for protocol < 3, then refuse
        if self.proto < 3 and self.fix_imports:  # type: ignore[attr-defined]
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            elif module in _compat_pickle.IMPORT_MAPPING:
                module = _compat_pickle.IMPORT_MAPPING[module]
        self.seen.append((module, name))
        raise _Refused


def reference_first_import(data: bytes) -> tuple[str, str] | None:
    rec = Recorder(data)
    try:
        rec.load()
    except _Refused:
        pass
    except Exception:
        pass
    return rec.seen[0] if rec.seen else None


def scanner_first_import(data: bytes) -> tuple[str, str] | None:
    try:
        res = scan_stream(io.BytesIO(data), Budget(10**6, 30), tolerant=True)
    except PickleError:
        return None
    for imp in res.imports:
        return None if imp.computed else (imp.module, imp.name)
    return None


# ---------------------------------------------------------------- real pickles of generated objects
_leaf = st.one_of(st.integers(), st.floats(allow_nan=False), st.text(max_size=8), st.binary(max_size=8),
                  st.booleans(), st.none(), st.complex_numbers(allow_nan=False, allow_infinity=False))
_special = st.one_of(
    _leaf.map(lambda v: collections.OrderedDict(a=v)), st.integers().map(lambda i: datetime.date(2000, 1, 1 + i % 28)),
    st.integers().map(decimal.Decimal), st.fractions().map(fractions.Fraction),
    st.frozensets(st.integers(), max_size=3),
    st.sets(st.text(max_size=3), max_size=3), st.binary(max_size=6).map(bytearray),
    st.integers(0, 9).map(range), st.integers().map(lambda i: slice(i)), st.just(collections.Counter("ab")),
    st.just(collections.deque([1])), st.just(datetime.timedelta(1)))
objects = st.recursive(st.one_of(_leaf, _special), lambda kids: st.one_of(
    st.lists(kids, max_size=3), st.tuples(kids, kids), st.dictionaries(st.text(max_size=3), kids, max_size=3)),
    max_leaves=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(obj=objects, proto=st.integers(0, pickle.HIGHEST_PROTOCOL))
def test_first_import_of_real_pickles_matches_find_class(obj: object, proto: int) -> None:
    data = pickle.dumps(obj, protocol=proto)
    assert scanner_first_import(data) == reference_first_import(data)


# ---------------------------------------------------------------- hand-assembled imports, every spelling
NAMES = [("os", "system"), ("builtins", "exec.__call__"), ("builtins", "print.__self__.exec"),
         ("__builtin__", "eval"), ("__builtin__", "xrange"), ("copy_reg", "_reconstructor"), ("cPickle", "loads"),
         ("exceptions", "ValueError"), ("UserDict", "UserDict"), ("collections", "OrderedDict"),
         ("pathlib", "os.system"), ("numpy.core.multiarray", "_reconstruct"), ("é", "ü")]


def _uni(s: str) -> bytes:
    return "".join(f"\\u{ord(c):04x}" if i % 2 else c for i, c in enumerate(s)).encode()


def _push(s: str, how: str) -> bytes:
    raw = s.encode("utf-8")
    if how == "short":
        return b"\x8c" + bytes([len(raw)]) + raw
    if how == "long":
        return b"X" + struct.pack("<I", len(raw)) + raw
    if how == "unicode-escape":
        return b"V" + _uni(s) + b"\n"
    if how == "string-hex":
        return b"S'" + "".join(f"\\x{b:02x}" for b in raw).encode() + b"'\n"
    if how == "string-octal":
        return b'S"' + "".join(f"\\{b:03o}" for b in raw).encode() + b'"\n'
    if how == "binstring":
        return b"U" + bytes([len(raw)]) + raw
    raise AssertionError(how)


HOWS = ["short", "long", "unicode-escape", "string-hex", "string-octal", "binstring"]


@settings(max_examples=400, deadline=None)
@given(pair=st.sampled_from(NAMES), how=st.sampled_from(HOWS), memo=st.booleans(),
       protos=st.lists(st.integers(0, 5), max_size=2), opcode=st.sampled_from(["STACK_GLOBAL", "GLOBAL", "INST"]),
       noise=st.booleans())
def test_first_import_of_assembled_pickles_matches_find_class(pair: tuple[str, str], how: str, memo: bool,
                                                              protos: list[int], opcode: str, noise: bool) -> None:
    module, name = pair
    out = b"".join(b"\x80" + bytes([p]) for p in protos)
    if noise:
        out += b"(K\x01K\x021"  # MARK, two ints, POP_MARK
    if opcode == "STACK_GLOBAL":
        if memo:
            out += _push(module, how) + b"\x94" + _push(name, how) + b"\x94" + b"0" + b"0" + b"h\x00h\x01"
        else:
            out += _push(module, how) + _push(name, how)
        out += b"\x93)R."
    elif opcode == "GLOBAL":
        out += b"c" + module.encode() + b"\n" + name.encode() + b"\n)R."
    else:
        out += b"(i" + module.encode() + b"\n" + name.encode() + b"\n."
    assert scanner_first_import(out) == reference_first_import(out)
