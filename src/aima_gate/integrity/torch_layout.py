"""PyTorch checkpoints read the way ``torch.load`` reads them (``torch/serialization.py``, checked on torch 2.13).

A checkpoint mixes pickles with raw tensor bytes. Walking the raw bytes as a pickle misreads them (weights whose
first bytes happen to be ``0x83``, ``c`` or ``0x80`` look like EXT2, GLOBAL or PROTO), so each layout is read
exactly as torch reads it, and only the bytes torch reads as raw storage are treated as data:

- **zip** (``torch.save`` since 1.6, and TorchScript): torch takes the archive folder from the first member's name,
  unpickles ``<folder>/data.pkl`` (and ``constants.pkl`` in a TorchScript archive), and reads
  ``<folder>/data/<key>`` (``constants/<key>``) as raw bytes for each storage a persistent id of that pickle names.
  Only those members are tensor data; every other member (metadata, unreferenced or duplicated names) is scanned
  as before, by content.
- **legacy stream** (``_use_new_zipfile_serialization=False``): five pickles (magic number, protocol version,
  sys_info, the object, the list of storage keys), then for each listed key an 8-byte element count and that many
  elements of the storage's dtype. Anything after the last storage is walked as a pickle.
- **legacy tar** (torch < 0.1.10): member ``storages`` holds a count, then per storage a pickled
  ``(key, location, type)`` and its raw bytes, then the views pickle; member ``tensors`` holds a count, then per
  tensor a pickle and fixed-size shape data; ``pickle`` and ``sys_info`` are plain pickles.

Anything that does not fit the layout exactly (a size that cannot be known, a storage type torch does not know, a
key the pickle never references) is an error naming the file, never a guess: skipping a wrong number of bytes
would hide what follows.
"""

from __future__ import annotations

import pickle
import struct
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from aima_gate.integrity.pickle_reader import _OPS, Budget, CannotFollow, Import, Reader, ScanResult
from aima_gate.integrity.pickle_scan import scan_stream
from aima_gate.integrity.pickle_walk import Walk

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL_VERSION = 1001
LEGACY_PREFIXES = tuple(pickle.dumps(LEGACY_MAGIC, protocol=p) + pickle.dumps(LEGACY_PROTOCOL_VERSION, protocol=p)
                        for p in range(pickle.HIGHEST_PROTOCOL + 1))
"""How ``torch.save(..., _use_new_zipfile_serialization=False)`` starts, for every pickle protocol."""

ELEMENT_SIZES = {
    "BFloat16Storage": 2, "BoolStorage": 1, "ByteStorage": 1, "CharStorage": 1, "ComplexDoubleStorage": 16,
    "ComplexFloatStorage": 8, "DoubleStorage": 8, "FloatStorage": 4, "HalfStorage": 2, "IntStorage": 4,
    "LongStorage": 8, "QInt32Storage": 4, "QInt8Storage": 1, "QUInt2x4Storage": 1, "QUInt4x2Storage": 1,
    "QUInt8Storage": 1, "ShortStorage": 2,
}
"""Bytes per element of each pickled storage type (torch's ``_get_dtype_from_pickle_storage_type``)."""

TorchWalker = Callable[[IO[bytes], Budget], tuple[ScanResult, "ScanResult | None"]]
"""Reads one stream in a torch layout: (its scan, the scan of any bytes after it that torch never reads)."""

TORCH_PICKLES = {"data.pkl": "data/", "constants.pkl": "constants/"}
"""Zip members torch unpickles, and the folder whose members their persistent ids name as raw storages."""


@dataclass(frozen=True)
class ZipPlan:
    pickles: dict[str, str]
    """Full member name of each pickle torch reads -> full folder of the storages it references."""
    unique: frozenset[str]
    """Member names that occur once (a duplicated name is never exempted: which copy a reader takes varies)."""

    def storage_members(self, pickle_member: str, res: ScanResult) -> set[str]:
        folder = self.pickles[pickle_member]
        return {name for key, _type, _numel in res.storages
                if (digits := f"{key}").isascii() and digits.isdigit() and (name := folder + digits) in self.unique}


def zip_plan(names: list[str]) -> ZipPlan | None:
    """The torch layout of a zip with these members (in central-directory order), or None if torch would not load
    it as a checkpoint (no folder in the first name, no single ``data.pkl`` in that folder)."""
    if not names or "/" not in names[0]:
        return None
    folder = names[0][: names[0].index("/") + 1]
    counts = Counter(names)
    unique = frozenset(n for n, c in counts.items() if c == 1)
    pickles = {f"{folder}{name}": f"{folder}{sub}" for name, sub in TORCH_PICKLES.items()
               if f"{folder}{name}" in unique}
    if f"{folder}data.pkl" not in pickles:
        return None
    return ZipPlan(pickles, unique)


def is_legacy_stream(head: bytes) -> bool:
    return head.startswith(LEGACY_PREFIXES)


def _element_size(storage_type: Any, pos: int) -> int:
    if not isinstance(storage_type, Import) or storage_type.computed or storage_type.name not in ELEMENT_SIZES:
        raise CannotFollow("torch storage of a type torch's legacy loader does not know: cannot tell how many raw "
                           "bytes follow", pos)
    return ELEMENT_SIZES[storage_type.name]


