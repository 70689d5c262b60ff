"""A self-contained HTML report for people who do not read terminal output (risk officers, auditors, boards).

One file, nothing fetched: inline CSS, inline JS and the inline SVG radar, locked down by a Content-Security-Policy
(``default-src 'none'``) that allows only the page's own style and script blocks by their sha256 hash.

The repository is hostile: every string from it (subject names, evidence, waiver reasons, even custom policy
titles) is cleaned of control and bidi characters and HTML-escaped (``html.escape(quote=True)``) in text and
attributes. The findings for the filter/pagination script travel in a ``<script type="application/json">`` block
whose ``<``, ``>``, ``&``, U+2028 and U+2029 are written as ``\\uXXXX`` escapes, so ``</script>`` or ``<!--``
inside a string can never end or change the block; the script builds rows with ``textContent`` only.

Size: passing and not-applicable findings appear only as counts per domain and per policy; failures, errors and
waived findings carry their full evidence, longest strings and evidence lists capped, within :data:`BUDGET`
bytes (the most severe first; the rest are counted and the JSON report named). The table shows
:data:`PAGE` rows at a time; without JavaScript the first page is still in the HTML.

Deterministic: the same report gives the same bytes (no clock; the only date is the scorecard's own).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import Counter
from collections.abc import Mapping
from html import escape
from typing import Any

from aima_gate.aima.catalog import load_catalog
from aima_gate.core.model import UNUSED_WAIVER, Finding, Status
from aima_gate.core.report import Report
from aima_gate.reporters._common import display_path, path_prefix, severity_sort_key, severity_values
from aima_gate.reporters._html_assets import CSS, JS
from aima_gate.reporters._html_sections import (
    clean,
    counts_tables,
    esc,
    maturity_section,
    scope_section,
    waiver_section,
)

BUDGET = 8 * 1024 * 1024
"""Bytes of finding data and first-page markup at most; the rest of the page is bounded by the number of policies
and waivers, so the file stays under 10 MB however many models the repository has."""
PAGE = 100
MAX_EVIDENCE = 20
GATE_DOMAIN = ("", "aima-gate (configuration and input)")
LABEL = {"error": "ERROR", "fail": "FAIL", "warn": "FAIL (not blocking)", "waived": "WAIVED"}
STATUS_OPTIONS = (("error", "error (cannot evaluate)"), ("fail", "fail (blocking)"),
                  ("warn", "fail (not blocking)"), ("waived", "waived"))
_JSON_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(value: Any) -> str:
    """JSON that cannot break out of ``<script type="application/json">`` (those characters only occur in strings)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_UNSAFE[m.group()], text)


def csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


def status_code(report: Report, f: Finding) -> str:
    if f.status is Status.FAIL and not report.is_blocking(f):
        return "warn"
    return f.status.value


