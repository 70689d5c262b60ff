"""Class 6: model-card text that a renderer does not show, or a placeholder spelled to look different, never fills
a section.

Most hostile cards below (43 of 59; the rest guard against regressions) passed the old source-text scanner: a
section it wanted filled held text after an unclosed ``<!--``, a heading inside a comment, a ``[//]: # (...)``
comment, a ``<div hidden>``, a heading in a code block that an older fence rule closed, or a placeholder written
with zero-width characters, doubled spaces, line breaks or look-alike letters. Each case is first proven against
the real consumer, markdown-it-py (the CommonMark parser GitHub-style hosts follow), rendering the card to HTML:
the proof shows that a reader never sees the text as a filled section. Then the gate must agree (the section is
missing or not filled), through the collector and through the ``model_card.required-sections`` policy end to end.

The controls at the end are the same constructs written so that they DO render (``<details>``, raw ``<p>``,
entities in a heading, setext headings, indented code, headings in lists and quotes): the gate must count them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from aima_gate.collectors.model_card import DEFAULT_MIN_WORDS
from aima_gate.collectors.model_card_markdown import parse_markdown_card
from aima_gate.core.clock import Clock
from aima_gate.core.model import Status
from aima_gate.pipeline.runner import RunOptions, run_check
from aima_gate.safeio.markdown import _PLACEHOLDERS
from aima_gate.safeio.textfold import fold
from tests.conftest import TODAY, write

MARK = "Zebracorn"
FACT = f"{MARK} rows were drawn from ten million loan applications between 2019 and 2024."
OTHERS = ("## Intended use\n\nRanks loan applications for a human underwriter to review first.\n\n"
          "## Model details\n\nGradient-boosted trees over forty bureau features, retrained every quarter.\n\n"
          "## Evaluation\n\nROC AUC 0.81 on a held-out split of forty thousand applications.\n\n")
ZWSP = "\u200b"
BIAS = "Users (both direct and downstream) should be made aware of the risks, biases and limitations of the model."


@dataclass(frozen=True)
class Case:
    tail: str
    """Markdown appended after the three filled sections (the hostile part)."""
    proof: str
    """How the rendered HTML shows the text is not a filled section (see ``_prove``)."""
    arg: str = ""
    section: str = "training_data"
    head: str = ""
    """Markdown placed before the filled sections (for constructs that swallow the rest of the card)."""


def _td(body: str) -> str:
    return f"## Training data\n\n{body}\n"


PH = "More information needed"
HOSTILE: dict[str, Case] = {
    # --- HTML comments
    "text after an unclosed comment": Case(_td(f"<!--\n{FACT}"), "in_comment"),
    "unclosed comment before the heading": Case(f"<!--\n{_td(FACT)}", "in_comment"),
    "heading inside a closed comment": Case(f"<!--\n{_td(FACT)}-->\n", "in_comment"),
    "comment holding the section's text": Case(_td(f"<!-- {FACT} -->"), "in_comment"),
    "comment opened inside a paragraph": Case(_td(f"Data: <!--\n{FACT}\n-->"), "in_comment"),
    "comment with dashes inside": Case(_td(f"<!-- -- {FACT} -- -->"), "in_comment"),
    "comment the standard library would close early": Case(_td(f"<!-- note --\n>\n{FACT}\n-->"), "in_comment"),
    "comment left open inside an HTML block": Case(f"<div>\n<!--\n\n{_td(FACT)}", "in_comment"),
    "unclosed comment at the top swallows the card": Case("", "in_comment", head=f"<!--\n{_td(FACT)}"),
    # --- link reference definitions used as comments
    "link-reference comment [//]: # (...)": Case(_td(f"[//]: # ({FACT})"), "absent"),
    "link-reference comment [comment]: <> (...)": Case(_td(f"[comment]: <> ({FACT})"), "absent"),
    "link-reference comment with a quoted title": Case(_td(f'[//]: # "{FACT}"'), "absent"),
    "several link-reference comments": Case(_td("\n".join(f"[c{i}]: # ({FACT})" for i in range(4))), "absent"),
    # --- hidden HTML
    "div hidden": Case(_td(f"<div hidden>\n\n{FACT}\n\n</div>"), "in_hidden", "<div hidden>"),
    "heading inside div hidden": Case(f"<div hidden>\n\n{_td(FACT)}\n</div>\n", "in_hidden", "<div hidden>"),
    "DIV HIDDEN in capitals": Case(_td(f"<DIV HIDDEN>\n\n{FACT}\n\n</DIV>"), "in_hidden", "<DIV HIDDEN>"),
    'hidden="false" still hides': Case(_td(f'<div hidden="false">\n\n{FACT}\n\n</div>'), "in_hidden",
                                       '<div hidden="false">'),
    "self-closing div hidden still opens": Case(_td(f"<div hidden/>\n\n{FACT}"), "in_hidden", "<div hidden/>"),
    "div hidden never closed": Case(_td(f"<div hidden>\n\n{FACT}"), "in_hidden", "<div hidden>"),
    "style display none": Case(_td(f'<div style="display : NONE">\n\n{FACT}\n\n</div>'), "in_hidden",
                               '<div style="display : NONE">'),
    "style visibility hidden": Case(_td(f"<div style='color:red;visibility:hidden'>\n\n{FACT}\n\n</div>"),
                                    "in_hidden", "visibility:hidden"),
    "inline span hidden": Case(_td(f"<span hidden>{FACT}</span>"), "in_hidden", "<span hidden>"),
    "raw p hidden": Case(_td(f"<p hidden>{FACT}</p>"), "in_hidden", "<p hidden>"),
    "template element": Case(_td(f"<template>\n\n{FACT}\n\n</template>"), "in_hidden", "<template>"),
    "style element": Case(_td(f"<style>\n/* {FACT} */\n</style>"), "in_hidden", "<style>"),
    "script element": Case(_td(f"<script>\n// {FACT}\n</script>"), "in_hidden", "<script>"),
    "dialog that is not open": Case(_td(f"<dialog>\n\n{FACT}\n\n</dialog>"), "in_hidden", "<dialog>"),
    "noscript element": Case(_td(f"<noscript>\n\n{FACT}\n\n</noscript>"), "in_hidden", "<noscript>"),
    "end tag a browser ignores inside a table cell": Case(_td(f"<div hidden><table><tr><td></div>\n\n{FACT}"),
                                                          "in_hidden_cell", "<div hidden>"),
    "unfinished attribute swallows what follows": Case(_td(f'<div title="\n\n{FACT}\n\n'),
                                                        "in_open_attribute", 'title="'),
    # --- text only in attributes, alt text and link titles
    "image alt text": Case(_td(f"![{FACT}](chart.png)"), "in_attribute"),
    "link title": Case(_td(f'[see]( https://example.org "{FACT}")'), "in_attribute"),
    "abbr title": Case(_td(f'<abbr title="{FACT}">TD</abbr>'), "in_attribute"),
    # --- code: a heading inside code is code
    "fence closed by a shorter fence": Case(f"````\n```\n{_td(FACT)}```\n", "in_code"),
    "fence closed by a different fence": Case(f"```\n~~~\n{_td(FACT)}~~~\n", "in_code"),
    "closing fence with trailing text": Case(f"```\n```not-a-close\n{_td(FACT)}", "in_code"),
    "closing fence indented four spaces": Case(f"```\n    ```\n{_td(FACT)}", "in_code"),
    "fence never closed": Case(f"~~~~\n{_td(FACT)}", "in_code"),
    "heading in an indented code block": Case("    ## Training data\n\n    " + FACT + "\n", "in_code"),
    "heading in a raw pre block": Case(f"<pre>\n{_td(FACT)}</pre>\n", "no_heading"),
    "heading written as a code span": Case(f"`## Training data`\n\n{FACT}\n", "no_heading"),
    "escaped heading marker": Case(f"\\## Training data\n\n{FACT}\n", "no_heading"),
    "seven hashes is no heading": Case(f"####### Training data\n\n{FACT}\n", "no_heading"),
    "no space after the hashes": Case(f"##Training data\n\n{FACT}\n", "no_heading"),
    # --- placeholders spelled to look different (rendered visibly, but they are the placeholder)
    "zero-width spaces in a placeholder": Case(_td(f"More\u200b information\u200b needed. {PH}."), "placeholder"),
    "soft hyphen in a placeholder": Case(_td(f"More infor\u00admation needed. {PH}."), "placeholder"),
    "word joiner in TODO": Case(_td("TO\u2060DO TO\u2060DO TO\u2060DO TO\u2060DO TO\u2060DO"), "placeholder"),
    "doubled spaces": Case(_td("More  information   needed.  More  information  needed."), "placeholder"),
    "line breaks": Case(_td("More information\nneeded.\nMore\ninformation needed."), "placeholder"),
    "no-break spaces": Case(_td("More\u00a0information\u00a0needed. More\u00a0information\u00a0needed."),
                            "placeholder"),
    "Cyrillic look-alikes": Case(_td("Моrе іnfоrmаtіоn nееdеd. Моrе іnfоrmаtіоn nееdеd."), "placeholder"),
    "Greek look-alikes": Case(_td("ΤΟDΟ ΤΒD ΤΟDΟ ΤΒD ΤΟDΟ ΤΒD"), "placeholder"),
    "full-width letters": Case(_td("ＴＯＤＯ ＴＢＤ ＴＯＤＯ ＴＢＤ ＴＯＤＯ"), "placeholder"),
    "mathematical letters": Case(_td("𝐓𝐎𝐃𝐎 𝐓𝐁𝐃 𝐓𝐎𝐃𝐎 𝐓𝐁𝐃 𝐓𝐎𝐃𝐎 𝐓𝐁𝐃"), "placeholder"),
    "placeholder as HTML entities": Case(_td("&#84;ODO &#84;BD &#84;ODO &#84;BD &#84;ODO &#84;BD"), "placeholder"),
    "template sentence with a Cyrillic o": Case(f"## Bias, Risks, and Limitations\n\n{BIAS.replace('o', 'о')}\n",
                                                "placeholder", section="bias_risks_limitations"),
    "template sentence with zero-width spaces": Case(
        f"## Bias, Risks, and Limitations\n\n{BIAS.replace(' ', ' ' + ZWSP)}\n", "placeholder",
        section="bias_risks_limitations"),
    "template sentence wrapped over lines": Case(
        f"## Bias, Risks, and Limitations\n\n{BIAS.replace(' aware ', chr(10) + 'aware ')}\n", "placeholder",
        section="bias_risks_limitations"),
    "jinja default left in": Case(_td("{{ training_data | default('" + FACT + "', true) }}"), "placeholder"),
}

CONTROLS: dict[str, str] = {
    "details (collapsed, one click away)": _td(f"<details><summary>Data</summary>\n\n{FACT}\n\n</details>"),
    "raw HTML paragraph": _td(f"<p>{FACT}</p>"),
    "entity in the heading": f"## Training &amp; evaluation data\n\n{FACT}\n",
    "setext heading": f"Training data\n-------------\n\n{FACT}\n",
    "indented code under the heading": _td("    " + FACT),
    "heading inside a list item": f"- ## Training data\n\n  {FACT}\n",
    "heading inside a block quote": f"> ## Training data\n>\n> {FACT}\n",
    "</div> crossing a list item closes it (HTML5)": _td(f"<div hidden><ul><li></div>\n\n{FACT}"),
    "closed comment before real text": _td(f"<!-- reviewer note -->\n{FACT}"),
    "hidden div closed before real text": _td(f"<div hidden>\n\nscratch\n\n</div>\n\n{FACT}"),
    "empty comments <!--> of the old HF template": _td(f"<!--> Provide a quick summary. <!-->\n\n{FACT}"),
    "ATX heading with closing hashes": f"## Training data ##\n\n{FACT}\n",
}


def _card(case: Case) -> str:
    return f"{case.head}# Model card\n\n{OTHERS}{case.tail}"


def _html(text: str) -> str:
    return str(MarkdownIt("commonmark", {"html": True}).render(text))


def _prove(case: Case, html: str) -> None:
    """The real consumer does not show the text as a filled section."""
    spots = [m.start() for m in re.finditer(MARK, html)]
    if case.proof == "absent":
        assert not spots, html
    elif case.proof == "in_comment":
        assert spots and all(html.rfind("<!--", 0, i) > html.rfind("-->", 0, i) for i in spots), html
    elif case.proof == "in_hidden":
        assert spots and all(html.rfind(case.arg, 0, i) >= 0 for i in spots), html
        tag = re.match(r"<(\w+)", case.arg.lstrip()) if case.arg.startswith("<") else None
        if tag:  # the hiding element is still open where the text is
            name = tag.group(1)
            for i in spots:
                start = html.rfind(case.arg, 0, i)
                assert f"</{name}>" not in html[start:i].lower(), html
    elif case.proof == "in_hidden_cell":  # HTML5: </div> is ignored while a table cell it would cross is open
        for i in spots:
            between = html[html.rfind(case.arg, 0, i):i]
            assert between.startswith(case.arg) and "<td>" in between, html
            assert "</td>" not in between and "</table>" not in between, html
    elif case.proof == "in_attribute":
        assert spots and all(html.rfind("<", 0, i) > html.rfind(">", 0, i) for i in spots), html
    elif case.proof == "in_open_attribute":  # a quoted attribute value that never closes holds the text
        assert spots and all(html[html.rfind(case.arg, 0, i):i].count('"') == 1 for i in spots), html
        assert html.count('"') % 2 == 1, html
    elif case.proof == "in_code":
        assert not re.search(r"<h[1-6]>Training", html), html
        assert spots and all(html.rfind("<code", 0, i) > html.rfind("</code>", 0, i) for i in spots), html
    elif case.proof == "no_heading":
        assert not re.search(r"<h[1-6][^>]*>[^<]*Training", html), html
    elif case.proof == "placeholder":
        shown = re.sub(r"<[^>]*>", " ", html.rsplit("</h2>", 1)[1])
        shown = shown.replace("&amp;", "&").replace("&quot;", '"')
        words = re.findall(r"[^\W\d_]{2,}", fold(shown))
        assert words, html  # the renderer shows it...
        leftover = _PLACEHOLDERS.sub(" ", fold(shown))
        from aima_gate.collectors.model_card_boilerplate import strip_template_text

        leftover = strip_template_text(re.sub(r"\{\{.*?\}\}", " ", leftover))
        # ...and once folded, nothing but the placeholder / template sentence / heading is left
        assert len(re.findall(r"[^\W\d_]{2,}", leftover)) <= 4, leftover
    else:  # pragma: no cover
        raise AssertionError(case.proof)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_card_is_proven_against_markdown_it(name: str) -> None:
    _prove(HOSTILE[name], _html(_card(HOSTILE[name])))


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_card_does_not_fill_the_section(name: str) -> None:
    case = HOSTILE[name]
    data, _ = parse_markdown_card(_card(case), "MODEL_CARD.md", DEFAULT_MIN_WORDS)
    assert not data["sections"][case.section]["filled"], data["sections"][case.section]
    others = {k for k, v in data["sections"].items() if v["filled"]}
    if not case.head:  # (a construct at the top hides the whole card)
        assert {"intended_use", "evaluation"} <= others  # the rest of the card is still read


@pytest.mark.parametrize("name", sorted(CONTROLS))
def test_rendered_counterparts_do_fill_the_section(name: str) -> None:
    text = f"# Model card\n\n{OTHERS}{CONTROLS[name]}"
    assert MARK in re.sub(r"<[^>]*>", "", _html(text))  # the real consumer shows it
    data, _ = parse_markdown_card(text, "MODEL_CARD.md", DEFAULT_MIN_WORDS)
    assert data["sections"]["training_data"]["filled"], data["sections"]["training_data"]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_card_fails_the_policy_end_to_end(tmp_path: Path, name: str) -> None:
    write(tmp_path, "model_cards/scorer.md", _card(HOSTILE[name]))
    report = run_check(RunOptions(root=tmp_path, clock=Clock.at(TODAY),
                                  only_policies=frozenset({"model_card.required-sections"})))
    mine = [f for f in report.findings if f.policy_id == "model_card.required-sections"]
    assert mine and all(f.status is Status.FAIL for f in mine), [(f.status, f.evidence) for f in mine]
    assert int(report.exit_code) == 1
