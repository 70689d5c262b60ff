"""Sections of the HTML report (``reporters/html.py``) besides the findings table: the AIMA maturity scorecard,
counts by domain and policy, waivers, and everything that narrowed what was checked.

Every repository string goes through :func:`esc` (html.py uses the same function). Sections read
``report.extra`` defensively: its keys come from features that may be absent, older or newer than this module, so
unknown shapes are rendered generically (bounded in depth and length), never trusted or dropped.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from aima_gate.core.model import Finding, Status
from aima_gate.core.report import Report, scope_notes
from aima_gate.reporters._common import display_path, path_prefix

MAX_TEXT = 2000
"""Characters kept of any one repository string (a pasted log in an evidence message must not bloat the page)."""
LIST_CAP = 200
"""Items shown of any list in a generic section (the JSON report has them all)."""
ITEMS_CAP = 2000
MAX_DEPTH = 6
SUBJECTS_SHOWN = 5
SCOPE_KEYS = (("disabled_policies", "Disabled policies"), ("scope", "Scope"), ("narrowing", "Narrowing"),
              ("baseline", "Baseline"), ("target_level", "Target level"), ("excluded_folders", "Folders not read"))
_STATUSES = ("pass", "fail", "error", "waived", "not_applicable")
# C0/C1 controls, line/paragraph separators and bidi overrides (Trojan Source) are shown as visible escapes.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def clean(text: object, limit: int = MAX_TEXT) -> str:
    text = _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", str(text))
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more characters)"


def esc(text: object, limit: int = MAX_TEXT) -> str:
    """Clean and HTML-escape a repository string for text or a quoted attribute."""
    return escape(clean(text, limit), quote=True)


def generic(value: Any) -> str:
    """Any JSON-like value as nested HTML lists; bounded in depth, per list and in total (:data:`ITEMS_CAP`
    entries), so a hostile or huge section cannot flood the page."""
    return _Generic().render(value, 0)


class _Generic:
    def __init__(self) -> None:
        self.left = ITEMS_CAP

    def _entries(self, items: Sequence[tuple[str, Any]], total: int) -> tuple[list[tuple[str, Any]], int]:
        take = min(len(items), LIST_CAP, max(self.left, 0))
        self.left -= take
        return list(items[:take]), total - take

    def render(self, value: Any, depth: int) -> str:
        if depth >= MAX_DEPTH:
            return esc(repr(value))
        if isinstance(value, Mapping):
            if not value:
                return "(none)"
            pairs = sorted(((str(k), v) for k, v in value.items()), key=lambda kv: kv[0])
            shown, rest = self._entries(pairs, len(pairs))
            body = "".join(f"<dt>{esc(k)}</dt><dd>{self.render(v, depth + 1)}</dd>" for k, v in shown)
            more = f"<dt>…</dt><dd>{rest} more entries in the JSON report</dd>" if rest else ""
            return f'<dl class="generic">{body}{more}</dl>'
        if isinstance(value, (list, tuple)):
            if not value:
                return "(none)"
            shown, rest = self._entries([("", v) for v in value], len(value))
            more = f"<li>… and {rest} more in the JSON report</li>" if rest else ""
            return "<ul>" + "".join(f"<li>{self.render(v, depth + 1)}</li>" for _, v in shown) + more + "</ul>"
        if value is None:
            return "none"
        if isinstance(value, bool):
            return "yes" if value else "no"
        return esc(value)


def _table(caption: str, head: Sequence[str], rows: list[str], numeric: Sequence[int] = ()) -> str:
    num = ' class="num"'
    ths = "".join(f'<th scope="col"{num if i in numeric else ""}>{h}</th>' for i, h in enumerate(head))
    body = "\n".join(rows)  # one row a line: golden files and diffs of two reports stay readable
    return (f'<table><caption class="muted">{caption}</caption>\n<thead><tr>{ths}</tr></thead>\n'
            f"<tbody>\n{body}\n</tbody></table>")


def _nums(counts: Mapping[str, int]) -> str:
    return "".join(f'<td class="num">{counts.get(s, 0)}</td>' for s in _STATUSES)


def counts_tables(report: Report, domains: Mapping[str, str], order: Mapping[str, int]) -> str:
    by_domain: dict[str, Counter[str]] = defaultdict(Counter)
    by_policy: dict[str, Counter[str]] = defaultdict(Counter)
    meta: dict[str, tuple[str, str, str]] = {}
    for p in report.policies:
        meta[p.id] = (p.title, p.aima.domain, p.severity.value)
    for f in report.findings:
        dom = f.aima.domain if f.aima else ""
        by_domain[dom][f.status.value] += 1
        by_policy[f.policy_id][f.status.value] += 1
        meta.setdefault(f.policy_id, (f.title, dom, f.severity.value))
    head = ["Passed", "Failed", "Errors", "Waived", "Not applicable"]
    dom_rows = [f'<tr><th scope="row">{escape(domains.get(d, d))}</th>{_nums(by_domain[d])}</tr>'
                for d in sorted(by_domain, key=lambda d: (order.get(d, -1), d))]
    pol_rows = [f'<tr><th scope="row"><code>{esc(pid)}</code></th><td>{esc(meta[pid][0])}</td>'
                f"<td>{escape(domains.get(meta[pid][1], meta[pid][1]))}</td><td>{escape(meta[pid][2])}</td>"
                f"{_nums(by_policy[pid])}</tr>" for pid in sorted(meta)]
    return f"""<section aria-labelledby="h-counts">
