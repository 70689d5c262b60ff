"""``document``: governance and process documents (Markdown with YAML front matter, or a YAML document).

Front matter says what the document is and who answers for it::

    ---
    kind: incident-runbook          # one of DOCUMENT_KINDS (or artifacts.document.kinds in the config)
    title: Credit scorer incident runbook
    owner: risk-ml-team@bank.example
    approvers: [{name: Head of Model Risk, date: 2026-09-02}]   # or a list of names
    version: "1.2"
    effective: 2026-09-02
    last_reviewed: 2026-10-15
    next_review: 2027-04-15
    covers: [credit-scorer]         # model/system names, or "*" for every model
    ---

The body's headings become ``sections.<slug>`` (``title``, ``words``, ``filled``), where the slug is the heading
in lower case with words joined by ``_`` and leading numbering dropped ("2. Roles & Responsibilities" ->
``roles_and_responsibilities``). A YAML document keeps its sections under ``sections:`` (slug -> text).
A file without front matter, an unknown document kind or a date that does not parse is an error naming the
file and line: the gate does not guess what a document is.
"""

from __future__ import annotations

import datetime as _dt
import posixpath
import re
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from aima_gate.collectors import CollectContext, Collector, Result
from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import Artifact, LineIndex
from aima_gate.safeio.loaders import load_yaml, split_front_matter

DOCUMENT_KINDS: dict[str, str] = {
    "ai-policy": "Organisation-wide AI policy (principles, scope, roles, compliance)",
    "ai-strategy": "AI strategy and its success metrics",
    "ethics-board-charter": "Charter of the AI ethics board or committee",
    "impact-assessment": "Ethical and societal impact assessment of an AI system",
    "risk-appetite": "AI risk appetite statement and risk tiers",
    "dpia": "Data protection impact assessment",
    "privacy-notice": "User-facing notice on AI use, data and choices",
    "incident-runbook": "AI incident response runbook",
    "monitoring-plan": "Production monitoring plan (metrics, thresholds, alerting)",
    "training-record": "AI security / responsible-AI training record",
    "audit-report": "Internal or external audit / architecture review report",
    "data-governance": "Data governance: ownership, classification, retention, access",
    "vendor-assessment": "Third-party model or data vendor assessment",
    "deployment-plan": "Deployment and rollback plan with release approval",
    "security-architecture": "Security architecture of an AI system",
    "test-plan": "Requirement-based test plan",
    "defect-process": "AI defect management process",
}
_DATE_ALIASES = {"effective": ("effective", "effective_date", "effective_from"),
                 "last_reviewed": ("last_reviewed", "last_review", "reviewed"),
                 "next_review": ("next_review", "next_review_date", "review_by")}
DEFAULT_MIN_WORDS = 5
_NUMBERING = re.compile(r"^(?:\d+|[ivx]+|[a-z])(?: \d+)* ")


def section_slug(title: str) -> str:
    from aima_gate.safeio.markdown import normalize_title  # (lazy, as in parse_document)

    norm = normalize_title(title)
    norm = _NUMBERING.sub("", norm) if _NUMBERING.match(norm) and len(norm.split()) > 1 else norm
    return norm.replace(" ", "_")


def _date(value: Any, file: str, line: int | None, field: str) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    try:
        return _dt.date.fromisoformat(text[:10] if len(text) > 10 and text[10] in "T " else text).isoformat()
    except ValueError:
        raise ArtifactError(f"{field} {text!r} is not a date (YYYY-MM-DD)", file=file, line=line,
                            pointer=f"/{field}", hint="write dates as ISO 8601, e.g. 2026-11-24") from None


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in items if str(v).strip()]


def _approvers(value: Any, file: str, line: int | None) -> list[dict[str, Any]]:
    out = []
    for item in value if isinstance(value, list) else ([] if value is None else [value]):
        if isinstance(item, str):
            out.append({"name": item.strip(), "role": None, "date": None})
        elif isinstance(item, Mapping):
            out.append({"name": str(item.get("name") or "").strip() or None, "role": item.get("role"),
                        "date": _date(item.get("date"), file, line, "approvers.date")})
        else:
            raise ArtifactError("approvers must be names or {name, role, date} mappings", file=file, line=line,
                                pointer="/approvers")
    return out


