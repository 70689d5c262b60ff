"""Markdown structure without a Markdown renderer: ATX/setext headings outside code fences, the text under
each heading (down to the next heading of the same or a higher level), and whether that text says anything.

Placeholder text from model-card templates ("[More Information Needed]", ``{{ jinja }}``, HTML comments,
"TODO", "TBD") does not count as content, and neither do subsection headings or bare field labels
("**Training regime:**"): a template whose values were never filled in has only those left.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

# Every pattern here runs in linear time on hostile input (a card is untrusted): no nested or lazy quantifier is
# followed by something that can fail after a long scan. Closing '#'s and delimited placeholders are cut in code.
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*))?$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_DELIMITED = (("<!--", "-->"), ("{{", "}}"), ("{%", "%}"))
_PLACEHOLDERS = re.compile(
    r"\[\s*more information needed\s*\]|more information needed"
    r"|\[optional\]|\bTODO\b|\bTBD\b|\bFIXME\b|\bN/?A\b|lorem ipsum",
    re.I,
)
_WORD = re.compile(r"[^\W\d_]{2,}|\d+(?:[.,]\d+)*")
_NOT_CONTENT = re.compile(
    r"^ {0,3}#{1,6}(?:[ \t].*)?$"  # ATX heading line
    r"|^(?=[^\n]*\S)[^\n]*\n {0,3}(?:=+|-+)[ \t]*$"  # setext heading (title line + underline); linear time
    r"|\*\*[^*\n]{1,80}?:\*\*|\*\*[^*\n]{1,80}?\*\*:",  # bold field label
    re.M,
)


@dataclass(frozen=True)
class Section:
    level: int
    title: str
    line: int
    text: str
    """Everything under the heading, subsections included."""


def sections(body: str, first_line: int = 1) -> list[Section]:
    lines = body.split("\n")
    heads: list[tuple[int, str, int]] = []  # (level, title, index)
    fence: str | None = None
    for i, line in enumerate(lines):
        # Each pattern starts with up to 3 spaces and then its own marker: most lines (prose) need no regex.
        first = line[:4].lstrip(" ")[:1]
        if first == "`" or first == "~":
            m = _FENCE.match(line)
            if m:
                marker = m.group(1)[0] * 3
                fence = None if fence == marker else (fence or marker)
                continue
        if fence:
            continue
        if first == "#":
            atx = _ATX.match(line)
            if atx:
                heads.append((len(atx.group(1)), _atx_title(atx.group(2) or ""), i))
        elif (first == "=" or first == "-") and i > 0 and _SETEXT.match(line) and lines[i - 1].strip() \
                and not _ATX.match(lines[i - 1]):
            heads.append((1 if line.strip()[0] == "=" else 2, lines[i - 1].strip(), i - 1))
    # A section ends at the next heading of the same or a higher level (one pass with a stack: a card with
    # hundreds of thousands of headings must not take quadratic time).
    ends = [len(lines)] * len(heads)
    open_heads: list[int] = []
    for n, (level, _, idx) in enumerate(heads):
        while open_heads and heads[open_heads[-1]][0] >= level:
            ends[open_heads.pop()] = idx
        open_heads.append(n)
    out: list[Section] = []
    for n, (level, title, idx) in enumerate(heads):
        end = ends[n]
        start = idx + 2 if idx + 1 < len(lines) and _SETEXT.match(lines[idx + 1]) else idx + 1
        out.append(Section(level, title, first_line + idx, "\n".join(lines[start:end])))
    return out


def _atx_title(raw: str) -> str:
    """Heading text without the optional closing sequence (``## Title ##``)."""
    title = raw.strip(" \t")
    bare = title.rstrip("#")
    if bare != title and (not bare or bare[-1] in " \t"):
        title = bare.rstrip(" \t")
    return title


def _strip_delimited(text: str) -> str:
    """Remove ``<!-- -->``, ``{{ }}`` and ``{% %}`` spans with plain scans (a lazy regex is quadratic here)."""
    for start, end in _DELIMITED:
        if start not in text:
            continue
        out: list[str] = []
        pos = 0
        while True:
            i = text.find(start, pos)
            j = text.find(end, i + len(start)) if i >= 0 else -1
            if j < 0:
                out.append(text[pos:])
                break
            out.append(text[pos:i])
            out.append(" ")
            pos = j + len(end)
        text = "".join(out)
    return text


@functools.lru_cache(maxsize=1024)  # cards repeat the same few headings
def normalize_title(title: str) -> str:
    title = re.sub(r"\[optional\]", "", title, flags=re.I)
    title = title.replace("&", " and ")
    return " ".join(re.findall(r"[a-z0-9]+", title.lower()))


def word_count(text: str) -> int:
    """Words of real content: placeholders, headings and bare field labels removed."""
    text = _strip_delimited(text)
    if _may_hold_placeholder(text):
        text = _PLACEHOLDERS.sub(" ", text)
    if _may_hold_non_content(text):
        text = _NOT_CONTENT.sub(" ", text)
    return len(_WORD.findall(text))


# Cheap necessary conditions for the two substitutions above (most sections of a real card trigger neither):
# when one is false its pattern cannot match, so skipping the pass leaves the text as the pass would.
_NA_WORD = re.compile(r"\bna\b")
_UNDERLINE = re.compile(r"\n {0,3}[=-]")


def _may_hold_placeholder(text: str) -> bool:
    if not text.isascii():  # re.I also folds a few non-ASCII letters (e.g. dotless i, long s) onto ASCII ones
        return True
    low = text.lower()  # ASCII: exactly the case folding re.I applies
    return ("more information needed" in low or "[optional]" in low or "todo" in low or "tbd" in low
            or "fixme" in low or "n/a" in low or "lorem ipsum" in low
            or ("na" in low and _NA_WORD.search(low) is not None))


def _may_hold_non_content(text: str) -> bool:
    """A heading line (``#``), a setext underline (after a line break) or a bold label (``**``)."""
    return "#" in text or "**" in text or ("\n" in text and _UNDERLINE.search(text) is not None)
