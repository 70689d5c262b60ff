"""The OWASP AIMA V1 catalog as data: 8 domains x 3 practices x streams A/B x levels 1-3 (144 cells).

AIMA V1 defines no official IDs; the slugs here are ours (domain ``governance``, practice
``strategy-and-metrics``, cell ``governance/strategy-and-metrics/A/2``). Cross-framework IDs are editorial.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FRAMEWORKS = ("nist_ai_rmf", "iso_42001", "eu_ai_act", "owasp_llm")
STREAMS = ("A", "B")
LEVELS = (1, 2, 3)


@dataclass(frozen=True)
class Practice:
    domain: str
    slug: str
    name: str
    section: str
    stream_names: dict[str, str]
    questions: dict[tuple[str, int], str]
    mappings: dict[str, tuple[str, ...]]

    @property
    def key(self) -> str:
        return f"{self.domain}/{self.slug}"


@dataclass(frozen=True)
class Domain:
    slug: str
    name: str
    practices: tuple[Practice, ...]


@dataclass(frozen=True)
class Catalog:
    framework: str
    version: str
    domains: tuple[Domain, ...]
    reference_ids: dict[str, dict[str, str]]

    def domain(self, slug: str) -> Domain | None:
        return next((d for d in self.domains if d.slug == slug), None)

    def practice(self, domain: str, slug: str) -> Practice | None:
        dom = self.domain(domain)
        return next((p for p in dom.practices if p.slug == slug), None) if dom else None

    def practices(self) -> tuple[Practice, ...]:
        return tuple(p for d in self.domains for p in d.practices)

    def cells(self) -> tuple[str, ...]:
        return tuple(f"{p.key}/{s}/{lv}" for p in self.practices() for s in STREAMS for lv in LEVELS)

    def check_ref(self, domain: str, practice: str, stream: str, level: int) -> str | None:
        """Return a diagnosis if the reference names no AIMA cell, else None."""
        dom = self.domain(domain)
        if dom is None:
            return f"unknown AIMA domain {domain!r}; expected one of: {', '.join(d.slug for d in self.domains)}"
        if self.practice(domain, practice) is None:
            names = ", ".join(p.slug for p in dom.practices)
            return f"unknown AIMA practice {practice!r} in domain {domain!r}; expected one of: {names}"
        if stream not in STREAMS:
            return f"unknown AIMA stream {stream!r}; expected A or B"
        if level not in LEVELS:
            return f"unknown AIMA level {level!r}; expected 1, 2 or 3"
        return None

    def check_mapping(self, framework: str, ident: str) -> str | None:
        known = self.reference_ids.get(framework)
        if known is None:
            return f"unknown framework {framework!r}; expected one of: {', '.join(FRAMEWORKS)}"
        if framework == "eu_ai_act":
            # The reference list only covers the articles the catalog uses; accept any well-formed article.
            import re

            if re.fullmatch(r"Art\. \d{1,3}[a-z]?(\(\d+\))?(\([a-z]\))?|Annex [IVX]+", ident):
                return None
            return f"EU AI Act reference {ident!r} should look like 'Art. 9', 'Art. 10(2)' or 'Annex IV'"
        if ident not in known:
            return f"unknown {framework} identifier {ident!r} (see the catalog's reference_ids)"
        return None


def _practice(domain: str, raw: dict[str, Any]) -> Practice:
    questions = {
        (stream, int(level)): cell["question"]
        for stream, body in raw["streams"].items()
        for level, cell in body["levels"].items()
    }
    return Practice(
        domain=domain,
        slug=raw["slug"],
        name=raw["name"],
        section=raw["section"],
        stream_names={s: b["name"] for s, b in raw["streams"].items()},
        questions=questions,
        mappings={k: tuple(v) for k, v in raw["mappings"].items()},
    )


@functools.lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    # Beside this module, as core/resources.py finds the schemas and policies (importlib.resources costs a warm
    # run 8 ms of imports: tempfile, zipfile...).
    raw = json.loads(Path(__file__).with_name("aima_v1.json").read_text(encoding="utf-8"))
    domains = tuple(
        Domain(d["slug"], d["name"], tuple(_practice(d["slug"], p) for p in d["practices"])) for d in raw["domains"]
    )
    return Catalog(raw["framework"], raw["version"], domains, raw["reference_ids"])
