"""The gate's Markdown sections agree with markdown-it-py's own tokens, on generated Markdown and on every real
card and README in the test corpora.

The gate reads a card by rendering it and reading the HTML back (safeio/markdown_render.py). The oracle here is
independent of that path: it walks markdown-it-py's token stream (heading_open / inline / heading_close, with
the token's source line) the way the CommonMark spec defines headings. Hypothesis builds documents from the
constructs that fooled the old scanner (fences of every length and kind, indented code, setext underlines, HTML
comments and blocks, link-reference comments, lists, quotes, entities, escapes, tabs) and the two must agree on
every heading's level, title and line, and, for documents without raw HTML, on the words under each heading.
"""

from __future__ import annotations

import collections
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from aima_gate.safeio.loaders import split_front_matter
from aima_gate.safeio.markdown import _WORD, sections, word_count
from aima_gate.safeio.markdown_render import visible
from aima_gate.safeio.textfold import FORMAT_RANGES, fold
from tests.conftest import DATA, REPO_ROOT

LINES = [
    "# Title A", "## Training data", "### Sub *em* `code` **bold**", "###### six", "####### seven", "#no space",
    "## closing ##", "##", "Setext title", "===", "---", "- - -", "***", "```", "````", "~~~", "```python",
    "   ```", "    ```", "``` trailing", "Plain words here.", "More plain words", "- list item", "- ## list heading",
    "  continued", "> quote text", "> ## quote heading", "1. numbered", "    indented code line", "", "", "",
    "\\## escaped", "Text with &amp; entity", "## A &amp; B &#35; C", "`## in code span`", "[//]: # (comment here)",
    "[ref]: https://example.org", "![alt words here](img.png)", "**Label:** value", "<!--", "-->",
    "<!-- closed -->", "<div>", "</div>", "<details>", "<summary>Sum</summary>", "</details>", "<p>raw para</p>",
    "<pre>", "</pre>", "\t## tab heading", "  ## two-space heading", "## Heading with <b>html</b>",
    "Words [link text](https://x.org \"title\") end", "   # three-space heading",
]
HTML_LINES = [line for line in LINES if "<" in line]
documents = st.lists(st.sampled_from(LINES), max_size=25).map("\n".join)
documents_without_html = st.lists(st.sampled_from([x for x in LINES if x not in HTML_LINES]),
                                  max_size=25).map("\n".join)


def _title(inline: Any) -> str:
    parts: list[str] = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())


def oracle(body: str) -> list[tuple[int, str, int, list[str]]]:
    """(level, title, 1-based line, words under it) straight from markdown-it-py's tokens."""
    tokens = MarkdownIt("commonmark", {"html": True}).parse(body)
    # Raw HTML passes through to the page: a "<!--" it leaves open turns everything rendered after it into a
    # comment until some later raw HTML closes it (rendered Markdown text never holds a literal "-->"). Comments
    # end as HTML5 ends them.
    commented: set[int] = set()
    in_comment = False
    for i, tok in enumerate(tokens):
        if in_comment:
            commented.add(i)
        raws = [tok] if tok.type == "html_block" else [c for c in tok.children or [] if c.type == "html_inline"]
        for raw in raws:
            # HTML5: "<!-->" and "<!--->" are empty comments (and close an open one); "<!--" inside one is text
            for mark in re.findall(r"<!--->|<!-->|<!--|--!?>", raw.content):
                in_comment = mark == "<!--"
    heads: list[tuple[int, str, int, int]] = []  # level, title, line, token index
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.map and i not in commented:
            heads.append((int(tok.tag[1]), _title(tokens[i + 1]), tok.map[0] + 1, i))
    out = []
    for n, (level, title, line, start) in enumerate(heads):
        end = next((h[3] for h in heads[n + 1:] if h[0] <= level), len(tokens))
        words: list[str] = []
        in_heading = False
        for tok in tokens[start:end]:
            if tok.type in ("heading_open", "heading_close"):
                in_heading = tok.type == "heading_open"
            elif tok.type == "inline" and not in_heading:
                # One run of text per block, as rendered ("Dockerfile`s`" is one word); strong emphasis keeps
                # its "**" markers, the convention the gate uses to recognise bare field labels.
                run = []
                for child in tok.children or []:
                    if child.type in ("text", "code_inline"):
                        run.append(child.content)
                    elif child.type in ("softbreak", "hardbreak"):
                        run.append("\n")
                    elif child.type in ("strong_open", "strong_close"):
                        run.append("**")
                words += _WORD.findall("".join(run))
            elif tok.type in ("fence", "code_block"):
                words += _WORD.findall(tok.content)
        out.append((level, title, line, words))
    return out


