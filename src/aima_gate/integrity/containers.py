"""Bounded reading of what wraps a pickle: compression streams, ``.npy`` headers, and scan limits.

Every decompressed byte goes through :class:`Bounded`, which stops a bomb by absolute size and by ratio (once
the output is past ``ratio_floor``), so no input makes the gate read or hold unbounded data. ``.npy`` headers are
parsed the way ``numpy.lib.format`` parses them (``ast.literal_eval`` of the header, the last duplicate key wins,
``descr`` interpreted like ``descr_to_dtype``), without importing numpy.
"""

from __future__ import annotations

import ast
import bz2
import gzip
import io
import lzma
import re
import struct
import zlib
from dataclasses import dataclass
from typing import IO, Any

from aima_gate.integrity.pickle_reader import ScanLimit


@dataclass(frozen=True)
class Limits:
    max_decompressed_bytes: int = 16 << 30
    max_ratio: int = 500
    ratio_floor: int = 256 << 20
    """The ratio limit applies once this much has been decompressed (small files compress wildly)."""
    max_opcodes: int = 20_000_000
    max_seconds: float = 120.0
    max_members: int = 100_000
    max_depth: int = 4
    """Containers inside containers (zip in zip, tar in gzip, ...)."""
    max_npy_header: int = 1 << 20


