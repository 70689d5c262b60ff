"""The AIMA maturity scorecard: per practice a level 0-3 from the evaluated policies and the attestations.

Method (AIMA V1's own "document method", chapter 4): a practice is at level N when every cell (stream A and B)
of levels 1..N holds, and "N+" when some, but not all, cells of level N+1 hold. A **cell holds** when

- at least one policy evidencing it passed and none of its policies failed, errored or was waived for any
  subject (``not_applicable`` findings are neutral), or
- no policy evidences it (none loaded, or all not applicable) and an attestation answers it ``yes`` with an
  owner, a date and an evidence link, unexpired, and with no failing attestation finding.

Evidence beats claims: a failing policy is never overridden by a ``yes`` attestation. AIMA defines no domain
score; the summary follows the SAMM convention (*judgement*): a domain's level is its lowest practice level,
its score the mean of its practices' scores (N+ counts N.5).
"""

from __future__ import annotations

import datetime as _dt
import heapq
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import attrgetter
from typing import Any

from aima_gate.aima.catalog import LEVELS, STREAMS, Practice, load_catalog
from aima_gate.core.model import Artifact, Finding, Status
from aima_gate.core.report import by_policy

METHOD = ("AIMA V1 document method: level N when every cell of levels 1..N (streams A and B) holds, N+ when "
          "some cells of level N+1 hold. A cell holds when its policies pass (none fails, errors or is waived) "
          "or, with no policy evidence, an unexpired owned 'yes' attestation answers it. Domain level = lowest "
          "practice level; domain score = mean practice score (N+ = N.5).")


def _cell_id(practice: Practice, stream: str, level: int) -> str:
    return f"{practice.key}/{stream}/{level}"


def _attestation_state(att: Mapping[str, Any] | None, failing: bool, today: _dt.date) -> tuple[str, str]:
    if att is None:
        return "unknown", "no policy evidences this cell and no attestation answers it"
    who = att.get("owner") or "nobody"
    if failing:
        return "unknown", f"the attestation by {who} fails the attestation policies"
    if not att.get("owner") or not att.get("evidence") or not att.get("date"):
        return "unknown", "the attestation lacks an owner, a date or an evidence link"
    expires = att.get("expires")
    if not expires or _dt.date.fromisoformat(str(expires)) < today:
        return "unknown", (f"the attestation by {who} expired on {expires}" if expires
                           else "the attestation has no expiry date")
    if att.get("answer") != "yes":
        return "fails", f"attested 'no' by {who} on {att.get('date')}"
    return "holds", f"attested 'yes' by {who} on {att.get('date')} (expires {expires})"


def _cell(cell: str, policy_ids: Sequence[str], findings_of: Mapping[str, Sequence[Finding]],
          att: Mapping[str, Any] | None, att_failing: bool, today: _dt.date) -> dict[str, Any]:
    counts: Counter[Status] = Counter()
    failing: set[str] = set()
    for p in policy_ids:  # per policy, each finding counted once per time its policy is listed (as one list of them)
        found = Counter(map(_STATUS, findings_of.get(p, ())))
        counts.update(found)
        if found[Status.FAIL] or found[Status.ERROR] or found[Status.WAIVED]:
            failing.add(p)
    return _described(cell, policy_ids, counts, failing,
                      lambda: {f.subject.name for p in failing for f in findings_of[p] if f.status in _BAD},
                      att, att_failing, today)