def normalize(front: Mapping[str, Any], fm_lines: LineIndex, file: str, known: Mapping[str, str],
              found: dict[str, dict[str, Any]], line_map: dict[str, int]) -> dict[str, Any]:
    kind = front.get("kind", front.get("document_kind", front.get("type")))
    kind_line = fm_lines.line_of("/kind") or 1
    if not isinstance(kind, str) or not kind.strip():
        raise ArtifactError("front matter has no 'kind' saying what this document is", file=file, line=kind_line,
                            pointer="/kind", hint=f"set kind: to one of {', '.join(sorted(known))}")
    kind = kind.strip()
    if kind not in known:
        raise ArtifactError(f"unknown document kind {kind!r}", file=file, line=kind_line, pointer="/kind",
                            hint=f"known kinds: {', '.join(sorted(known))}; add your own under "
                                 "artifacts.document.kinds in .aima-gate.yml")
    data: dict[str, Any] = {
        "doc_kind": kind,
        "title": front.get("title"),
        "owner": front.get("owner"),
        "approvers": _approvers(front.get("approvers", front.get("approved_by")), file,
                                fm_lines.line_of("/approvers")),
        "version": None if front.get("version") is None else str(front["version"]),
        "covers": _names(front.get("covers", front.get("models", front.get("systems")))),
        "has_front_matter": True,
        "sections": found,
    }
    for field, aliases in _DATE_ALIASES.items():
        key = next((a for a in aliases if a in front), None)
        line = fm_lines.line_of(f"/{key}") if key else None
        data[field] = _date(front.get(key), file, line, key or field) if key else None
        if line is not None:
            line_map[f"/{field}"] = line
    for key in ("kind", "owner", "approvers", "version", "covers", "title"):
        line = fm_lines.line_of(f"/{key}")
        if line is not None:
            line_map["/doc_kind" if key == "kind" else f"/{key}"] = line
    return data


def parse_document(text: str, file: str, known: Mapping[str, str], min_words: int) -> tuple[dict[str, Any], LineIndex]:
    # The Markdown reader is imported by the first document parsed: a run that reads every document back from the
    # artifact cache never needs it.
    from aima_gate.safeio.markdown import sections, word_count

    line_map: dict[str, int] = {}
    found: dict[str, dict[str, Any]] = {}
    if file.endswith((".yml", ".yaml")):
        doc, lines = load_yaml(text, file)
        if not isinstance(doc, dict):
            raise ArtifactError("a YAML document must be a mapping with kind, owner, ... and sections", file=file,
                                line=1)
        raw_sections = doc.get("sections") or {}
        if not isinstance(raw_sections, dict):
            raise ArtifactError("sections must map a section name to its text", file=file,
                                line=lines.line_of("/sections"), pointer="/sections")
        for title, body in raw_sections.items():
            words = word_count(str(body or ""))
            found[section_slug(str(title))] = {"title": str(title), "words": words, "filled": words >= min_words}
            line_map[f"/sections/{section_slug(str(title))}"] = lines.line_of(f"/sections/{title}") or 1
        front, fm_lines = doc, lines
    else:
        front_raw, fm_lines, body, body_line = split_front_matter(text, file)
        if front_raw is None:
            raise ArtifactError("document has no YAML front matter (kind, owner, approvers, review dates)",
                                file=file, line=1, hint="start the file with a '---' block; see docs/artifacts.md")
        if not isinstance(front_raw, dict):
            raise ArtifactError("front matter must be a YAML mapping", file=file, line=2)
        front = front_raw
        for head in sections(body, body_line):
            slug = section_slug(head.title)
            words = word_count(head.text)
            current = found.get(slug)
            if current is None or (not current["filled"] and words >= min_words):
                found[slug] = {"title": head.title, "words": words, "filled": words >= min_words}
                line_map[f"/sections/{slug}"] = head.line
    data = normalize(front, fm_lines, file, known, found, line_map)
    return data, LineIndex(line_map)


class DocumentCollector(Collector):
    kind: ClassVar[str] = "document"
    default_paths: ClassVar[tuple[str, ...]] = ("governance/**/*.{md,yml,yaml}", "docs/governance/**/*.{md,yml,yaml}",
                                                "!**/attestations.{yml,yaml}", "!**/threat-model*",
                                                "!**/threat_model*", "!**/threat-models/**")
    description: ClassVar[str] = "Governance and process documents (policies, runbooks, DPIAs, ...) with front matter"

    def parse(self, ctx: CollectContext, file: str) -> Iterable[Result]:
        known = dict(DOCUMENT_KINDS)
        extra = ctx.options.get("kinds") or {}
        known.update({str(k): str(v) for k, v in (extra.items() if isinstance(extra, dict) else
                                                  ((k, "") for k in extra))})
        min_words = int(ctx.options.get("min_section_words", DEFAULT_MIN_WORDS))
        data, lines = parse_document(ctx.repo.read_text(file), file, known, min_words)
        name = str(data["title"] or posixpath.splitext(posixpath.basename(file))[0])
        yield Artifact(kind=self.kind, name=name, file=file, data=data, line=1, lines=lines)