class Counting(io.RawIOBase):
    """Counts the compressed bytes a decompressor pulls (the denominator of the ratio)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self.raw.read(len(b))
        b[: len(data)] = data
        self.count += len(data)
        return len(data)


class Bounded(io.RawIOBase):
    """A decompressed stream that refuses to grow past the limits."""

    def __init__(self, inner: IO[bytes], source: Counting, limits: Limits, what: str) -> None:
        self.inner = inner
        self.source = source
        self.limits = limits
        self.what = what
        self.out = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self.inner.read(len(b))
        n = len(data)
        b[:n] = data
        self.out += n
        lim = self.limits
        if self.out > lim.max_decompressed_bytes:
            raise ScanLimit(f"{self.what} decompresses to more than {lim.max_decompressed_bytes:,} bytes (limit)",
                            self.out)
        if self.out > lim.ratio_floor and self.out > lim.max_ratio * max(self.source.count, 1):
            raise ScanLimit(f"{self.what} expands more than {lim.max_ratio}:1 (decompression bomb limit)", self.out)
        return n


class _Zlib(io.RawIOBase):
    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.dec = zlib.decompressobj()
        self.buf = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self.buf:
            if self.dec.eof:
                return 0
            chunk = self.dec.unconsumed_tail or self.raw.read(1 << 16)
            if not chunk:
                raise EOFError("zlib stream ends before its end marker")
            self.buf = self.dec.decompress(chunk, max(len(b), 1 << 16))
        n = min(len(b), len(self.buf))
        b[:n] = self.buf[:n]
        self.buf = self.buf[n:]
        return n


_LZMA_ALONE = b"]\x00"  # joblib detects raw lzma by these two bytes (a pickle cannot start so)


def compression_of(head: bytes) -> str | None:
    """The compressor joblib (and gzip/bz2/xz tools) would detect from the first bytes."""
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[:3] == b"BZh":
        return "bz2"
    if head[:6] == b"\xfd7zXZ\x00":
        return "xz"
    if head[:2] == _LZMA_ALONE:
        return "lzma"
    if head[:1] == b"\x78" and len(head) > 1 and (head[0] * 256 + head[1]) % 31 == 0:
        return "zlib"
    if head[:4] == b"\x04\x22\x4d\x18":
        return "lz4"
    return None


def decompressed(kind: str, fh: IO[bytes], limits: Limits, what: str) -> IO[bytes]:
    source = Counting(fh)
    src = io.BufferedReader(source)
    inner: IO[bytes]
    if kind == "gzip":
        inner = gzip.GzipFile(fileobj=src)  # type: ignore[assignment]
    elif kind == "bz2":
        inner = bz2.BZ2File(src)
    elif kind in ("xz", "lzma"):
        inner = lzma.LZMAFile(src, format=lzma.FORMAT_XZ if kind == "xz" else lzma.FORMAT_ALONE)  # noqa: SIM115
    elif kind == "zlib":
        inner = io.BufferedReader(_Zlib(src))
    else:
        raise ValueError(f"{kind} compression cannot be decompressed by aima-gate")
    return io.BufferedReader(Bounded(inner, source, limits, what), 1 << 16)


# ---------------------------------------------------------------------------------------------------- .npy
_SIMPLE = re.compile(r"^[<>|=]?(?:[?bBhHiIlLqQpPefdgFDG]|[biufc]\d+|[mM]8(?:\[\d*[a-zA-Z]+\])?|[SUVa]\d*)$")
_OBJECT = re.compile(r"^[<>|=]?O\d*$")


class UnknownDtype(ValueError):
    pass


def descr_holds_objects(descr: Any, depth: int = 0) -> bool:
    """Whether ``numpy.lib.format.descr_to_dtype(descr)`` would give a dtype with Python objects (``hasobject``).

    Sound by refusal: any descr outside the plain grammar raises :class:`UnknownDtype` (the caller errors out).
    """
    if depth > 32:
        raise UnknownDtype("dtype nested too deeply")
    if isinstance(descr, str):
        parts = descr.split(",") if "," in descr else [descr]
        hold = False
        for part in parts:
            p = part.strip()
            if _OBJECT.match(p) or p in ("object", "O"):
                hold = True
            elif not _SIMPLE.match(p):
                raise UnknownDtype(f"dtype {descr!r} is not one aima-gate can classify")
        return hold
    if isinstance(descr, tuple):
        if len(descr) != 2:
            raise UnknownDtype("sub-array dtype is not a (dtype, shape) pair")
        return descr_holds_objects(descr[0], depth + 1)
    if isinstance(descr, list):
        hold = False
        for field in descr:
            if not isinstance(field, tuple) or len(field) not in (2, 3):
                raise UnknownDtype("structured dtype field is not a (name, dtype[, shape]) tuple")
            hold |= descr_holds_objects(field[1], depth + 1)
        return hold
    raise UnknownDtype(f"dtype description of type {type(descr).__name__} is not one numpy reads")


def read_npy_header(fh: IO[bytes], limits: Limits) -> tuple[bool, int, str]:
    """(holds objects, bytes consumed, dtype text) for a ``.npy`` stream; raises ValueError where numpy would."""
    magic = fh.read(8)
    if len(magic) != 8 or magic[:6] != b"\x93NUMPY":
        raise ValueError("not a .npy array (no \\x93NUMPY magic)")
    version = (magic[6], magic[7])
    if version == (1, 0):
        raw_len, width = fh.read(2), "<H"
    elif version in ((2, 0), (3, 0)):
        raw_len, width = fh.read(4), "<I"
    else:
        raise ValueError(f".npy format version {version[0]}.{version[1]} is not one numpy reads")
    if len(raw_len) != struct.calcsize(width):
        raise ValueError(".npy header is truncated")
    hlen = struct.unpack(width, raw_len)[0]
    if hlen > limits.max_npy_header:
        raise ScanLimit(f".npy header of {hlen:,} bytes is over the {limits.max_npy_header:,}-byte limit", 8)
    raw = fh.read(hlen)
    if len(raw) != hlen:
        raise ValueError(".npy header is truncated")
    text = raw.decode("utf-8" if version == (3, 0) else "latin-1")
    try:
        header = ast.literal_eval(text)
    except SyntaxError:
        if version > (2, 0):
            raise ValueError(".npy header is not a Python literal") from None
        header = ast.literal_eval(re.sub(r"\b(\d+)L\b", r"\1", text))  # numpy's _filter_header for Python 2 longs
    if not isinstance(header, dict) or sorted(header) != ["descr", "fortran_order", "shape"]:
        raise ValueError(".npy header is not a dict with exactly descr, fortran_order and shape")
    shape = header["shape"]
    if not isinstance(shape, tuple) or not all(isinstance(n, int) for n in shape):
        raise ValueError(".npy header shape is not a tuple of ints")
    if not isinstance(header["fortran_order"], bool):
        raise ValueError(".npy header fortran_order is not a bool")
    return descr_holds_objects(header["descr"]), len(magic) + len(raw_len) + hlen, repr(header["descr"])[:80]