def _described(cell: str, policy_ids: Sequence[str], counts: Mapping[Status, int], failing: set[str],
               failing_subjects: Callable[[], set[str]], att: Mapping[str, Any] | None, att_failing: bool,
               today: _dt.date) -> dict[str, Any]:
    """The cell from its findings' status counts, the policies with a failing, erroring or waived finding and (asked
    only then) those findings' subjects."""
    out: dict[str, Any] = {"cell": cell, "policies": sorted(policy_ids)}
    if counts[Status.FAIL] + counts[Status.ERROR] + counts[Status.WAIVED]:
        subjects = failing_subjects()
        first = heapq.nsmallest(3, subjects)  # (sorted(subjects)[:3] without sorting thousands of names)
        shown = ", ".join(first) + (f" and {len(subjects) - 3} more" if len(subjects) > 3 else "")
        verbs = [v for st, v in ((Status.FAIL, "failed"), (Status.ERROR, "could not be evaluated"),
                                 (Status.WAIVED, "was waived")) if counts[st]]
        out.update(status="fails", source="policies",
                   detail=f"{', '.join(sorted(failing))} {' / '.join(verbs)} for {shown}")
    elif counts[Status.PASS]:
        out.update(status="holds", source="policies",
                   detail=f"{counts[Status.PASS]} passing finding(s) of {', '.join(sorted(policy_ids))}")
    else:
        status, detail = _attestation_state(att, att_failing, today)
        if status == "unknown" and policy_ids and att is None:
            detail = f"{', '.join(sorted(policy_ids))} selected no subject here; add the evidence or attest the cell"
        out.update(status=status, source="attestation" if att is not None else "none", detail=detail)
    return out


_STATUS = attrgetter("status")
_BAD = (Status.FAIL, Status.ERROR, Status.WAIVED)


def _practice_level(cells: Mapping[tuple[str, int], Mapping[str, Any]]) -> tuple[int, bool]:
    level = 0
    for lv in LEVELS:
        if all(cells[(s, lv)]["status"] == "holds" for s in STREAMS):
            level = lv
        else:
            break
    plus = level < LEVELS[-1] and any(cells[(s, level + 1)]["status"] == "holds" for s in STREAMS)
    return level, plus


def compute(policies: Iterable[Any], findings: Iterable[Finding], attestations: Iterable[Artifact],
            today: _dt.date) -> dict[str, Any]:
    """The scorecard as a JSON-ready dict (deterministic for identical inputs)."""
    catalog = load_catalog()
    by_cell: dict[str, list[str]] = defaultdict(list)
    for p in policies:
        by_cell[f"{p.aima.domain}/{p.aima.practice}/{p.aima.stream}/{p.aima.level}"].append(p.id)
    policies_findings = by_policy(findings)
    atts: dict[str, Mapping[str, Any]] = {}
    for art in sorted(attestations, key=lambda a: (a.file, a.line)):
        if art.data.get("known_cell"):
            atts.setdefault(str(art.data["cell"]), art.data)
    # Read only for a cell with an attestation (_attestation_state): with none, no finding is looked at for it
    # (every finding's subject kind was, 15 ms at 5,000 models).
    kind_of = attrgetter("subject.kind")
    att_failing = {f.subject.name for run in policies_findings.values() if "attestation" in map(kind_of, run)
                   for f in run if f.subject.kind == "attestation" and f.status in (Status.FAIL, Status.ERROR)
                   } if atts else set()
    domains: list[dict[str, Any]] = []
    for dom in catalog.domains:
        practices: list[dict[str, Any]] = []
        for prac in dom.practices:
            cells: dict[tuple[str, int], dict[str, Any]] = {}
            for s in STREAMS:
                for lv in LEVELS:
                    cid = _cell_id(prac, s, lv)
                    pids = by_cell.get(cid, [])
                    cells[(s, lv)] = {**_cell(cid, pids, policies_findings, atts.get(cid), cid in att_failing,
                                              today),
                                      "stream": s, "level": lv, "question": prac.questions.get((s, lv), "")}
            level, plus = _practice_level(cells)
            nxt = None
            if level < LEVELS[-1]:
                missing = [{"cell": c["cell"], "stream": c["stream"], "question": c["question"],
                            "status": c["status"], "why": c["detail"]}
                           for (s, lv), c in sorted(cells.items()) if lv == level + 1 and c["status"] != "holds"]
                nxt = {"level": level + 1, "missing": missing}
            practices.append({
                "slug": prac.slug, "name": prac.name, "section": prac.section, "level": level,
                "label": f"{level}+" if plus else str(level), "score": level + (0.5 if plus else 0.0),
                "cells": [cells[(s, lv)] for s in STREAMS for lv in LEVELS], "next": nxt,
            })
        scores = [p["score"] for p in practices]
        domains.append({"slug": dom.slug, "name": dom.name, "level": min(p["level"] for p in practices),
                        "score": round(sum(scores) / len(scores), 2), "practices": practices})
    statuses = Counter(c["status"] for d in domains for p in d["practices"] for c in p["cells"])
    sources = Counter(c["source"] for d in domains for p in d["practices"] for c in p["cells"]
                      if c["status"] == "holds")
    return {
        "framework": catalog.framework, "version": catalog.version, "method": METHOD, "as_of": today.isoformat(),
        "level": min(d["level"] for d in domains),
        "score": round(sum(d["score"] for d in domains) / len(domains), 2),
        "cells": {"total": sum(statuses.values()), "holds": statuses["holds"], "fails": statuses["fails"],
                  "unknown": statuses["unknown"], "by_policies": sources["policies"],
                  "by_attestation": sources["attestation"]},
        "domains": domains,
    }