class _Strings:
    """Interns repeated strings (policy titles, fixes, file names), so 5,000 models do not repeat them 5,000 times."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.items: list[str] = []
        self.size = 0

    def __call__(self, text: object) -> int:
        value = clean(text)
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.items)
            self.items.append(value)
            self.size += len(value.encode("utf-8")) + 3
        return found


def _row_data(report: Report, f: Finding, strings: _Strings, prefix: str) -> list[Any]:
    evidence = [[strings(display_path(report, e.file, prefix)), int(e.line), clean(e.message),
                 strings(e.expected) if e.expected and f.status is not Status.PASS else None]
                for e in f.evidence[:MAX_EVIDENCE]]
    notes = []
    w = f.waiver or {}
    if f.status is Status.WAIVED:
        notes.append(f"Waived until {w.get('expires', '?')} by {w.get('owner', '?')}: {w.get('reason', '')} "
                     f"(waiver at {display_path(report, str(w.get('file', '?')), prefix)}:{w.get('line', '?')})")
    elif w.get("expired"):
        notes.append(f"Waiver by {w.get('owner', '?')} expired on {w.get('expires', '?')}: {w.get('reason', '')}")
    if len(f.evidence) > MAX_EVIDENCE:
        notes.append(f"{len(f.evidence) - MAX_EVIDENCE} more evidence items are in the JSON report.")
    return [status_code(report, f), f.severity.value, f.aima.domain if f.aima else "", strings(f.policy_id),
            strings(f.title), clean(f.subject.name), strings(display_path(report, f.subject.file, prefix)), evidence,
            strings(f.remediation), clean(" ".join(notes))]


def _row_html(row: list[Any], strings: list[str], domains: Mapping[str, str]) -> str:
    """The server-side twin of the script's ``row()``: the first page, readable without JavaScript."""
    st, sev, dom, pol, title, subject, file, evidence, fix, note = row
    items = "".join(
        f"<li><code>{escape(strings[e[0]])}:{e[1]}</code>: {escape(e[2])}"
        + (f" (expected {escape(strings[e[3]])})" if e[3] is not None else "") + "</li>" for e in evidence)
    return (f'<tr><td><span class="badge st-{st}">{LABEL[st]}</span></td><td>{sev}</td>'
            f"<td>{escape(domains.get(dom, dom))}</td>"
            f"<td><code>{escape(strings[pol])}</code><div>{escape(strings[title])}</div></td>"
            f'<td><div>{escape(subject)}</div><div class="muted">{escape(strings[file])}</div></td>'
            f'<td><ul class="ev">{items}</ul>' + (f'<div class="fix">{escape(note)}</div>' if note else "")
            + f'<div class="fix">Fix: {escape(strings[fix])}</div></td></tr>')


def _select(ident: str, label: str, options: list[tuple[str, str]]) -> str:
    opts = "".join(f'<option value="{escape(v)}">{escape(t)}</option>' for v, t in [("*", "all"), *options])
    return f'<label for="{ident}">{label}<select id="{ident}">{opts}</select></label>'


def _findings_section(report: Report, domains: Mapping[str, str], order: Mapping[str, int]) -> tuple[str, str]:
    """The filterable table (first page in HTML) and its JSON data block."""
    shown = [f for f in report.findings if f.status in (Status.FAIL, Status.ERROR, Status.WAIVED)]
    shown.sort(key=lambda f: (severity_sort_key(report, f), f.status is Status.WAIVED,
                              order.get(f.aima.domain if f.aima else "", -1)))
    strings = _Strings()
    rows: list[list[Any]] = []
    first: list[str] = []
    used = 0
    prefix = path_prefix(report)  # once: it resolves the working directory
    for f in shown:
        before = strings.size
        row = _row_data(report, f, strings, prefix)
        markup = _row_html(row, strings.items, domains) if len(rows) < PAGE else ""
        size = len(script_json(row)) + strings.size - before + len(markup.encode("utf-8"))
        if used + size > BUDGET:
            break
        rows.append(row)
        if markup:
            first.append(markup)
        used += size
    omitted = len(shown) - len(rows)
    first_html = "\n".join(first)
    present = {r[2] for r in rows}
    dom_opts = [(slug, name) for slug, name in domains.items() if slug in present]
    data = {"domains": [[k, v] for k, v in domains.items()], "strings": strings.items, "findings": rows}
    note = (f"<p><strong>{omitted} findings were left out</strong> to keep this file under "
            f"{BUDGET // (1024 * 1024)} MiB (the least severe); the JSON report lists every finding.</p>"
            if omitted else "")
    static = (f"Showing {min(PAGE, len(rows))} of {len(rows)} findings."
              if rows else "No failing, erroring or waived finding.")
    html = f"""<section aria-labelledby="h-findings" id="findings">
<h2 id="h-findings">Findings that need attention ({len(rows)})</h2>
<p>Failures, errors and waived findings with their evidence, most severe first. Passing findings are counted
in the tables above, not listed.</p>
{note}<form id="filters" class="filters" hidden>
{_select("filter-domain", "AIMA domain", dom_opts)}
{_select("filter-severity", "Severity", [(v, v) for v in severity_values()])}
{_select("filter-status", "Status", list(STATUS_OPTIONS))}
<p><output id="match-count" for="filter-domain filter-severity filter-status">{len(rows)}</output> matching</p>
</form>
<p id="page-status" role="status" aria-live="polite">{static}</p>
<nav id="pager" class="pager" aria-label="Findings pages" hidden>
<button type="button" id="page-prev">Previous page</button><button type="button" id="page-next">Next page</button>
</nav>
<p id="nojs-note" class="muted">Turn on JavaScript to filter the findings and page through all of them.</p>
<table id="findings-table">
<caption class="muted">Findings ({PAGE} a page)</caption>
<colgroup><col class="c-status"><col class="c-sev"><col class="c-dom"><col class="c-pol"><col class="c-subj"><col>
</colgroup>
<thead><tr><th scope="col">Status</th><th scope="col">Severity</th><th scope="col">AIMA domain</th>
<th scope="col">Policy</th><th scope="col">Subject</th><th scope="col">Evidence and fix</th></tr></thead>
<tbody id="findings-body">
{first_html}
</tbody>
</table>
</section>"""
    return html, script_json(data)


