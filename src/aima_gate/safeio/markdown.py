"""Markdown structure as a reader sees it: the sections a CommonMark renderer shows (markdown_render.py), the
visible text under each heading (down to the next heading of the same or a higher level), and whether that text
says anything.

Placeholder text from model-card templates ("[More Information Needed]", ``{{ jinja }}``, HTML comments,
"TODO", "TBD") does not count as content, and neither do subsection headings or bare field labels
("**Training regime:**"): a template whose values were never filled in has only those left. Placeholders are
matched on the folded text (textfold.py: NFKC, invisible characters removed, look-alike letters mapped to Latin,
whitespace and line breaks folded), so "T\u200bODO", "More  information\nneeded" and Cyrillic "ТВD" are
placeholders too.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from aima_gate.safeio.textfold import fold

# Every pattern here runs in linear time on hostile input (a card is untrusted): no nested or lazy quantifier is
# followed by something that can fail after a long scan. Delimited placeholders are cut in code.
_DELIMITED = (("<!--", "-->"), ("{{", "}}"), ("{%", "%}"))
_PLACEHOLDERS = re.compile(
    r"\[\s*more information needed\s*\]|more information needed"
    r"|\[optional\]|\bTODO\b|\bTBD\b|\bFIXME\b|\bN/?A\b|lorem ipsum",
    re.I,
)
_WORD = re.compile(r"[^\W\d_]{2,}|\d+(?:[.,]\d+)*")
_ASCII_WORD = re.compile(r"[A-Za-z]{2,}|[0-9]+(?:[.,][0-9]+)*")
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
    """The visible text under the heading, subsections included (their headings not); bold as ``**x**``."""


def sections(body: str, first_line: int = 1) -> list[Section]:
    """The sections a reader sees (safeio/markdown_render.py: CommonMark headings that are not hidden), each with
    the visible text under it down to the next heading of the same or a higher level (subsections included,
    heading titles not)."""
    from aima_gate.safeio.markdown_render import visible

    return sections_of(visible(body), first_line)


def sections_of(events: list[Any], first_line: int = 1) -> list[Section]:
    """Sections from the visible headings and text of markdown_render (``visible``, ``plain``, ``rendered``)."""
    from aima_gate.safeio.markdown_render import Heading

    pieces: list[str] = []
    heads: list[tuple[Heading, int]] = []  # (heading, index of its first text piece)
    for event in events:
        if isinstance(event, Heading):
            heads.append((event, len(pieces)))
        else:
            pieces.append(event)
    # A section ends at the next heading of the same or a higher level (one pass with a stack: a card with
    # hundreds of thousands of headings must not take quadratic time).
    ends = [len(pieces)] * len(heads)
    open_heads: list[int] = []
    for n, (head, start) in enumerate(heads):
        while open_heads and heads[open_heads[-1]][0].level >= head.level:
            ends[open_heads.pop()] = start
        open_heads.append(n)
    return [Section(head.level, head.title, first_line + head.line, "".join(pieces[start:ends[n]]).strip("\n"))
            for n, (head, start) in enumerate(heads)]


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
    if _may_hold_non_content(text):  # line-based: before folding joins the lines
        text = _NOT_CONTENT.sub(" ", text)
    if text.isascii():
        # fold() of ASCII text only turns each whitespace run into one space; joining the split words does that
        # too, except at the two ends, where no placeholder or word can tell the difference. For ASCII text the
        # ASCII word pattern finds exactly what _WORD finds, and _ascii_words counts what it finds.
        text = " ".join(text.split())
        if _may_hold_placeholder(text):
            text = _PLACEHOLDERS.sub(" ", text)
        return _ascii_words(text)
    text = fold(text)
    if _may_hold_placeholder(text):
        text = _PLACEHOLDERS.sub(" ", text)
    return len(_WORD.findall(text))


_LETTERS_AS_A = str.maketrans({chr(c): "a" if chr(c).isalpha() else " " for c in range(128)})
_NUMBER_CHARS = str.maketrans({chr(c): "0" if chr(c).isdigit() else "." if chr(c) in ".," else " " for c in range(128)})
_NUMBER = re.compile(r"0+(?:\.0+)*")
_DIGIT = re.compile(r"[0-9]")


def _ascii_words(text: str) -> int:
    """``len(_ASCII_WORD.findall(text))`` for ASCII text, without a string per word (the regex scan was most of a
    card's word counts). Letters and digits are disjoint, so the pattern's two branches find their matches
    independently: runs of two or more letters (each starts where a letter follows a non-letter, and with every
    letter written as ``a`` and everything else as a space that is one ``" aa"``) and numbers (digits joined by
    single ``.`` or ``,``, found in the runs of digits, dots and commas; a run of digits alone is one number)."""
    words = (" " + text.translate(_LETTERS_AS_A)).count(" aa")
    if _DIGIT.search(text) is not None:
        for run in text.translate(_NUMBER_CHARS).split():
            if "0" in run:
                words += 1 if "." not in run else len(_NUMBER.findall(run))
    return words


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
            or ("na" in low and _has_na_word(low)))


_NA_BEFORE_NON_WORD = re.compile(r"na(?![a-z0-9_])")


def _has_na_word(low: str) -> bool:
    """``_NA_WORD.search(low)`` for lower-case ASCII text (where a word character is [a-z0-9_]): the pattern's leading
    ``\\b`` keeps the regex engine from skipping ahead to "na", so it tried every position; here the engine finds
    each "na" that ends a word and the start of the word is checked by hand (two matches cannot overlap)."""
    for match in _NA_BEFORE_NON_WORD.finditer(low):
        i = match.start()
        if i == 0 or not (low[i - 1].isalnum() or low[i - 1] == "_"):
            return True
    return False


def _may_hold_non_content(text: str) -> bool:
    """A heading line (``#``), a setext underline (after a line break) or a bold label (``**``)."""
    return "#" in text or "**" in text or ("\n" in text and _UNDERLINE.search(text) is not None)
