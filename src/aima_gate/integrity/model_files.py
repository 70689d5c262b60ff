"""Recognize a model file's serialization format from its header and scan every pickle it holds.

Safe formats (their loaders read tensors, never code): safetensors (8-byte header length + JSON header whose
offsets must fit the file), GGUF (magic ``GGUF`` + version 1-3), ONNX (a protobuf ModelProto, first field
``ir_version``). Pickle-based: plain pickles (``.pkl``, ``.pickle``, legacy torch), joblib (plain or
zlib/gzip/bz2/xz-compressed), zip archives (PyTorch ``.pt``/``.pth``/``.bin``, ``.npz``: every pickle member is
scanned), numpy ``.npy`` with object arrays. Plain data files (JSON, text) are recognized by extension and
content. Anything else is an error: aima-gate cannot tell whether loading it runs code.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Any

from aima_gate.core.errors import ArtifactError
from aima_gate.integrity.pickle_scan import Import, PickleError, ScanResult, scan
from aima_gate.safeio.repo import Repo

PICKLE_EXTS = frozenset({".pkl", ".pickle", ".joblib", ".pt", ".pth", ".bin", ".ckpt", ".dill", ".npy", ".npz"})
DATA_EXTS = frozenset({".json", ".txt", ".md", ".yaml", ".yml", ".csv", ".tsv", ".model", ".vocab", ".merges"})
PICKLE_MEMBER_EXTS = (".pkl", ".pickle", ".joblib", ".dill")
MAX_SAFETENSORS_HEADER = 100 * 1024 * 1024
MAX_IMPORTS_KEPT = 200


class _ZlibStream(io.RawIOBase):
    """A streaming zlib reader (joblib's default compressor)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.dec = zlib.decompressobj()
        self.buf = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self.buf:
            chunk = self.raw.read(1 << 16)
            if not chunk:
                self.buf = self.dec.flush()
                if not self.buf:
                    return 0
                break
            self.buf = self.dec.decompress(chunk)
        n = min(len(b), len(self.buf))
        b[:n] = self.buf[:n]
        self.buf = self.buf[n:]
        return n


def _decompressed(head: bytes, fh: IO[bytes]) -> tuple[str, IO[bytes]] | None:
    if head[:2] == b"\x1f\x8b":
        return "gzip", gzip.GzipFile(fileobj=fh)  # type: ignore[return-value]
    if head[:3] == b"BZh":
        return "bz2", bz2.BZ2File(fh)
    if head[:6] == b"\xfd7zXZ\x00":
        return "xz", lzma.LZMAFile(fh)
    if head[:1] == b"\x78" and head[1:2] in (b"\x01", b"\x5e", b"\x9c", b"\xda"):
        return "zlib", io.BufferedReader(_ZlibStream(fh))
    return None


def _import_row(imp: Import, member: str | None) -> dict[str, Any]:
    where = f"byte {imp.position}" + (f" of {member}" if member else "")
    return {"import": f"{imp.module}.{imp.name}", "module": imp.module, "name": imp.name,
            "position": imp.position, "member": member, "opcode": imp.opcode, "verdict": imp.verdict,
            "reason": imp.reason,
            "detail": f"{imp.module}.{imp.name} imported by {imp.opcode} at {where}: {imp.reason}"}


class Inspection:
    def __init__(self, file: str, size: int) -> None:
        self.data: dict[str, Any] = {"file": file, "size": size, "format": None, "safe_format": False,
                                     "pickles": [], "imports": [], "unsafe_imports": [], "unknown_imports": [],
                                     "compression": None, "notes": []}
        self.file = file

    def add_scan(self, res: ScanResult, member: str | None) -> None:
        self.data["pickles"].append({"member": member, "protocol": res.protocol, "opcodes": res.opcodes,
                                     "pickles": res.pickles, "persistent_ids": res.persistent_ids,
                                     "trailing_bytes": res.trailing_bytes})
        for imp in res.imports:
            row = _import_row(imp, member)
            if imp.verdict == "dangerous":
                self.data["unsafe_imports"].append(row)
            elif imp.verdict == "unknown":
                self.data["unknown_imports"].append(row)
            if len(self.data["imports"]) < MAX_IMPORTS_KEPT:
                self.data["imports"].append(row)

    def scan_pickle(self, stream: IO[bytes], member: str | None, offset: int = 0) -> None:
        try:
            res = scan(stream)
        except PickleError as exc:
            where = f"byte {exc.position + offset}" + (f" of member {member}" if member else "")
            if any(i.module == "joblib.numpy_pickle" and i.name == "NumpyArrayWrapper" for i in exc.imports_before):
                # joblib writes numpy arrays as raw bytes between pickle opcodes; joblib.load skips them, but
                # pickle.load would run them as opcodes, so skipping them here could hide code: refuse instead.
                raise ArtifactError(
                    f"cannot scan joblib file: raw numpy array data follows a NumpyArrayWrapper at {where}; "
                    "aima-gate does not skip data that a plain pickle.load would execute as opcodes",
                    file=self.file,
                    hint="ship the model in a format that cannot run code when loaded (skops, ONNX, safetensors), "
                         "or list the file under `exclude:` with a comment saying who reviewed it") from None
            raise ArtifactError(f"cannot scan pickle: {exc.message} (at {where})", file=self.file,
                                hint="a pickle that cannot be parsed is not a pass: re-export the model, ideally "
                                     "as safetensors or ONNX") from None
        except (OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile) as exc:
            raise ArtifactError(f"cannot read {member or 'the file'}: {exc}", file=self.file) from None
        self.add_scan(res, member)


def inspect_model_file(repo: Repo, rel: str) -> dict[str, Any]:
    path = repo.path(rel)
    size = path.stat().st_size
    ext = posixpath.splitext(rel)[1].lower()
    ins = Inspection(rel, size)
    with path.open("rb") as fh:
        head = fh.read(64)
        fh.seek(0)
        fmt = _sniff(ins, fh, head, ext, size)
    ins.data["format"] = fmt
    ins.data["safe_format"] = fmt in ("safetensors", "gguf", "onnx", "data")
    ins.data["scanned"] = bool(ins.data["pickles"]) or ins.data["safe_format"] or fmt == "zip"
    return ins.data


def _sniff(ins: Inspection, fh: IO[bytes], head: bytes, ext: str, size: int) -> str:
    if ext == ".safetensors" or _looks_safetensors(head, size):
        _check_safetensors(ins, fh, size)
        return "safetensors"
    if head[:4] == b"GGUF" or ext == ".gguf":
        version = struct.unpack("<I", head[4:8])[0] if len(head) >= 8 else -1
        if head[:4] != b"GGUF" or version not in (1, 2, 3):
            raise ArtifactError("not a GGUF file: the header lacks the GGUF magic and a known version (1-3)",
                                file=ins.file)
        ins.data["notes"].append(f"GGUF version {version}")
        return "gguf"
    if ext == ".onnx":
        if head[:1] != b"\x08":
            raise ArtifactError("not an ONNX model: the protobuf does not start with ir_version", file=ins.file)
        return "onnx"
    if head[:4] == b"PK\x03\x04" or (head[:4] == b"PK\x05\x06" and ext in PICKLE_EXTS):
        _scan_zip(ins, fh)
        return "zip"
    if head[:6] == b"\x93NUMPY":
        _scan_npy(ins, fh, None)
        return "npy"
    comp = _decompressed(head, fh)
    if comp is not None and ext in PICKLE_EXTS | {".gz", ".xz", ".bz2", ".z"}:
        ins.data["compression"] = comp[0]
        ins.scan_pickle(comp[1], None)
        return "pickle"
    if ext in PICKLE_EXTS or (head[:1] == b"\x80" and head[1:2] in b"\x02\x03\x04\x05"):
        if not head:
            raise ArtifactError("the model file is empty", file=ins.file)
        ins.scan_pickle(fh, None)
        return "pickle"
    if ext in DATA_EXTS and b"\x00" not in head:
        return "data"
    raise ArtifactError(
        f"unrecognized model file format (extension {ext or 'none'}, header {head[:8].hex()})", file=ins.file,
        hint="aima-gate cannot tell whether loading this file runs code; store weights as safetensors, ONNX or "
             "GGUF, or exclude the file")


def _looks_safetensors(head: bytes, size: int) -> bool:
    if len(head) < 9:
        return False
    n = struct.unpack("<Q", head[:8])[0]
    return 2 <= n <= min(MAX_SAFETENSORS_HEADER, size - 8) and head[8:9] == b"{"


def _check_safetensors(ins: Inspection, fh: IO[bytes], size: int) -> None:
    raw_len = fh.read(8)
    n = struct.unpack("<Q", raw_len)[0] if len(raw_len) == 8 else -1
    if not (2 <= n <= min(MAX_SAFETENSORS_HEADER, size - 8)):
        raise ArtifactError(f"not a safetensors file: header length {n} does not fit the file ({size} bytes)",
                            file=ins.file)
    try:
        header = json.loads(fh.read(n))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"safetensors header is not valid JSON: {exc}", file=ins.file) from None
    if not isinstance(header, dict):
        raise ArtifactError("safetensors header is not a JSON object", file=ins.file)
    data_len = size - 8 - n
    tensors = 0
    for key, value in header.items():
        if key == "__metadata__":
            continue
        offs = value.get("data_offsets") if isinstance(value, dict) else None
        if (not isinstance(offs, list) or len(offs) != 2 or not all(isinstance(o, int) for o in offs)
                or not 0 <= offs[0] <= offs[1] <= data_len or not isinstance(value.get("dtype"), str)):
            raise ArtifactError(f"safetensors tensor {key!r} has invalid dtype or data_offsets (data is "
                                f"{data_len} bytes)", file=ins.file)
        tensors += 1
    ins.data["notes"].append(f"safetensors header: {tensors} tensor(s)")