def _missing_text(prac: Mapping[str, Any]) -> list[str]:
    nxt = prac.get("next")
    if not nxt:
        return []
    return [f"{m['stream']}{nxt['level']} {m['cell']}: {m['why']}" for m in nxt["missing"]]


def maturity_text(m: Mapping[str, Any], *, details: bool = True) -> str:
    lines = [f"{m['framework']} maturity scorecard as of {m['as_of']}",
             f"Overall: level {m['level']} (score {m['score']:.2f}/3); cells: {m['cells']['holds']} hold "
             f"({m['cells']['by_policies']} by policy evidence, {m['cells']['by_attestation']} by attestation), "
             f"{m['cells']['fails']} fail, {m['cells']['unknown']} unknown of {m['cells']['total']}", ""]
    for dom in m["domains"]:
        lines.append(f"{dom['name']}: level {dom['level']} (score {dom['score']:.2f})")
        for prac in dom["practices"]:
            lines.append(f"  {prac['section']:<6} {prac['name']:<48} {prac['label']:>3}")
            if details:
                nxt = prac.get("next")
                if nxt:
                    lines.append(f"         to reach level {nxt['level']}:")
                    lines.extend(f"           - {t}" for t in _missing_text(prac))
        lines.append("")
    lines.append(f"Method: {m['method']}")
    return "\n".join(lines) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|<>#])")


def _md(text: object) -> str:
    """Escape Markdown/HTML specials (subject names and attestation owners are user-controlled) on one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def maturity_markdown(maturity: Mapping[str, Any]) -> str:
    """Markdown section for reports (called by the Markdown reporter when the report has a maturity section)."""
    m = maturity
    out = ["## AIMA maturity", "",
           f"Overall level **{m['level']}** (score {m['score']:.2f}/3) as of {m['as_of']}: "
           f"{m['cells']['holds']} of {m['cells']['total']} cells hold ({m['cells']['by_policies']} by policy "
           f"evidence, {m['cells']['by_attestation']} by attestation), {m['cells']['fails']} fail, "
           f"{m['cells']['unknown']} unknown.", "",
           "| Domain | Level | Score | Practices |", "|---|---|---|---|"]
    for dom in m["domains"]:
        pracs = ", ".join(f"{p['name']} {p['label']}" for p in dom["practices"])
        out.append(f"| {_md(dom['name'])} | {dom['level']} | {dom['score']:.2f} | {_md(pracs)} |")
    out += ["", "### What is missing for the next level", ""]
    for dom in m["domains"]:
        for prac in dom["practices"]:
            nxt = prac.get("next")
            if not nxt:
                continue
            out.append(f"- **{_md(prac['section'])} {_md(prac['name'])}** (level {prac['label']} -> {nxt['level']}):")
            out.extend(f"  - `{m_['cell']}` {_md(m_['question'])} *{_md(m_['why'])}*" for m_ in nxt["missing"])
    out += ["", f"<sub>{_md(m['method'])}</sub>", ""]
    return "\n".join(out)


def below(m: Mapping[str, Any], level: int) -> list[str]:
    """Practices below ``level`` (for ``aima-gate score --fail-below``)."""
    return [f"{d['slug']}/{p['slug']} ({p['label']})" for d in m["domains"] for p in d["practices"]
            if p["level"] < level]
