"""Walk pickle opcodes without unpickling, and list every import a load would perform, with its byte position.

Why not picklescan/modelscan/fickling (see README, "model_file"): aima-gate needs the byte position of each
import as evidence, has to fail closed on a truncated or corrupt stream (an error, never a partial pass), must
stream multi-gigabyte pickles without holding large string/bytes payloads in memory, and must stay offline and
light. The walker reads opcodes with the argument layouts of the stdlib's ``pickletools.opcodes`` table and
simulates only as much of the stack as resolving ``STACK_GLOBAL`` needs (strings, memo, marks).

Every way a pickle can reach a callable goes through an import: ``GLOBAL``, ``STACK_GLOBAL``, ``INST`` or an
``EXT*`` extension code. Each import gets a verdict: ``dangerous`` (denylist: os/posix/subprocess/builtins
eval/exec/getattr..., network, code loading), ``safe`` (allowlist of plain containers and tensor rebuilders) or
``unknown`` (anything else; reported so a reviewer sees it). Unresolvable imports are dangerous.
"""

from __future__ import annotations

import pickle
import pickletools
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

MAX_KEPT_STRING = 4096
"""Strings longer than this are skipped (never held in memory); an import naming one is unresolvable."""
SKIP_CHUNK = 1 << 20
MAX_LINE = 1 << 16

DANGEROUS_MODULES = frozenset({
    "os", "posix", "nt", "posixpath", "ntpath", "subprocess", "sys", "socket", "webbrowser", "shutil", "pty",
    "runpy", "importlib", "ctypes", "code", "codeop", "pdb", "bdb", "commands", "popen2", "platform",
    "multiprocessing", "asyncio", "pickle", "_pickle", "cPickle", "dill", "marshal", "shelve", "timeit",
    "profile", "cProfile", "trace", "pydoc", "ssl", "http", "urllib", "urllib2", "urllib3", "requests", "httplib",
    "ftplib", "smtplib", "telnetlib", "xmlrpc", "socketserver", "signal", "_thread", "thread", "threading",
    "_posixsubprocess", "_io", "io", "pathlib", "glob", "tempfile", "zipimport", "pkgutil", "site", "sysconfig",
    "distutils", "setuptools", "pip", "venv", "ensurepip", "imp", "types", "inspect", "gc",
    "torch.hub", "torch.jit", "torch.load", "torch._C", "torch.ops", "torch.classes", "numpy.testing",
    "numpy.f2py", "numpy.distutils", "pandas.io", "keras.src.saving", "tensorflow.io", "tensorflow.python.ops",
    "joblib.parallel", "huggingface_hub", "transformers.dynamic_module_utils", "nemo",
})
DANGEROUS_BUILTINS = frozenset({
    "eval", "exec", "execfile", "compile", "open", "__import__", "getattr", "setattr", "delattr", "globals",
    "locals", "vars", "input", "raw_input", "breakpoint", "help", "reload", "file", "apply", "exit", "quit",
    "memoryview", "classmethod", "staticmethod", "property", "super", "type", "object", "dir",
})
DANGEROUS_NAMES = frozenset({
    ("operator", "attrgetter"), ("operator", "methodcaller"), ("_operator", "attrgetter"),
    ("_operator", "methodcaller"), ("functools", "reduce"), ("numpy", "load"), ("numpy", "fromfile"),
    ("numpy.lib.npyio", "load"), ("pandas", "read_pickle"), ("torch", "load"), ("torch.serialization", "load"),
    ("copyreg", "_reconstructor_with_import"), ("collections", "namedtuple"), ("string", "Formatter"),
    ("_codecs", "open"), ("codecs", "open"), ("logging.config", "listen"),
})
SAFE_NAMES = frozenset({
    ("collections", "OrderedDict"), ("collections", "defaultdict"), ("collections", "Counter"),
    ("collections", "deque"), ("_codecs", "encode"), ("copyreg", "_reconstructor"), ("copy_reg", "_reconstructor"),
    ("torch._utils", "_rebuild_tensor"), ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor_v3"),
    ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"),
    ("torch._utils", "_rebuild_qtensor"), ("torch._utils", "_rebuild_sparse_tensor"), ("torch", "Size"),
    ("torch", "device"), ("torch", "dtype"), ("torch", "float32"), ("torch", "float16"), ("torch", "bfloat16"),
    ("torch.serialization", "_get_layout"), ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"), ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy", "core"),
    ("datetime", "datetime"), ("datetime", "date"), ("datetime", "timedelta"), ("datetime", "timezone"),
    ("decimal", "Decimal"), ("fractions", "Fraction"), ("uuid", "UUID"),
})
SAFE_BUILTINS = frozenset({"set", "frozenset", "slice", "complex", "bytearray", "range", "dict", "list", "tuple",
                           "int", "float", "str", "bytes", "bool", "NoneType", "Ellipsis", "NotImplemented"})
