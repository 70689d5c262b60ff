"""joblib's own pickle format: raw numpy array bytes after each ``NumpyArrayWrapper``, skipped as joblib skips them.

``joblib.numpy_pickle.NumpyUnpickler.load_build`` runs after every BUILD: when the object is a
``NumpyArrayWrapper``, ``read_array`` reads the array from the stream right there: an optional padding block (one
length byte, then that many bytes, when the wrapper has ``numpy_array_alignment_bytes``), then
``prod(shape) * dtype.itemsize`` raw bytes; for a dtype holding Python objects it instead loads a nested pickle
with a fresh ``Unpickler`` (its own memo and protocol). The walker reproduces exactly that, so a scikit-learn model
saved with ``joblib.dump`` is scanned completely. Anything that would make the byte count uncertain (an unknown
dtype, a shape that is not a tuple of ints, a BUILD on an object that might be a wrapper) is a scan error, never a
guess: skipping a wrong number of bytes would desynchronise the walk from the load.

A plain ``pickle.load`` of the same file would run the array bytes as opcodes; :mod:`model_files` therefore also
walks such files the way pickle would (tolerantly) and checks what that view imports.
"""

from __future__ import annotations

import math
import re
from typing import Any

from aima_gate.integrity.pickle_reader import CannotFollow, Import, Obj
from aima_gate.integrity.pickle_walk import Walk

WRAPPER = ("joblib.numpy_pickle", "NumpyArrayWrapper")
MAX_NESTING = 8
ARRAY: Any = object()
"""The value joblib pushes in place of a wrapper (an ndarray): a known non-class value."""

_TYPESTR = re.compile(r"^([biufcmMOSUVa?])(\d*)$")
_FLEXIBLE = frozenset("SUVa")


def _dtype(value: Any, pos: int, depth: int = 0) -> tuple[int, bool]:
    """(itemsize, holds objects) of a pickled ``numpy.dtype(typestr, align, copy)`` + BUILD state."""
    if depth > 16 or not (isinstance(value, Obj) and value.cls is not None
                          and (value.cls.module, value.cls.name) in (("numpy", "dtype"),)):
        raise CannotFollow("joblib array dtype is not a plain numpy.dtype: cannot tell how many bytes follow", pos)
    args, state = value.args, value.state
    typestr = args[0] if isinstance(args, tuple) and args and isinstance(args[0], str) else None
    match = _TYPESTR.match(typestr or "")
    if match is None or not isinstance(state, tuple) or len(state) < 8:
        raise CannotFollow(f"joblib array dtype {typestr!r} is not one aima-gate can size", pos)
    kind, digits = match.group(1), match.group(2)
    elsize = state[5]
    hasobject = kind == "O"
    fields, subdescr = state[4], state[2]
    if fields is not None and not isinstance(fields, dict):
        raise CannotFollow("joblib array dtype has fields aima-gate cannot read", pos)
    for sub in (fields or {}).values():
        if not (isinstance(sub, tuple) and sub):
            raise CannotFollow("joblib array dtype has fields aima-gate cannot read", pos)
        hasobject |= _dtype(sub[0], pos, depth + 1)[1]
    if subdescr is not None:
        if not (isinstance(subdescr, tuple) and subdescr):
            raise CannotFollow("joblib array dtype has a sub-array aima-gate cannot read", pos)
        hasobject |= _dtype(subdescr[0], pos, depth + 1)[1]
    flags = state[7]
    if not isinstance(flags, int) or not isinstance(elsize, int) or bool(flags & 1) != hasobject:
        # numpy trusts neither blindly across versions: refuse a state whose object flag disagrees with its fields
        raise CannotFollow("joblib array dtype state is inconsistent (object flag vs fields)", pos)
    if kind in _FLEXIBLE:
        size = elsize if elsize > 0 else int(digits or 0)
    else:
        size = int(digits) if digits else (1 if kind in "?b" else 0)
        if size <= 0 or (elsize > 0 and elsize != size):
            raise CannotFollow(f"joblib array dtype {typestr!r} has an inconsistent item size", pos)
    return size, hasobject


def joblib_hook(walk: Walk, inst: Any, pos: int) -> Any:
    cls = inst.cls if isinstance(inst, Obj) else None
    if cls is not None and not cls.computed and (cls.module, cls.name) == WRAPPER:
        return _read_array(walk, inst, pos)
    if walk.escaped and not (isinstance(inst, Obj) and inst.exact):
        raise CannotFollow("BUILD on an object that may be a joblib NumpyArrayWrapper (the wrapper class was passed "
                          "to a callable): cannot tell whether array bytes follow", pos)
    return None


def _read_array(walk: Walk, wrapper: Obj, pos: int) -> Any:
    state = wrapper.state
    if not isinstance(state, dict):
        raise CannotFollow("joblib NumpyArrayWrapper without a readable state", pos)
    shape = state.get("shape")
    if not (isinstance(shape, tuple) and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                                             for n in shape)):
        raise CannotFollow("joblib NumpyArrayWrapper shape is not a tuple of non-negative ints", pos)
    itemsize, hasobject = _dtype(state.get("dtype"), pos)
    r = walk.r
    if hasobject:
        if walk.depth >= MAX_NESTING:
            raise CannotFollow(f"joblib object arrays nested more than {MAX_NESTING} deep", pos)
        walk.depth += 1
        saved = walk.escaped
        try:
            walk.escaped = False
            walk.one()
        finally:
            walk.depth -= 1
            walk.escaped = saved
        return ARRAY
    if state.get("numpy_array_alignment_bytes") is not None:
        pad = r.exact(1, "joblib array padding length")[0]
        if pad:
            r.skip(pad, "joblib array padding")
    nbytes = math.prod(shape) * itemsize
    r.skip(nbytes, "joblib raw array data")
    walk.skipped += nbytes
    return ARRAY


def watches(imp: Import) -> bool:
    return (imp.module, imp.name) == WRAPPER
