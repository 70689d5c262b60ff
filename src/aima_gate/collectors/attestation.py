"""``attestation``: a person's answer to an AIMA cell that no artifact in the repository can prove.

A checked-in file (default ``attestations.yml`` or ``governance/attestations.yml``) lists answers::

    attestations:
      - cell: governance/strategy-and-metrics/A/2     # domain/practice/stream/level (aima-gate controls)
        answer: yes                                   # yes | no
        owner: cto@bank.example
        date: 2026-10-01
        evidence: https://wiki.bank.example/ai/strategy-2026    # link or repo path
        expires: 2027-10-01
        note: Board approved the AI strategy and its KPIs.

Each entry is one subject named after its cell. Policies check that the cell exists in the AIMA catalog, that
an owner, a date and an evidence link are given and that the attestation has not expired; the maturity
scorecard counts an unexpired ``yes`` for a cell that no policy evidences. An answer other than yes/no, a
date that does not parse or an entry that is not a mapping is an error naming the file and line.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from aima_gate.aima.catalog import load_catalog
from aima_gate.collectors import CollectContext, Collector, Result
from aima_gate.core.errors import ArtifactError
from aima_gate.core.model import Artifact, LineIndex
from aima_gate.safeio.loaders import load_structured

_ANSWERS = {True: "yes", False: "no", "yes": "yes", "no": "no", "y": "yes", "n": "no", "true": "yes", "false": "no"}


def _answer(value: Any) -> str | None:
    key = value.strip().lower() if isinstance(value, str) else value
    return _ANSWERS.get(key) if isinstance(key, (str, bool)) else None


def _date(value: Any, file: str, line: int | None, field: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        return _dt.date.fromisoformat(str(value).strip()[:10]).isoformat()
    except ValueError:
        raise ArtifactError(f"{field} {value!r} is not a date (YYYY-MM-DD)", file=file, line=line,
                            pointer=f"/{field}") from None


def parse_entry(raw: Any, file: str, lines: LineIndex, cells: frozenset[str]) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise ArtifactError("an attestation must be a mapping {cell, answer, owner, date, evidence, expires}",
                            file=file, line=lines.line_of(""))
    cell = str(raw.get("cell") or "").strip()
    answer = _answer(raw.get("answer"))
    if answer is None:
        raise ArtifactError(f"answer must be yes or no, not {raw.get('answer')!r}", file=file,
                            line=lines.line_of("/answer"), pointer="/answer")
    parts = cell.split("/")
    data = {
        "cell": cell, "known_cell": cell in cells, "answer": answer,
        "domain": parts[0] if len(parts) == 4 else None, "practice": parts[1] if len(parts) == 4 else None,
        "stream": parts[2] if len(parts) == 4 else None,
        "level": int(parts[3]) if len(parts) == 4 and parts[3].isdigit() else None,
        "owner": raw.get("owner"), "evidence": raw.get("evidence"), "note": raw.get("note"),
        "date": _date(raw.get("date"), file, lines.line_of("/date"), "date"),
        "expires": _date(raw.get("expires"), file, lines.line_of("/expires"), "expires"),
    }
    return data


class AttestationCollector(Collector):
    kind: ClassVar[str] = "attestation"
    default_paths: ClassVar[tuple[str, ...]] = ("attestations.{yml,yaml}", "governance/attestations.{yml,yaml}",
                                                ".aima/attestations.{yml,yaml}")
    description: ClassVar[str] = "Attestations: owned, expiring answers to AIMA cells only a person can give"

    def parse(self, ctx: CollectContext, file: str) -> Iterable[Result]:
        doc, lines = load_structured(ctx.repo.read_text(file), file)
        prefix = ""
        if isinstance(doc, Mapping) and "attestations" in doc:
            doc, prefix = doc["attestations"], "/attestations"
        if not isinstance(doc, list) or not doc:
            raise ArtifactError("expected a non-empty list of attestations (attestations: [...])", file=file,
                                line=lines.line_of(prefix) or 1)
        cells = frozenset(load_catalog().cells())
        for i, raw in enumerate(doc):
            entry_lines = lines.under(f"{prefix}/{i}")
            try:
                data = parse_entry(raw, file, entry_lines, cells)
            except ArtifactError as exc:
                yield exc
                continue
            yield Artifact(kind=self.kind, name=data["cell"] or f"(entry {i + 1})", file=file, data=data,
                           line=entry_lines.line_of("") or 1, lines=entry_lines)
