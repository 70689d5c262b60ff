"""Terminal-safe text: the one escaping function for repository-controlled strings shown on a terminal or in
CI logs (text reports, GitHub workflow commands, CLI messages). Lives in core so every layer can use it."""

from __future__ import annotations

# Characters that move the cursor, end a line, recolour or reorder a terminal's text: C0 and C1 controls, DEL,
# the Unicode line/paragraph separators and the bidirectional embeddings, overrides and isolates.
_CONTROL = {c: None for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029,
                              *range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_NAMED = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}


def escape_terminal(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\n``, ``\\x1b``, ``\\u202e``).

    Terminal formats pass each output line through this, so nothing a repository chooses (a file name, a model
    name, a message quoting its content) can start a new line (forging ``Verdict: PASS``), colour or erase the
    screen, or reorder what is shown. Only the lines' own separators, added after escaping, end a line."""
    if text.isprintable() or not any(ord(c) in _CONTROL for c in text):
        return text
    return "".join(_escape_char(c) if ord(c) in _CONTROL else c for c in text)


def _escape_char(c: str) -> str:
    code = ord(c)
    if code in _NAMED:
        return _NAMED[code]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
