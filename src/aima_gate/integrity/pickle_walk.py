"""The opcode walker: follow pickle opcodes without unpickling, and list every import a load would perform, with its
byte position.

Soundness by construction, not by a denylist: every way a pickle reaches a callable goes through an import
(``GLOBAL``, ``STACK_GLOBAL``, ``INST``, ``EXT*``), and :mod:`aima_gate.integrity.allowlist` passes an import only
when it is on a vetted allowlist. So the walker's one job is to report *exactly* the imports
``pickle.Unpickler.find_class`` would resolve, and to stop only where ``pickle.load`` itself would stop:

- names are decoded as pickle decodes them (``UNICODE`` escapes, ``STRING`` escapes and quotes, UTF-8 with
  surrogates); an argument pickle would reject is a corrupt pickle, never a guess;
- the stack is simulated with pickle's own mark semantics (a ``MARK`` starts a new stack), so a
  ``STACK_GLOBAL`` is resolved from the values a load would see; a name computed at load time is reported as
  ``computed`` and can never be allowlisted;
- protocol < 3 names are mapped through ``_compat_pickle`` and protocol >= 4 dotted names are kept whole, using
  the protocol in force at that opcode (a stream may change it);
- joblib's raw array blocks are skipped exactly as joblib's ``NumpyArrayWrapper.read_array`` skips them, nested
  object-array pickles are walked with a fresh memo (:mod:`aima_gate.integrity.joblib_arrays`).

Work is bounded (:class:`Budget`): opcode count and wall time; exceeding either is a :class:`ScanLimit`.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

from aima_gate.integrity.pickle_reader import (
    _ADDITEMS,
    _APPEND,
    _APPENDS,
    _BINPERSID,
    _BUILD,
    _COUNTED,
    _DICT,
    _DUP,
    _EMPTY_DICT,
    _EXTS,
    _FIXED_INT,
    _FRAME,
    _GENERIC,
    _GET,
    _GETS,
    _GLOBAL,
    _INST,
    _INT,
    _LINE,
    _MARK,
    _MARKED,
    _MEMOIZE,
    _NEWOBJ,
    _NEWOBJ_EX,
    _NEXT_BUFFER,
    _OBJ,
    _PERSID,
    _POP,
    _POP_MARK,
    _PROTO,
    _PUSH_ARG,
    _PUSH_CONST,
    _PUT,
    _PUTS,
    _RAW,
    _READONLY_BUFFER,
    _REDUCE,
    _SETITEM,
    _SETITEMS,
    _SPECS,
    _STACK_GLOBAL,
    _STOP,
    _STRING,
    _STRING_CODES,
    _TUPLE,
    _TUPLE_N,
    _TWO_LINES,
    _UNICODE,
    MAX_KEPT_ITEMS,
    MAX_KEPT_STRING,
    NOTSTR,
    OPAQUE,
    Budget,
    Import,
    Obj,
    PickleError,
    Reader,
    ScanResult,
    _int_line,
    _line_int,
    _mapped,
    _may_be_str,
    _merge_state,
    _name_text,
    _reduce,
    _set_items,
    _small_dict,
    _string_value,
)

ArrayHook = Callable[["Walk", Any, int], Any]
"""Called after every BUILD with its target; a non-None return replaces it (joblib's array reader plugs in here)."""


class Walk:
    """State of one scan over one stream: results accumulate across the consecutive pickles in it."""

    def __init__(self, reader: Reader, budget: Budget, hook: ArrayHook | None = None,
                 watch: tuple[str, str] | None = None) -> None:
        self.r = reader
        self.budget = budget
        self.hook = hook
        self.imports: list[Import] = []
        self.protocol: int | None = None
        self.opcodes = 0
        self.pickles = 0
        self.persistent_ids = 0
        self.storages: dict[Any, tuple[Any, Any, Any]] = {}
        """torch storage references by key, as ``persistent_load`` sees them (first one per key wins)."""
        self.skipped = 0
        self.depth = 0
        self.watch = watch
        """A class whose instances the hook treats specially (joblib's wrapper): note where its value flows."""
        self.watched = False
        self.escaped = False
        """The watched class was passed somewhere other than an instantiation opcode (so any result may be one)."""

    def _flows(self, items: Any) -> None:
        if self.watched and not self.escaped:
            w = self.watch
            self.escaped = any(isinstance(x, Import) and (x.module, x.name) == w for x in items)

    def result(self, complete: bool) -> ScanResult:
        return ScanResult(self.protocol, self.opcodes, self.pickles, tuple(self.imports), self.persistent_ids,
                          self.skipped, complete, tuple(self.storages.values()))

    def add_import(self, module: Any, name: Any, pos: int, opcode: str, proto: int) -> Import:
        if not (isinstance(module, str) and isinstance(name, str)):
            imp = Import(module if isinstance(module, str) else "?", name if isinstance(name, str) else "?", pos,
                         opcode, computed=True)
        else:
            m, n, raw = _mapped(module, name, proto)
            imp = Import(m, n, pos, opcode, raw)
            if (m, n) == self.watch:
                self.watched = True
        self.imports.append(imp)
        return imp

    def one(self, first: bytes | None = None) -> Any:
        """Walk one pickle up to its STOP; return the value STOP would return (tracked or OPAQUE)."""
        r = self.r
        read = r.read
        budget = self.budget
        stack: list[Any] = []
        metastack: list[list[Any]] = []
        memo: dict[int, Any] = {}
        proto = 0
        self.pickles += 1
        pending = first
        count = 0
        try:
            while True:
                pos = r.pos
                if pending is not None:
                    code_b, pending = pending, None
                else:
                    code_b = read(1)
                    if not code_b:
                        raise PickleError("truncated: the pickle ends before its STOP opcode", pos)
                r.pos = pos + 1
                code = code_b[0]
                spec = _SPECS[code]
                if spec is None:
                    raise PickleError(f"unknown opcode 0x{code:02x}: not a pickle, or corrupt", pos)
                count += 1
                if not count & 0xFFFF:
                    budget.spend(0x10000, pos)
                name, mode, unpack, width = spec
                arg: Any = None
                if not mode:
                    pass
                elif mode == _FIXED_INT:
                    raw = read(width)
                    if len(raw) != width:
                        raise PickleError(f"truncated: the stream ends inside {name}", pos + 1 + len(raw))
                    r.pos += width
                    arg = unpack(raw)[0]
                elif mode == _COUNTED:
                    length = unpack(r.exact(width, name))[0]
                    if length < 0:
                        raise PickleError(f"negative length in {name}", pos)
                    if code in _STRING_CODES and length <= MAX_KEPT_STRING:
                        raw = read(length)
                        if len(raw) != length:
                            raise PickleError(f"truncated: the stream ends inside {name}", r.pos + len(raw))
                        r.pos += length
                        arg = _string_value(raw, name, pos)
                    elif code == _FRAME:
                        continue
                    else:
                        r.skip(length, name)
                        arg = OPAQUE
                elif mode == _LINE:
                    arg = r.line(name)
                elif mode == _TWO_LINES:
                    codec = "ascii" if code == _INST else "utf-8"
                    arg = (_name_text(r.line(name), name, pos, codec), _name_text(r.line(name), name, pos, codec))
                elif mode == _RAW:
                    r.skip(width, name)
                # --- the most frequent opcodes first
                if code in _PUTS:
                    if not stack:
                        raise PickleError(f"{name} with an empty stack", pos)
                    if code == _PUT:
                        arg = _line_int(arg, name, pos)
                        if arg < 0:
                            raise PickleError("negative PUT argument", pos)
                    memo[len(memo) if code == _MEMOIZE else arg] = stack[-1]
                elif code in _GETS:
                    if code == _GET:
                        arg = _line_int(arg, name, pos)
                    if arg not in memo:
                        raise PickleError(f"{name} {arg} refers to a memo entry that was never stored", pos)
                    stack.append(memo[arg])
                elif code in _PUSH_ARG:
                    stack.append(arg)
                elif code == _MARK:
                    metastack.append(stack)
                    stack = []
                elif code in _PUSH_CONST:
                    stack.append(_PUSH_CONST[code])
                elif code == _EMPTY_DICT:
                    stack.append({})
                elif code in _MARKED:
                    if code == _INST:  # load_inst calls find_class before it pops the mark
                        imp = self.add_import(arg[0], arg[1], pos, name, proto)
                    if not metastack:
                        raise PickleError(f"{name} without a MARK", pos)
                    items, stack = stack, metastack.pop()
                    if code == _POP_MARK:
                        continue
                    if self.watched:
                        self._flows(items[1:] if code == _OBJ else items)
                    if code in (_APPENDS, _ADDITEMS):
                        if not stack:
                            raise PickleError(f"{name} with an empty stack", pos)
                    elif code == _SETITEMS:
                        if not stack:
                            raise PickleError("SETITEMS with an empty stack", pos)
                        if len(items) % 2:
                            raise PickleError("SETITEMS with an odd number of items", pos)
                        if self.watched:  # dict contents matter only for joblib array states
                            _set_items(stack[-1], items)
                    elif code == _TUPLE:
                        stack.append(tuple(items) if len(items) <= MAX_KEPT_ITEMS else NOTSTR)
                    elif code == _DICT:
                        if len(items) % 2:
                            raise PickleError("DICT with an odd number of items", pos)
                        stack.append(_small_dict(items) if self.watched else {})
                    elif code == _INST:
                        stack.append(Obj(imp, tuple(items) if len(items) <= MAX_KEPT_ITEMS else OPAQUE))
                    elif code == _OBJ:
                        if not items:
                            raise PickleError("OBJ without a class", pos)
                        cls = items[0]
                        stack.append(Obj(cls if isinstance(cls, Import) else None))
                    else:  # LIST, FROZENSET
                        stack.append(NOTSTR)
                elif code in _TUPLE_N:
                    k = _TUPLE_N[code]
                    if len(stack) < k:
                        raise PickleError(f"{name} needs {k} stack items", pos)
                    items = stack[len(stack) - k:]
                    del stack[len(stack) - k:]
                    if self.watched:
                        self._flows(items)
                    stack.append(tuple(items))
                elif code == _APPEND:
                    if len(stack) < 2:
                        raise PickleError("APPEND needs 2 stack items", pos)
                    value = stack.pop()
                    if self.watched:
                        self._flows((value,))
                elif code == _SETITEM:
                    if len(stack) < 3:
                        raise PickleError("SETITEM needs 3 stack items", pos)
                    value = stack.pop()
                    key = stack.pop()
                    if self.watched:
                        self._flows((key, value))
                        _set_items(stack[-1], [key, value])
                elif code == _POP:
                    if stack:
                        stack.pop()
                    elif metastack:
                        stack = metastack.pop()
                    else:
                        raise PickleError("POP with an empty stack", pos)
                elif code == _STACK_GLOBAL:
                    if len(stack) < 2:
                        raise PickleError("STACK_GLOBAL with fewer than two stack items", pos)
                    attr = stack.pop()
                    module = stack.pop()
                    if not (_may_be_str(attr) and _may_be_str(module)):
                        raise PickleError("STACK_GLOBAL requires str module and name", pos)
                    stack.append(self.add_import(module, attr, pos, name, proto))
                elif code == _GLOBAL:
                    stack.append(self.add_import(arg[0], arg[1], pos, name, proto))
                elif code == _REDUCE:
                    if len(stack) < 2:
                        raise PickleError("REDUCE needs 2 stack items", pos)
                    args = stack.pop()
                    stack[-1] = _reduce(stack[-1], args)
                elif code == _BUILD:
                    if len(stack) < 2:
                        raise PickleError("BUILD needs 2 stack items", pos)
                    state = stack.pop()
                    if self.watched:
                        self._flows((state,))
                    inst = stack[-1]
                    if isinstance(inst, Obj):
                        inst.state = _merge_state(inst.state, state)
                    if self.hook is not None:
                        replaced = self.hook(self, inst, pos)
                        if replaced is not None:
                            stack[-1] = replaced
                elif code in (_NEWOBJ, _NEWOBJ_EX):
                    need = 3 if code == _NEWOBJ_EX else 2
                    if len(stack) < need:
                        raise PickleError(f"{name} needs {need} stack items", pos)
                    if self.watched:
                        self._flows(stack[len(stack) - need + 1:])
                    del stack[len(stack) - need + 2:]
                    args = stack.pop()
                    cls = stack.pop()
                    stack.append(Obj(cls if isinstance(cls, Import) else None, args))
                elif code == _STOP:
                    if not stack:
                        raise PickleError("STOP with an empty stack", pos)
                    return stack.pop()
                elif code == _PROTO:
                    if arg > pickle.HIGHEST_PROTOCOL:
                        raise PickleError(f"unsupported pickle protocol {arg}", pos)
                    proto = arg
                    if self.protocol is None:
                        self.protocol = arg
                elif code in _EXTS:
                    if arg <= 0:
                        raise PickleError(f"{name} with a non-positive code", pos)
                    # copyreg's extension registry maps the code to a name at load time: never checkable
                    imp = Import("copyreg", f"<extension code {arg}>", pos, name, computed=True)
                    self.imports.append(imp)
                    stack.append(imp)
                elif code == _DUP:
                    if not stack:
                        raise PickleError("DUP with an empty stack", pos)
                    stack.append(stack[-1])
                elif code == _INT:
                    stack.append(_int_line(arg, pos))
                elif code in (_PERSID, _BINPERSID):
                    self.persistent_ids += 1
                    if code == _BINPERSID:
                        if not stack:
                            raise PickleError("BINPERSID with an empty stack", pos)
                        pid = stack.pop()
                        # torch: ("storage", type, key, location, numel[, view]); the data is read raw by key
                        if type(pid) is tuple and len(pid) in (5, 6) and pid[0] == "storage" and (
                                type(pid[2]) in (str, int)):
                            self.storages.setdefault(pid[2], (pid[2], pid[1], pid[4]))
                    stack.append(OPAQUE)
                elif code == _NEXT_BUFFER:
                    raise PickleError("NEXT_BUFFER: out-of-band buffers, which no model loader passes", pos)
                elif code == _READONLY_BUFFER:
                    if not stack:
                        raise PickleError("READONLY_BUFFER with an empty stack", pos)
                elif code in (_STRING, _UNICODE):
                    stack.append(_string_value(arg, name, pos))
                else:
                    pops, pushes = _GENERIC[name]
                    if len(stack) < pops:
                        raise PickleError(f"{name} needs {pops} stack item(s), found {len(stack)}", pos)
                    if pops:
                        del stack[len(stack) - pops:]
                    stack.extend([NOTSTR] * pushes)
        finally:
            self.opcodes += count
            budget.left -= count & 0xFFFF
