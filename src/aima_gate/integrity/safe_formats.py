"""Recognise and validate the formats whose loaders never unpickle: safetensors, GGUF, ONNX and ``.pth``
path-configuration files. A file claiming one of them but malformed is an error naming it, never a pass; whether
the same bytes are also walked as a pickle is :mod:`~aima_gate.integrity.model_files`' decision."""

from __future__ import annotations

import json
import struct
from typing import IO

from aima_gate.integrity.inspection import Inspection

MAX_SAFETENSORS_HEADER = 100 * 1024 * 1024


def safe_format(ins: Inspection, fh: IO[bytes], head: bytes, ext: str, size: int) -> str | None:
    """The format no loader unpickles that ``head`` (and ``ext``) claim, validated; None if they claim none."""
    if ext == ".safetensors" or _looks_safetensors(head, size):
        _check_safetensors(ins, fh, size)
        fh.seek(0)
        return "safetensors"
    if head[:4] == b"GGUF" or ext == ".gguf":
        version = struct.unpack("<I", head[4:8])[0] if len(head) >= 8 else -1
        if head[:4] != b"GGUF" or version not in (1, 2, 3):
            raise ins.error("not a GGUF file: the header lacks the GGUF magic and a known version (1-3)")
        ins.note(f"GGUF version {version}")
        return "gguf"
    if ext == ".onnx":
        if head[:1] != b"\x08":
            raise ins.error("not an ONNX model: the protobuf does not start with ir_version")
        return "onnx"
    return None


def is_path_config(fh: IO[bytes], size: int) -> bool:
    """A ``.pth`` path-configuration file (site.py): short UTF-8 text, one path or ``import`` line per line."""
    if size > 1 << 20:
        return False
    data = fh.read()
    fh.seek(0)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return "\x00" not in text and all(line.isprintable() for line in text.splitlines())


def _looks_safetensors(head: bytes, size: int) -> bool:
    if len(head) < 9:
        return False
    n = struct.unpack("<Q", head[:8])[0]
    return 2 <= n <= min(MAX_SAFETENSORS_HEADER, size - 8) and head[8:9] == b"{"


def _check_safetensors(ins: Inspection, fh: IO[bytes], size: int) -> None:
    raw_len = fh.read(8)
    n = struct.unpack("<Q", raw_len)[0] if len(raw_len) == 8 else -1
    if not (2 <= n <= min(MAX_SAFETENSORS_HEADER, size - 8)):
        raise ins.error(f"not a safetensors file: header length {n} does not fit the file ({size} bytes)")
    try:
        header = json.loads(fh.read(n))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ins.error(f"safetensors header is not valid JSON: {type(exc).__name__}") from None
    if not isinstance(header, dict):
        raise ins.error("safetensors header is not a JSON object")
    data_len = size - 8 - n
    tensors = 0
    for key, value in header.items():
        if key == "__metadata__":
            continue
        offs = value.get("data_offsets") if isinstance(value, dict) else None
        if (not isinstance(offs, list) or len(offs) != 2 or not all(isinstance(o, int) for o in offs)
                or not 0 <= offs[0] <= offs[1] <= data_len or not isinstance(value.get("dtype"), str)):
            raise ins.error(f"safetensors tensor {key!r} has invalid dtype or data_offsets (data is {data_len} bytes)")
        tensors += 1
    ins.note(f"safetensors header: {tensors} tensor(s)")