SAFE_PREFIXES = ("torch.storage.", "torch.nn.modules.", "sklearn.", "xgboost.", "lightgbm.", "scipy.sparse.")
SAFE_TORCH_STORAGE_SUFFIX = "Storage"


class PickleError(Exception):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.imports_before: list[Import] = []
        """Imports seen before the failure (they explain some failures, e.g. joblib's raw array blocks)."""


@dataclass(frozen=True)
class Import:
    module: str
    name: str
    position: int
    opcode: str
    verdict: str
    """dangerous | unknown | safe"""
    reason: str


@dataclass
class ScanResult:
    protocol: int | None = None
    opcodes: int = 0
    pickles: int = 0
    imports: list[Import] = field(default_factory=list)
    persistent_ids: int = 0
    trailing_bytes: int = 0


def verdict(module: str, name: str) -> tuple[str, str]:
    top = module.split(".", 1)[0]
    if module in ("builtins", "__builtin__", "__builtins__"):
        if name in SAFE_BUILTINS:
            return "safe", "a plain built-in type"
        if name in DANGEROUS_BUILTINS:
            return "dangerous", f"builtins.{name} runs or reaches arbitrary code"
        return "unknown", "a built-in aima-gate does not know to be harmless"
    if (module, name) in DANGEROUS_NAMES:
        return "dangerous", f"{module}.{name} can run or load code"
    if (module, name) in SAFE_NAMES:
        return "safe", "a known data constructor"
    for mod in (module, top, f"{module}.{name}"):
        if mod in DANGEROUS_MODULES or any(mod.startswith(d + ".") for d in DANGEROUS_MODULES if "." in d):
            return "dangerous", f"module {module} gives access to the operating system, network or code loading"
    if module == "torch" and name.endswith(SAFE_TORCH_STORAGE_SUFFIX):
        return "safe", "a torch storage type"
    if module.startswith(SAFE_PREFIXES) or (module + ".").startswith(SAFE_PREFIXES):
        return "unknown", "a library class; loading it runs that library's code"
    return "unknown", "not on aima-gate's allowlist; loading the file imports and may call it"


_OPS: dict[int, pickletools.OpcodeInfo] = {ord(op.code): op for op in pickletools.opcodes}
_STRING_OPS = frozenset({"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "STRING", "BINSTRING",
                         "SHORT_BINSTRING"})
_LEN_PREFIX = {pickletools.TAKEN_FROM_ARGUMENT1: ("<B", 1), pickletools.TAKEN_FROM_ARGUMENT4: ("<i", 4),
               pickletools.TAKEN_FROM_ARGUMENT4U: ("<I", 4), pickletools.TAKEN_FROM_ARGUMENT8U: ("<Q", 8)}
_MARK: Any = object()
_OPAQUE: Any = object()
_LONG: Any = object()


class _Reader:
    __slots__ = ("pos", "stream")

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.pos = 0

    def exact(self, n: int, what: str) -> bytes:
        data = self.stream.read(n)
        if len(data) != n:
            raise PickleError(f"truncated: the stream ends inside {what}", self.pos + len(data))
        self.pos += n
        return data

    def skip(self, n: int, what: str) -> None:
        left = n
        while left:
            got = len(self.stream.read(min(left, SKIP_CHUNK)))
            if not got:
                raise PickleError(f"truncated: the stream ends inside {what}", self.pos + n - left)
            left -= got
        self.pos += n

    def line(self, what: str) -> bytes:
        data = self.stream.readline(MAX_LINE)
        if not data.endswith(b"\n"):
            raise PickleError(f"truncated or oversized line in {what}", self.pos + len(data))
        self.pos += len(data)
        return data[:-1]


def _text(raw: bytes, name: str) -> str:
    if name in ("STRING",) and len(raw) >= 2 and raw[:1] in (b"'", b'"'):
        raw = raw[1:-1]
    try:
        return raw.decode("utf-8") if name not in ("UNICODE",) else raw.decode("raw-unicode-escape")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def scan(stream: IO[bytes], *, multiple: bool = True) -> ScanResult:
    """Scan one pickle (or, with ``multiple``, consecutive pickles as legacy torch files hold) from ``stream``.

    Raises :class:`PickleError` (with the byte position) for anything pickle.load would reject or that
    aima-gate cannot follow: unknown opcode, truncation, stack underflow, bad memo reference, bad protocol.
    """
    reader = _Reader(stream)
    result = ScanResult()
    try:
        _scan_one(reader, result)
        while multiple:
            head = stream.read(1)
            if not head:
                break
            if head != b"\x80":
                rest = len(head) + sum(len(c) for c in iter(lambda: stream.read(SKIP_CHUNK), b""))
                result.trailing_bytes = rest
                break
            _scan_one(reader, result, first=head)
    except PickleError as exc:
        exc.imports_before = list(result.imports)
        raise
    return result