def gate(body: str) -> list[tuple[int, str, int, list[str]]]:
    return [(s.level, s.title, s.line, _WORD.findall(s.text)) for s in sections(body)]


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_headings_agree_with_markdown_it_tokens(body: str) -> None:
    assert [h[:3] for h in gate(body)] == [h[:3] for h in oracle(body)], MarkdownIt("commonmark").render(body)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents_without_html)
def test_words_under_each_heading_agree_with_markdown_it_tokens(body: str) -> None:
    mine, theirs = gate(body), oracle(body)
    assert [h[:3] for h in mine] == [h[:3] for h in theirs]
    for a, b in zip(mine, theirs, strict=True):
        assert collections.Counter(a[3]) == collections.Counter(b[3]), (a, b, body)


def _real_markdown() -> list[Path]:
    found = sorted((REPO_ROOT / "tests" / "realworld" / "repos").rglob("*.md"))
    found += sorted((DATA / "hf-model-card").glob("*.md"))
    return [p for p in found if p.name not in ("PROVENANCE.md", "STANDIN.md")]


REAL = _real_markdown()


def test_the_real_corpora_hold_cards() -> None:
    assert len(REAL) >= 40, len(REAL)


@pytest.mark.parametrize("path", REAL, ids=[str(p.relative_to(REPO_ROOT)) for p in REAL])
def test_real_cards_and_readmes_agree_with_markdown_it_tokens(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        _, _, body, first = split_front_matter(text, path.name)
    except Exception:  # a file whose front matter is not YAML: read the whole text as the body
        body, first = text, 1
    mine = gate(body)
    theirs = oracle(body)
    assert [h[:3] for h in mine] == [h[:3] for h in theirs]
    # Words: the gate may only see fewer (hidden HTML, comments inside raw blocks), never a word the tokens lack
    # outside raw HTML; on cards without raw HTML they are the same.
    if "<" not in body:
        for a, b in zip(mine, theirs, strict=True):
            assert collections.Counter(a[3]) == collections.Counter(b[3]), (path, a[:3])
    assert first >= 1


# ------------------------------------------------------------------------------------- hidden and visible HTML


@pytest.mark.parametrize(("body", "shown"), [
    ("<div hidden>\n\nsecret\n\n</div>\n\nshown", "shown"),
    ("<div style=\"display:none\">secret</div>\n\nshown", "shown"),
    ("shown <span hidden>secret</span>", "shown"),
    ("shown\n\n<!--\nsecret", "shown"),
    ("shown\n\n<template>\n\nsecret\n\n</template>", "shown"),
    ("<details><summary>shown</summary>\n\nalso\n\n</details>", "shown also"),
    ("<dialog open>\n\nshown\n\n</dialog>", "shown"),
    ("<dialog>\n\nsecret\n\n</dialog>\n\nshown", "shown"),
    ('<div title="\n\nsecret\n\n', ""),
    ("shown ![secret](x.png)", "shown"),
    ("<b>shown</b>", "**shown**"),
])
def test_only_what_a_browser_shows_is_text(body: str, shown: str) -> None:
    text = "".join(e for e in visible(body) if isinstance(e, str))
    assert " ".join(text.split()) == shown, text


def test_a_heading_forged_in_raw_html_is_not_a_section() -> None:
    body = '<h2 data-aima-0000="0">Training data</h2>\n\n<h2>Evaluation</h2>\n\n## Real\n\ntext'
    assert [s.title for s in sections(body)] == ["Real"]


# ------------------------------------------------------------------------------------------- text folding


def test_format_ranges_cover_every_format_character_of_this_python() -> None:
    covered = {cp for a, b in FORMAT_RANGES for cp in range(a, b + 1)}
    cf = {cp for cp in range(sys.maxunicode + 1) if unicodedata.category(chr(cp)) == "Cf"}
    assert cf <= covered, sorted(hex(c) for c in cf - covered)


@pytest.mark.parametrize("spelled", [
    "TODO", "T\u200bODO", "TO\u2060DO", "\ufeffTODO", "ТОDО", "ΤΟDΟ", "ＴＯＤＯ", "𝐓𝐎𝐃𝐎", "T\u034fODO",
    "More  information\n\tneeded", "More\u00a0information\u2003needed", "Моrе іnfоrmаtіоn nееdеd",
    "More infor\u00admation needed", "N⁄A", "N∕A", "lorem\u200c ipsum", "[More\u200b Information Needed]",
])
def test_placeholders_are_matched_after_folding(spelled: str) -> None:
    assert word_count(f"{spelled} {spelled} {spelled} {spelled} {spelled} {spelled}") == 0, fold(spelled)


def test_folding_keeps_real_words_of_any_script() -> None:
    assert word_count("Модель обучена на данных за пять лет") == 7
    assert word_count("Το μοντέλο εκπαιδεύτηκε σε δεδομένα") == 5
    assert fold("naïve café") == "naïve café"
    assert re.fullmatch(r"[a-zA-Z ]+", fold("Моrе іnfоrmаtіоn"))


# ------------------------------------------------------------------------------ the plain fast path agrees


PLAIN_LINES = [
    "# Title A", "## Training data", "### Sub section", "###### six", "####### seven", "#no space", "##", "#",
    "Plain words here.", "More words, with commas; and: colons.", "Users (both direct and downstream) should be",
    "made aware of the risks, biases and limitations of the model.", "", "", "  ", "    ", "2019 was a year",
    "1. numbered", "- item", "text with trailing  ", "Title", "===", "---", "## A & B",
    "Uses & limitations &amp; more", "x &#35; y", "&copy; 2024", "a &", "word_with_underscore",
    "Привет мир, модель", "# Заголовок", "ROC AUC 0.81 (held out).",
    "Use the code below to get started with the model.", "a", "\u00a0", "x\u00a0y", "# Tab\theading",
    "  indented two", "       indented seven", "More information needed", "http://example.org/path?x=1",
    "Email: someone@example.org", "## Ends with hashes ##", "Ünïcode wörds",
]
plain_documents = st.lists(st.sampled_from(PLAIN_LINES), max_size=30).map("\n".join)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plain_documents)
def test_plain_fast_path_agrees_with_the_renderer(body: str) -> None:
    from aima_gate.collectors.model_card_boilerplate import strip_template_text
    from aima_gate.safeio.markdown import sections_of
    from aima_gate.safeio.markdown_render import plain, rendered

    fast = plain(body)
    if fast is None:
        return
    mine, theirs = sections_of(fast), sections_of(rendered(body))
    assert [(s.level, s.title, s.line) for s in mine] == [(s.level, s.title, s.line) for s in theirs]
    for a, b in zip(mine, theirs, strict=True):
        assert _WORD.findall(a.text) == _WORD.findall(b.text), (a, b)
        assert word_count(strip_template_text(a.text)) == word_count(strip_template_text(b.text)), (a, b)


def test_the_fast_path_takes_plain_cards_and_leaves_the_rest() -> None:
    from aima_gate.safeio.markdown_render import plain

    assert plain("# Card\n\n## Uses\n\nScores churn risk.\n") is not None
    for body in ("# Card\n<!-- x -->", "# Card\n```\n## x\n```", "# Card\n    code", "T\u200bODO", "a\n===",
                 "# Card ##", "x &amp; y", "[//]: # (c)", "- item", "1. item", "*x*", "a\r\nb"):
        assert plain(body) is None, body
