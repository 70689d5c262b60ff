"""OpenPGP packet headers (RFC 4880 / RFC 9580 section 4), read to find secret-key material in any encoding.

gpg imports secret keys from binary packets, from armor of any label (a ``PUBLIC KEY BLOCK`` armor may carry
secret-key packets) and from inside compressed-data packets, so looking for the text ``PRIVATE KEY BLOCK`` is
not enough. This module walks the packet headers (old and new format, every length encoding including partial
bodies) of the binary data and of every armored block, descends into compressed packets (bounded), and reports
the secret-key packets it finds (tag 5, secret key; tag 7, secret subkey). Data that is not a well-formed packet
sequence is reported too: a keyring the walk cannot read completely is never passed as holding no secret.
"""

from __future__ import annotations

import base64
import binascii
import bz2
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

SECRET_TAGS = {5: "secret key", 7: "secret subkey"}
COMPRESSED = 8
MAX_INFLATED = 64 * 1024 * 1024
"""Bound on what a compressed packet may expand to (a decompression bomb is malformed, not read whole)."""
MAX_NESTING = 8
_ARMOR = re.compile(rb"-----BEGIN PGP ([A-Z ,/0-9]+)-----\r?\n(.*?)-----END PGP \1-----", re.S)


class MalformedPackets(ValueError):
    """The data is not a complete, well-formed sequence of OpenPGP packets."""


@dataclass(frozen=True)
class Packet:
    tag: int
    offset: int
    body: bytes


def secret_packets(data: bytes) -> list[str]:
    """Descriptions of the secret-key packets in ``data`` (binary or armored); raises MalformedPackets."""
    return [f"{SECRET_TAGS[p.tag]} packet at byte {p.offset}{where}" for p, where in _all_packets(data, 0)
            if p.tag in SECRET_TAGS]


def _all_packets(data: bytes, depth: int) -> Iterator[tuple[Packet, str]]:
    if depth > MAX_NESTING:
        raise MalformedPackets("compressed packets nested too deeply")
    blocks = list(_ARMOR.finditer(data))
    if depth == 0 and blocks:
        for n, block in enumerate(blocks, 1):
            where = f" (armored block {n}, {block.group(1).decode()})"
            for packet, inner in _walk(_dearmor(block.group(2)), depth):
                yield packet, where + inner
        return
    if depth == 0 and b"-----BEGIN PGP" in data:
        raise MalformedPackets("an armor header without a matching END line")
    yield from _walk(data, depth)


def _walk(data: bytes, depth: int) -> Iterator[tuple[Packet, str]]:
    for packet in packets(data):
        yield packet, ""
        if packet.tag == COMPRESSED:
            for inner, where in _all_packets(_inflate(packet.body), depth + 1):
                yield inner, f" inside the compressed packet at byte {packet.offset}{where}"


def _dearmor(text: bytes) -> bytes:
    head, sep, body = text.partition(b"\n\n") if b"\n\n" in text else text.partition(b"\r\n\r\n")
    lines = (body if sep else head).splitlines()
    lines = [ln.strip() for ln in lines if ln.strip()]
    if lines and lines[-1].startswith(b"="):  # CRC-24 checksum line
        lines = lines[:-1]
    try:
        return base64.b64decode(b"".join(lines), validate=True)
    except (binascii.Error, ValueError):
        raise MalformedPackets("an armored block is not valid base64") from None


def _inflate(body: bytes) -> bytes:
    if not body:
        raise MalformedPackets("empty compressed packet")
    algo, rest = body[0], body[1:]
    try:
        if algo == 0:
            return rest
        if algo in (1, 2):
            inflater = zlib.decompressobj(-15 if algo == 1 else 15)
            out = inflater.decompress(rest, MAX_INFLATED + 1)
        elif algo == 3:
            out = bz2.BZ2Decompressor().decompress(rest, MAX_INFLATED + 1)
        else:
            raise MalformedPackets(f"unknown compression algorithm {algo}")
    except (zlib.error, OSError, EOFError) as exc:
        raise MalformedPackets(f"compressed packet does not decompress: {exc}") from None
    if len(out) > MAX_INFLATED:
        raise MalformedPackets(f"compressed packet expands beyond {MAX_INFLATED} bytes")
    return out


def packets(data: bytes) -> Iterator[Packet]:
    """Every packet of a binary packet sequence, in order (old and new header formats)."""
    pos = 0
    while pos < len(data):
        start, first = pos, data[pos]
        if not first & 0x80:
            raise MalformedPackets(f"byte {pos} is not an OpenPGP packet header (0x{first:02x})")
        pos += 1
        if first & 0x40:  # new format: tag in 6 bits, lengths may be partial
            tag = first & 0x3F
            body, pos = _new_format_body(data, pos)
        else:  # old format: tag in 4 bits, length type in 2
            tag, length_type = (first >> 2) & 0x0F, first & 0x03
            if length_type == 3:  # indeterminate: the packet runs to the end of the data
                body, pos = data[pos:], len(data)
            else:
                size = (1, 2, 4)[length_type]
                length, pos = _number(data, pos, size), pos + size
                body, pos = _take(data, pos, length)
        yield Packet(tag, start, body)


def _new_format_body(data: bytes, pos: int) -> tuple[bytes, int]:
    chunks = []
    while True:
        if pos >= len(data):
            raise MalformedPackets("packet length is truncated")
        o1 = data[pos]
        if o1 < 192:
            length, pos = o1, pos + 1
        elif o1 < 224:
            length, pos = ((o1 - 192) << 8) + _number(data, pos + 1, 1) + 192, pos + 2
        elif o1 == 255:
            length, pos = _number(data, pos + 1, 4), pos + 5
        else:  # partial body length: a chunk of 2**n bytes, more length octets follow
            chunk, pos = _take(data, pos + 1, 1 << (o1 & 0x1F))
            chunks.append(chunk)
            continue
        body, pos = _take(data, pos, length)
        chunks.append(body)
        return b"".join(chunks), pos


def _number(data: bytes, pos: int, size: int) -> int:
    if pos + size > len(data):
        raise MalformedPackets("packet length is truncated")
    return int.from_bytes(data[pos:pos + size], "big")


def _take(data: bytes, pos: int, length: int) -> tuple[bytes, int]:
    if pos + length > len(data):
        raise MalformedPackets(f"packet body of {length} bytes runs past the end of the data")
    return data[pos:pos + length], pos + length
