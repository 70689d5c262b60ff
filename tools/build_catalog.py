"""Regenerate src/aima_gate/aima/catalog/aima_v1.json from the reference catalog aima-catalog.yaml.

The YAML (copied from the CEO's reference material, see docs/aima-catalog-notes.md for provenance) is the
source of truth; the JSON is the compact form the gate loads at run time (json loads ~50x faster than YAML).
tests/test_catalog.py fails if the two drift apart. Run: python tools/build_catalog.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
CATALOG_DIR = HERE.parent / "src" / "aima_gate" / "aima" / "catalog"

# Framework keys used in policies -> key in the reference catalog.
FRAMEWORKS = {
    "nist_ai_rmf": "nist_ai_rmf_1_0",
    "iso_42001": "iso_iec_42001_2023_annex_a",
    "eu_ai_act": "eu_ai_act_2024_1689",
    "owasp_llm": "owasp_top10_llm_2025",
}


def build(source: dict[str, Any]) -> dict[str, Any]:
    domains = []
    for dom in source["domains"]:
        practices = []
        for prac in dom["practices"]:
            streams = {}
            for stream_key, stream in prac["streams"].items():
                streams[stream_key] = {
                    "name": stream["worksheet_stream_name"],
                    "levels": {
                        str(level): {"question": cell["question"], "criteria": cell["criteria"]}
                        for level, cell in stream["levels"].items()
                    },
                }
            mappings = {}
            for ours, theirs in FRAMEWORKS.items():
                entry = prac["mappings"].get(theirs) or {}
                mappings[ours] = list(entry.get("primary", [])) + list(entry.get("secondary", []))
            practices.append(
                {
                    "slug": prac["key"].split("/", 1)[1],
                    "name": prac["name"],
                    "section": str(prac["pdf_section"]),
                    "intent": prac["intent"],
                    "streams": streams,
                    "mappings": mappings,
                }
            )
        domains.append({"slug": dom["key"], "name": dom["name"], "practices": practices})
    refs = source["reference_ids"]
    return {
        "framework": source["meta"]["framework"],
        "version": source["meta"]["version"],
        "source_commit": source["meta"]["source"]["commit"],
        "domains": domains,
        "reference_ids": {ours: {k: str(v) for k, v in refs[theirs].items()} for ours, theirs in FRAMEWORKS.items()},
    }


def render() -> str:
    with (CATALOG_DIR / "aima-catalog.yaml").open(encoding="utf-8") as fh:
        source = yaml.safe_load(fh)
    return json.dumps(build(source), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    (CATALOG_DIR / "aima_v1.json").write_text(render(), encoding="utf-8")
    sys.stdout.write("wrote aima_v1.json\n")