def _scan_zip(ins: Inspection, fh: IO[bytes]) -> None:
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ArtifactError(f"corrupt zip archive: {exc}", file=ins.file) from None
    with zf:
        members = zf.infolist()
        for info in members:
            low = info.filename.lower()
            if info.flag_bits & 0x1:
                raise ArtifactError(f"zip member {info.filename} is encrypted and cannot be scanned", file=ins.file)
            if low.endswith(PICKLE_MEMBER_EXTS):
                with zf.open(info) as member:
                    ins.scan_pickle(member, info.filename)
            elif low.endswith(".npy"):
                with zf.open(info) as member:
                    _scan_npy(ins, member, info.filename)
            elif low.endswith((".pt", ".pth", ".ckpt", ".zip")):
                raise ArtifactError(f"zip member {info.filename} is a nested archive; aima-gate does not scan "
                                    "nested archives", file=ins.file, hint="ship the inner file on its own")
        ins.data["notes"].append(f"zip archive with {len(members)} member(s)")


_DESCR = re.compile(r"'descr'\s*:\s*'([^']*)'")


def _scan_npy(ins: Inspection, fh: IO[bytes], member: str | None) -> None:
    head = fh.read(10)
    if head[:6] != b"\x93NUMPY" or len(head) < 10:
        raise ArtifactError(f"{member or 'file'} is not a valid .npy array", file=ins.file)
    major = head[6]
    if major == 1:
        hlen = struct.unpack("<H", head[8:10])[0]
        start = 10
    else:
        hlen = struct.unpack("<I", head[8:10] + fh.read(2))[0]
        start = 12
    header = fh.read(hlen).decode("latin-1")
    match = _DESCR.search(header)
    if match is None or "O" in match.group(1):
        ins.data["notes"].append(f"{member or 'file'}: numpy object array (pickled)")
        ins.scan_pickle(fh, member, offset=start + hlen)


def iter_unsafe(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from data["unsafe_imports"]