def _raw_storage(r: Reader, walk: Walk, elsize: int, numel: Any, what: str) -> None:
    """``THPStorage_readFileRaw``: an 8-byte little-endian element count, then that many elements."""
    pos = r.pos
    count = struct.unpack("<q", r.exact(8, f"{what} size"))[0]
    if count < 0 or (type(numel) is int and numel != count):
        raise CannotFollow(f"{what} declares {numel!r} elements but its data header says {count} (torch.load "
                           "would refuse it)", pos)
    r.skip(count * elsize, what)
    walk.skipped += count * elsize


def _count(value: Any, what: str, pos: int) -> int:
    if type(value) is not int or value < 0:
        raise CannotFollow(f"{what} is not a non-negative int: cannot tell what torch reads next", pos)
    return value


def legacy_stream(fh: IO[bytes], budget: Budget) -> tuple[ScanResult, ScanResult | None]:
    """Walk a legacy torch stream as ``_legacy_load`` does; returns its scan and that of any bytes after it."""
    r = Reader(fh)
    walk = Walk(r, budget)
    for _ in range(4):  # magic number, protocol version, sys_info, the object (its persistent ids name storages)
        walk.one()
    pos = r.pos
    keys = storage_keys(r, walk)
    refs = walk.storages
    for key in keys:
        if key not in refs:
            raise CannotFollow(f"legacy torch checkpoint lists storage {key!r} that its pickle never references "
                               "(torch.load would fail there)", pos)
        _key, storage_type, numel = refs[key]
        _raw_storage(r, walk, _element_size(storage_type, pos), numel, f"torch storage {key!r}")
    rest = scan_stream(fh, budget, tolerant=True, start=r.pos)
    return walk.result(True), rest if rest.opcodes else None


def storage_keys(r: Reader, walk: Walk) -> list[str]:
    """The fifth pickle, a list of str keys, decoded without unpickling: only the opcodes a pickled list of
    strings uses (any protocol) are accepted, anything else is an error."""
    start = r.pos
    walk.pickles += 1
    stack: list[Any] = []
    marks: list[int] = []
    while True:
        pos = r.pos
        code = r.exact(1, "storage key list")[0]
        op = _OPS.get(code)
        name = op.name if op else f"0x{code:02x}"
        walk.opcodes += 1
        walk.budget.spend(1, pos)
        if name == "PROTO":
            r.exact(1, name)
        elif name == "FRAME":
            r.exact(8, name)
        elif name in ("BINPUT", "LONG_BINPUT"):
            r.exact(1 if name == "BINPUT" else 4, name)
        elif name == "PUT":
            r.line(name)
        elif name == "MEMOIZE":
            pass
        elif name == "EMPTY_LIST":
            stack.append([])
        elif name == "MARK" and len(marks) < 8:
            marks.append(len(stack))
        elif name in ("SHORT_BINUNICODE", "BINUNICODE"):
            n = r.exact(1, name)[0] if name == "SHORT_BINUNICODE" else struct.unpack("<I", r.exact(4, name))[0]
            if n > 4096:
                raise CannotFollow("torch storage key longer than 4096 bytes", pos)
            stack.append(r.exact(n, name).decode("utf-8", "surrogatepass"))
        elif name == "UNICODE":
            stack.append(r.line(name).decode("raw-unicode-escape"))
        elif name in ("APPEND", "APPENDS", "LIST") and (name == "APPEND" or marks):
            if name == "APPEND":
                items = [stack.pop()] if len(stack) >= 2 else None
            else:
                k = marks.pop()
                items = stack[k:]
                del stack[k:]
                if name == "LIST":
                    stack.append([])
            if items is None or not stack or not isinstance(stack[-1], list):
                raise CannotFollow(f"{name} in the storage key list does not extend a list", pos)
            stack[-1].extend(items)
        elif name == "STOP" and len(stack) == 1 and not marks and isinstance(stack[0], list):
            keys = stack[0]
            if all(isinstance(k, str) for k in keys):
                return keys
            raise CannotFollow("the legacy torch storage key list holds something other than strings", start)
        else:
            raise CannotFollow(f"{name} in the legacy torch storage key list (a list of strings was expected)", pos)


def tar_storages(fh: IO[bytes], budget: Budget) -> tuple[ScanResult, ScanResult | None]:
    """Member ``storages`` of a legacy tar checkpoint, read as ``legacy_load`` reads it."""
    r = Reader(fh)
    walk = Walk(r, budget)
    pos = r.pos
    for _ in range(_count(walk.one(), "the storage count", pos)):
        pos = r.pos
        args = walk.one()
        if not (type(args) is tuple and len(args) == 3):
            raise CannotFollow("storage record is not a (key, location, type) tuple", pos)
        _raw_storage(r, walk, _element_size(args[2], pos), None, f"torch storage {args[0]!r}")
    walk.one()  # the storage views
    rest = scan_stream(fh, budget, tolerant=True, start=r.pos)
    return walk.result(True), rest if rest.opcodes else None


def tar_tensors(fh: IO[bytes], budget: Budget) -> tuple[ScanResult, ScanResult | None]:
    """Member ``tensors`` of a legacy tar checkpoint: a count, then per tensor a pickle and its shape data."""
    r = Reader(fh)
    walk = Walk(r, budget)
    pos = r.pos
    for _ in range(_count(walk.one(), "the tensor count", pos)):
        walk.one()
        pos = r.pos
        ndim = struct.unpack("<i", r.exact(4, "tensor ndim"))[0]
        if ndim < 0:
            raise CannotFollow("negative tensor ndim (torch.load would fail)", pos)
        r.skip(4 + 16 * ndim + 8, "tensor shape data")
    rest = scan_stream(fh, budget, tolerant=True, start=r.pos)
    return walk.result(True), rest if rest.opcodes else None