<h2 id="h-counts">Results by AIMA domain and policy</h2>
{_table("Findings by AIMA domain", ["AIMA domain", *head], dom_rows, range(1, 6))}
<details><summary>Findings by policy ({len(pol_rows)} policies)</summary>
{_table("Findings by policy", ["Policy", "Title", "AIMA domain", "Severity", *head], pol_rows, range(4, 9))}
</details>
</section>"""


def maturity_section(maturity: Any) -> str:
    if not isinstance(maturity, Mapping) or not maturity.get("domains"):
        return ""
    from aima_gate.aima.radar import radar_svg

    m = maturity
    rows, missing = [], []
    for dom in m["domains"]:
        pracs = "; ".join(f"{p['name']} {p['label']}" for p in dom["practices"])
        rows.append(f'<tr><th scope="row">{esc(dom["name"])}</th><td class="num">{esc(dom["level"])}</td>'
                    f'<td class="num">{float(dom["score"]):.2f}</td><td>{esc(pracs)}</td></tr>')
        for prac in dom["practices"]:
            nxt = prac.get("next")
            if nxt:
                items = "".join(f"<li><code>{esc(x['cell'])}</code> {esc(x['question'])} <em>{esc(x['why'])}</em>"
                                "</li>" for x in nxt["missing"])
                missing.append(f"<li><strong>{esc(prac['section'])} {esc(prac['name'])}</strong> (level "
                               f"{esc(prac['label'])} to {esc(nxt['level'])}):<ul>{items}</ul></li>")
    cells = m.get("cells", {})
    return f"""<section aria-labelledby="h-maturity">
<h2 id="h-maturity">AIMA maturity</h2>
<p>Overall level <strong>{esc(m['level'])}</strong> (score {float(m['score']):.2f} of 3) as of {esc(m['as_of'])}:
{esc(cells.get('holds', 0))} of {esc(cells.get('total', 0))} cells hold, {esc(cells.get('fails', 0))} fail,
{esc(cells.get('unknown', 0))} unknown.</p>
<figure class="radar">{radar_svg(m)}<figcaption class="muted">Radar chart of the table below: the filled
area is each domain's score, the dashed line its level.</figcaption></figure>
{_table("Maturity by AIMA domain (level = weakest practice; score = mean of practices)",
        ["AIMA domain", "Level", "Score", "Practices and levels"], rows, (1, 2))}
