"""Text folded for matching, so a placeholder spelled to look different is still the placeholder.

A card author (or attacker) can write "TODO" with a zero-width space inside, "More  information\\nneeded" with
doubled spaces or a line break, "ТВD" with Cyrillic letters, or "ＴＯＤＯ" in full-width forms. ``fold`` maps all
of these onto one spelling before placeholders and template sentences are compared:

1. Unicode NFKC (full-width, mathematical and other compatibility forms become their plain letters);
2. invisible characters are removed: every format character (category Cf: zero-width space/joiners, word
   joiner, soft hyphen, BOM, bidi controls) and the other default-ignorable code points listed in
   ``_IGNORABLE`` (combining grapheme joiner, variation selectors, Hangul fillers, ...);
3. look-alike letters are mapped to Latin by ``CONFUSABLES``: a small table of the Cyrillic, Greek and Armenian
   letters that are drawn like a Latin letter (after the Unicode confusables list, ``confusablesSummary.txt``),
   plus the slash look-alikes, so "N⁄A" is "N/A";
4. whitespace (any Unicode space or line break, repeated) folds to one space when ``spaces`` is true.

Folding only decides what matches; the text a report quotes is never rewritten.
"""

from __future__ import annotations

import re
import unicodedata

CONFUSABLES: dict[str, str] = {
    # Cyrillic lower case
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l",
    "ɡ": "g", "ո": "n", "ս": "u", "օ": "o", "ց": "g", "հ": "h",  # Latin script g, Armenian
    # Cyrillic upper case
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W", "Һ": "H", "Ӏ": "I",
    # Greek
    "α": "a", "ο": "o", "ρ": "p", "ν": "v", "ι": "i", "υ": "u", "ϲ": "c",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C",
    # Latin look-alikes NFKC keeps
    "ı": "i", "ȷ": "j", "ꞵ": "b",
    # slashes
    "⁄": "/", "∕": "/", "⧸": "/", "╱": "/",
}
FORMAT_RANGES = ((0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F),
                 (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
                 (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
                 (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
                 (0xE0001, 0xE0001), (0xE0020, 0xE007F))
"""Every format character (category Cf) up to Unicode 16 (a test checks it covers the running Python's table)."""
_IGNORABLE = frozenset(
    [0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0, 0x2800, *range(0x180B, 0x1810),
     *range(0xFE00, 0xFE10)]
)
_TABLE: dict[int, str | None] = {ord(k): v for k, v in CONFUSABLES.items()}
_TABLE.update({cp: None for cp in _IGNORABLE})
_FORMAT = re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in FORMAT_RANGES) + "]")
_SPACES = re.compile(r"\s+")


def _drop_format(text: str) -> str:
    return _FORMAT.sub("", text)


def fold(text: str, *, spaces: bool = True) -> str:
    """``text`` in its matching form (NFKC, invisible characters removed, look-alikes mapped, spaces folded)."""
    if text.isascii():
        return _SPACES.sub(" ", text) if spaces else text
    text = unicodedata.normalize("NFKC", text)
    text = _drop_format(text).translate(_TABLE)
    # Mapping can create new compatibility sequences only in theory; one more NFKC keeps the result stable.
    text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub(" ", text) if spaces else text
