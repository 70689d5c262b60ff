"""The ``model_file_imports`` section every report format shows: the repository's allowlist additions (who
reviewed what, and why) and, per model file, its unreviewed and repository-allowlisted pickle imports.

A repository that extends the allowlist changes what the gate passes, exactly like a waiver does; so, like
waivers and disabled policies, the additions are listed in every report, not only in the config.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aima_gate.core.model import Artifact

KEY = "model_file_imports"
MAX_PER_FILE = 50
"""Rows listed per file and kind in the report section (the finding's evidence and the JSON data hold all)."""


def report_extra(artifacts: Iterable[Artifact], settings: Mapping[str, Any]) -> dict[str, Any]:
    section = ((settings.get("artifacts") or {}).get("model_file") or {})
    allowlist = [{"module": e["module"], "name": e["name"], "owner": e["owner"], "reason": e["reason"]}
                 for e in section.get("allow_imports") or ()]
    files = []
    for art in artifacts:
        if art.kind != "model_file":
            continue
        unreviewed = art.data.get("unsafe_imports") or []
        allowlisted = art.data.get("allowlisted_imports") or []
        if unreviewed or allowlisted:
            files.append({"file": art.file, "unreviewed": len(unreviewed), "allowlisted": len(allowlisted),
                          "unreviewed_imports": [r["detail"] for r in unreviewed[:MAX_PER_FILE]],
                          "allowlisted_imports": [r["detail"] for r in allowlisted[:MAX_PER_FILE]]})
    if not allowlist and not files:
        return {}
    return {KEY: {"allowlist": allowlist, "files": files}}


def summary_lines(extra: Mapping[str, Any], *, detailed: bool = True) -> list[str]:
    """Plain lines for text-like formats (text, Markdown, JUnit properties, annotations).

    ``detailed=False`` (the terminal's first-run view) keeps every line that names something the repository
    itself allowlisted or a file with unreviewed imports, and folds the per-import lists into counts."""
    section = extra.get(KEY)
    if not section:
        return []
    lines = []
    if section["allowlist"]:
        lines.append("Pickle imports allowlisted by this repository (artifacts.model_file.allow_imports):")
        lines += [f"  {e['module']}.{e['name']}: owner {e['owner']}: {e['reason']}" for e in section["allowlist"]]
    folded = 0
    for f in section["files"]:
        if not detailed and not f["unreviewed"]:
            folded += 1
            continue
        lines.append(f"Model file {f['file']}: {f['unreviewed']} unreviewed import(s), {f['allowlisted']} "
                     "allowlisted by the repository")
        lines += [f"  unreviewed: {d}" for d in f["unreviewed_imports"]]
        if detailed:
            lines += [f"  allowlisted: {d}" for d in f["allowlisted_imports"]]
    if folded:
        lines.append(f"Model files whose imports this repository's allowlist covers: {folded} (-v lists them)")
    return lines