def _scan_one(r: _Reader, res: ScanResult, first: bytes | None = None) -> None:
    stack: list[Any] = []
    memo: dict[int, Any] = {}
    imports = res.imports
    res.pickles += 1
    pending = first
    while True:
        pos = r.pos
        if pending is not None:
            code_b, pending = pending, None
            r.pos += 1
        else:
            code_b = r.stream.read(1)
            if not code_b:
                raise PickleError("truncated: the pickle ends before its STOP opcode", pos)
            r.pos += 1
        op = _OPS.get(code_b[0])
        if op is None:
            raise PickleError(f"unknown opcode 0x{code_b[0]:02x}: not a pickle, or corrupt", pos)
        res.opcodes += 1
        name = op.name
        arg: Any = None
        spec = op.arg
        if spec is not None:
            n = spec.n
            if spec.name == "stringnl_noescape_pair":
                arg = (_text(r.line(name), name), _text(r.line(name), name))
            elif n == pickletools.UP_TO_NEWLINE:
                raw = r.line(name)
                arg = _text(raw, name) if name in _STRING_OPS or name in ("PUT", "GET") else raw
            elif n >= 0:
                raw = r.exact(n, name)
                arg = int.from_bytes(raw, "little") if name in ("PROTO", "BINPUT", "LONG_BINPUT", "BINGET",
                                                               "LONG_BINGET", "EXT1", "EXT2", "EXT4") else None
            else:
                fmt, width = _LEN_PREFIX[n]
                length = struct.unpack(fmt, r.exact(width, name))[0]
                if length < 0:
                    raise PickleError(f"negative length in {name}", pos)
                if name in _STRING_OPS and length <= MAX_KEPT_STRING:
                    arg = _text(r.exact(length, name), name)
                else:
                    r.skip(length, name)
                    arg = _LONG
        # --- stack effects
        if name == "PROTO":
            if arg > pickle.HIGHEST_PROTOCOL:
                raise PickleError(f"unsupported pickle protocol {arg}", pos)
            if res.protocol is None:
                res.protocol = arg
            continue
        if name == "STOP":
            if not stack:
                raise PickleError("STOP with an empty stack", pos)
            return
        if name in ("FRAME",):
            continue
        if name in ("GLOBAL", "INST"):
            module, attr = arg
            v, why = verdict(module, attr)
            imports.append(Import(module, attr, pos, name, v, why))
        elif name == "STACK_GLOBAL":
            if len(stack) < 2:
                raise PickleError("STACK_GLOBAL with fewer than two stack items", pos)
            attr, module = stack.pop(), stack.pop()
            if isinstance(module, str) and isinstance(attr, str) and _MARK is not module:
                v, why = verdict(module, attr)
                imports.append(Import(module, attr, pos, name, v, why))
            else:
                imports.append(Import(str(module) if isinstance(module, str) else "?",
                                      str(attr) if isinstance(attr, str) else "?", pos, name, "dangerous",
                                      "an import whose module or name is computed at load time cannot be checked"))
            stack.append(_OPAQUE)
            continue
        elif name in ("EXT1", "EXT2", "EXT4"):
            imports.append(Import("copyreg", f"extension code {arg}", pos, name, "dangerous",
                                  "an extension-registry import aima-gate cannot resolve"))
        elif name in ("PERSID", "BINPERSID"):
            res.persistent_ids += 1
        if name in ("PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"):
            if not stack or stack[-1] is _MARK:
                raise PickleError(f"{name} with nothing on the stack", pos)
            memo[len(memo) if name == "MEMOIZE" else int(arg)] = stack[-1]
            continue
        if name in ("GET", "BINGET", "LONG_BINGET"):
            idx = int(arg)
            if idx not in memo:
                raise PickleError(f"{name} {idx} refers to a memo entry that was never stored", pos)
            stack.append(memo[idx])
            continue
        before = op.stack_before
        if pickletools.markobject in before:
            k = len(stack) - 1
            while k >= 0 and stack[k] is not _MARK:
                k -= 1
            if k < 0:
                raise PickleError(f"{name} without a MARK", pos)
            del stack[k:]
            extra = before.index(pickletools.markobject)
        else:
            extra = len(before)
        if extra:
            if len(stack) < extra:
                raise PickleError(f"{name} needs {extra} stack item(s), found {len(stack)}: corrupt pickle", pos)
            del stack[len(stack) - extra:]
        for item in op.stack_after:
            if item is pickletools.markobject:
                stack.append(_MARK)
            elif name in _STRING_OPS:
                stack.append(arg)
            else:
                stack.append(_OPAQUE)


def dangerous(result: ScanResult) -> Iterator[Import]:
    return (i for i in result.imports if i.verdict == "dangerous")