def _summary(report: Report) -> str:
    s = report.summary
    by_sev = Counter(f.severity.value for f in report.findings if f.status is Status.FAIL)
    sev = ", ".join(f"{by_sev[v]} {v}" for v in severity_values() if by_sev[v])
    rows = "\n".join(f'<tr><th scope="row">{k.replace("_", " ")}</th><td class="num">{s[k]}</td></tr>'
                   for k in ("fail", "error", "waived", "pass", "not_applicable", "total"))
    return f"""<section aria-labelledby="h-verdict">
<h2 id="h-verdict">Verdict</h2>
<p><span class="verdict v-{report.verdict}">{report.verdict.upper()}</span>
exit code {int(report.exit_code)}: {s['blocking']} blocking findings; the gate fails on
<strong>{escape(report.fail_on.value)}</strong> and above; {len(report.policies)} policies evaluated.</p>
<p>{s['fail']} failing{f" ({sev})" if sev else ""}, {s['error']} cannot be evaluated, {s['waived']} waived,
{s['pass']} passing, {s['not_applicable']} not applicable.</p>
<table><caption class="muted">Findings by status</caption>
<thead><tr><th scope="col">Status</th><th scope="col" class="num">Findings</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</section>"""


def render(report: Report) -> str:
    catalog = load_catalog()
    domains = {d.slug: d.name for d in catalog.domains}
    domains[GATE_DOMAIN[0]] = GATE_DOMAIN[1]
    order = {d.slug: i for i, d in enumerate(catalog.domains)}
    findings_html, data = _findings_section(report, domains, order)
    unused = [f for f in report.findings if f.policy_id == UNUSED_WAIVER]
    body = "\n".join(part for part in (
        _summary(report),
        maturity_section(report.extra.get("maturity")),
        counts_tables(report, domains, order),
        findings_html,
        waiver_section(report, unused),
        scope_section(report),
    ) if part)
    csp = (f"default-src 'none'; style-src {csp_hash(CSS)}; script-src {csp_hash(JS)}; img-src 'none'; "
           "base-uri 'none'; form-action 'none'")
    title = f"aima-gate report: {report.verdict.upper()}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="aima-gate {esc(report.tool_version)}">
<title>{title}</title>
<style>{CSS}</style>
</head>
<body>
<a class="skip" href="#findings">Skip to the findings</a>
<header><h1>{title}</h1>
<p class="muted">Policy-as-code gate for AI/ML repositories; findings mapped to the OWASP AI Maturity Assessment
(AIMA).</p></header>
<main>
{body}
</main>
<footer class="muted"><p>aima-gate {esc(report.tool_version)}
· policy pack <code>{esc(report.policy_pack_digest)}</code> · fail on {escape(report.fail_on.value)}
· the JSON report is the complete record.</p></footer>
<script type="application/json" id="aima-data">{data}</script>
<script>{JS}</script>
</body>
</html>
"""