<details><summary>What is missing for the next level</summary><ul>{"".join(missing)}</ul></details>
<p class="muted">{esc(m.get('method', ''))}</p>
</section>"""


def _waiver_key(f: Finding) -> tuple[str, ...]:
    w = f.waiver or {}
    return (*(str(w.get(k, "?")) for k in ("file", "line", "owner", "expires", "reason")), f.policy_id)


def waiver_section(report: Report, unused: list[Finding]) -> str:
    """Every waiver once, with the findings it covers; expired and unused waivers next to them."""
    groups: dict[tuple[str, ...], list[Finding]] = defaultdict(list)
    for f in report.findings:
        if f.status is Status.WAIVED or (f.waiver and f.waiver.get("expired")):
            groups[_waiver_key(f)].append(f)
    rows = []
    prefix = path_prefix(report)  # once: it resolves the working directory
    for key in sorted(groups):
        file, line, owner, expires, reason, policy = key
        items = groups[key]
        state = "expired (finding fails)" if items[0].status is not Status.WAIVED else "applies"
        names = ", ".join(f.subject.name for f in items[:SUBJECTS_SHOWN])
        more = f" and {len(items) - SUBJECTS_SHOWN} more" if len(items) > SUBJECTS_SHOWN else ""
        where = f"{display_path(report, file, prefix)}:{line}"
        rows.append(f'<tr><th scope="row"><code>{esc(where)}</code></th><td><code>{esc(policy)}</code></td>'
                    f"<td>{esc(owner)}</td><td>{esc(expires)}</td><td>{state}</td><td>{esc(reason)}</td>"
                    f'<td class="num">{len(items)}</td><td>{esc(names)}{more}</td></tr>')
    for f in unused:
        ev = f.evidence[0] if f.evidence else None
        where = f"{display_path(report, ev.file, prefix)}:{ev.line}" if ev else display_path(report, f.subject.file,
                                                                                              prefix)
        rows.append(f'<tr><th scope="row"><code>{esc(where)}</code></th><td><code>{esc(f.subject.name)}</code></td>'
                    f'<td></td><td></td><td>unused (matches nothing)</td><td>{esc(ev.message if ev else f.title)}</td>'
                    '<td class="num">0</td><td></td></tr>')
    configured = report.extra.get("waivers")
    parts = ['<section aria-labelledby="h-waivers">', '<h2 id="h-waivers">Waivers</h2>']
    if rows:
        parts.append(_table("Waivers: where each is defined, whom it binds and what it covers",
                            ["Waiver", "Policy", "Owner", "Expires", "State", "Reason", "Findings", "Subjects"],
                            rows, (6,)))
    elif configured is None:
        parts.append("<p>No waiver applies to this run.</p>")
    if configured is not None:
        parts += ["<h3>Waivers as configured</h3>", generic(configured)]
    parts.append("</section>")
    return "\n".join(parts)


def scope_section(report: Report) -> str:
    """Every narrowing in the wording all formats share, then disabled policies, scope, baseline and target level
    entries in full, whatever shape the features give them."""
    extra = report.extra
    parts = ['<section aria-labelledby="h-scope">', '<h2 id="h-scope">Scope, narrowing and baseline</h2>']
    notes = scope_notes(report)
    if notes:
        parts.append("<ul>" + "".join(f"<li>{esc(note)}</li>" for note in notes) + "</ul>")
    present = [(key, title) for key, title in SCOPE_KEYS if extra.get(key) is not None]
    if not present:
        parts.append("<p>This report records no narrowing: no policy was disabled, no scope or baseline was "
                     "applied.</p>")
    for key, title in present:
        parts += [f"<h3>{title}</h3>", generic(extra[key])]
    parts.append("</section>")
    return "\n".join(parts)
