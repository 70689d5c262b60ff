"""Baselines: adopt the gate on a legacy repository without fixing everything first.

``aima-gate baseline`` records today's failures; ``check`` with that baseline blocks only new ones. A failure is
keyed on its meaning: the policy, the subject (kind and name, e.g. ``model`` ``churn@1.2.0``) and the places in
the subject that failed (JSON pointers), never a file or a line, so moved lines, reordered files and renamed
files keep a recorded failure recorded, while the same policy failing on another subject is new. Errors are
never baselined (a gate that cannot read its input fails closed). Baselined findings are reported as waived with
the baseline as their source, counted in every report, and recorded failures that no longer occur are reported
as fixed debt. An optional expiry ends the baseline: past it, every recorded failure blocks again.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aima_gate.core.errors import ConfigError
from aima_gate.core.model import Finding, Status
from aima_gate.safeio.loaders import decode_text

if TYPE_CHECKING:
    from aima_gate.config.repo_config import Config
    from aima_gate.safeio.repo import Repo

FORMAT = "aima-gate-baseline/1"
DEFAULT_FILE = ".aima-gate-baseline.json"


def failure_key(finding: Finding) -> str:
    pointers = sorted({e.pointer for e in finding.evidence})
    raw = json.dumps([finding.policy_id, finding.subject.kind, finding.subject.name, pointers])
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Baseline:
    file: str
    created: str
    expires: _dt.date | None
    entries: Mapping[str, Mapping[str, Any]]
    """failure key -> {policy_id, subject, what}"""


def render_baseline(findings: Iterable[Finding], created: _dt.date, expires: _dt.date | None) -> str:
    entries = {}
    for f in findings:
        if f.status is Status.FAIL:
            entries[failure_key(f)] = {"policy_id": f.policy_id, "subject": f"{f.subject.kind} {f.subject.name}",
                                       "what": sorted({e.pointer or "/" for e in f.evidence})}
    doc = {"format": FORMAT, "created": created.isoformat(), "expires": expires.isoformat() if expires else None,
           "failures": [{"key": k, **entries[k]} for k in sorted(entries, key=lambda k: (
               entries[k]["policy_id"], entries[k]["subject"], k))]}
    return json.dumps(doc, indent=2, ensure_ascii=True) + "\n"


def parse_baseline(text: str, file: str) -> Baseline:
    from aima_gate.safeio.loaders import load_json

    doc, _lines = load_json(text, file)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("failures"), list):
        raise ConfigError(f"not an aima-gate baseline (expected \"format\": \"{FORMAT}\" and a failures list)",
                          file=file, hint="write one with `aima-gate baseline`")
    expires = doc.get("expires")
    try:
        day = None if expires is None else _dt.date.fromisoformat(str(expires))
        created = str(_dt.date.fromisoformat(str(doc.get("created"))))
    except ValueError:
        raise ConfigError("baseline dates must be YYYY-MM-DD (created, expires)", file=file) from None
    entries = {}
    for i, entry in enumerate(doc["failures"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str) or len(entry["key"]) != 64:
            raise ConfigError(f"failures[{i}] has no 64-character key", file=file)
        entries[entry["key"]] = entry
    return Baseline(file, created, day, entries)


def apply_baseline(findings: Sequence[Finding], baseline: Baseline,
                   today: _dt.date) -> tuple[list[Finding], dict[str, Any]]:
    """(findings with recorded failures waived by the baseline, the report section describing it).

    A recorded failure is fixed debt when its policy was evaluated on its subject in this run and no longer
    fails there; one whose policy or subject this run did not evaluate (--policy, --changed) is neither."""
    expired = baseline.expires is not None and baseline.expires < today
    seen: set[str] = set()
    out: list[Finding] = []
    waiver = {"source": "baseline", "file": baseline.file, "owner": f"baseline {baseline.file}",
              "reason": f"failure recorded in the baseline on {baseline.created}",
              "expires": baseline.expires.isoformat() if baseline.expires else "never"}
    for f in findings:
        key = failure_key(f) if f.status is Status.FAIL else None
        if key is not None and key in baseline.entries:
            seen.add(key)
            if not expired:
                f = replace(f, status=Status.WAIVED, waiver=waiver)
        out.append(f)
    evaluated = {(f.policy_id, f"{f.subject.kind} {f.subject.name}") for f in findings}
    fixed = [e for k, e in sorted(baseline.entries.items())
             if k not in seen and (e.get("policy_id"), e.get("subject")) in evaluated]
    section = {"file": baseline.file, "created": baseline.created,
               "expires": baseline.expires.isoformat() if baseline.expires else None, "expired": expired,
               "baselined": 0 if expired else len(seen),
               "fixed": [{"policy_id": e.get("policy_id"), "subject": e.get("subject")} for e in fixed]}
    return out, section


def load_baseline(named: Path | None, in_config: str | None, config: Config, repo: Repo) -> Baseline | None:
    """The run's baseline: the file named on the command line (``named``: the user's own, wherever it is), else the
    one the config names (``in_config``: the repository's, read only inside it like any artifact), else None."""
    if named is not None:
        try:
            text = decode_text(named.read_bytes(), str(named))
        except OSError as exc:
            raise ConfigError(f"cannot read the baseline: {exc.strerror}", file=str(named)) from None
        return parse_baseline(text, str(named))
    if in_config is None:
        return None  # the usual case: nothing to import
    if not repo.exists(in_config):
        raise ConfigError(f"baseline {in_config!r} does not exist", file=config.file,
                          line=config.line_of("/baseline"), hint="write it with `aima-gate baseline`")
    return parse_baseline(repo.read_text(in_config), in_config)
