"""Markdown structure without a Markdown renderer: ATX/setext headings outside code fences, the text under
each heading (down to the next heading of the same or a higher level), and whether that text says anything.

Placeholder text from model-card templates ("[More Information Needed]", ``{{ jinja }}``, HTML comments,
"TODO", "TBD") does not count as content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_PLACEHOLDERS = re.compile(
    r"<!--.*?-->|\{\{.*?\}\}|\{%.*?%\}|\[\s*more information needed\s*\]|more information needed"
    r"|\[optional\]|\bTODO\b|\bTBD\b|\bFIXME\b|\bN/?A\b|lorem ipsum",
    re.I | re.S,
)
_WORD = re.compile(r"[^\W\d_]{2,}")


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
        m = _FENCE.match(line)
        if m:
            marker = m.group(1)[0] * 3
            fence = None if fence == marker else (fence or marker)
            continue
        if fence:
            continue
        atx = _ATX.match(line)
        if atx:
            heads.append((len(atx.group(1)), atx.group(2).strip(), i))
        elif i > 0 and _SETEXT.match(line) and lines[i - 1].strip() and not _ATX.match(lines[i - 1]):
            heads.append((1 if line.strip()[0] == "=" else 2, lines[i - 1].strip(), i - 1))
    out: list[Section] = []
    for n, (level, title, idx) in enumerate(heads):
        end = len(lines)
        for later_level, _, later_idx in heads[n + 1 :]:
            if later_level <= level:
                end = later_idx
                break
        start = idx + 2 if idx + 1 < len(lines) and _SETEXT.match(lines[idx + 1]) else idx + 1
        out.append(Section(level, title, first_line + idx, "\n".join(lines[start:end])))
    return out


def normalize_title(title: str) -> str:
    title = re.sub(r"\[optional\]", "", title, flags=re.I)
    title = title.replace("&", " and ")
    return " ".join(re.findall(r"[a-z0-9]+", title.lower()))


def word_count(text: str) -> int:
    return len(_WORD.findall(_PLACEHOLDERS.sub(" ", text)))
