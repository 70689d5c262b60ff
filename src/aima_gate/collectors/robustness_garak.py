"""garak's ``<prefix>.report.jsonl`` read as robustness results (garak 0.9 to 0.17 report layouts).

garak writes one JSON object per line with an ``entry_type``: ``start_run setup`` (configuration: the target
as ``plugins.target_type``/``plugins.target_name``, before 0.13 ``plugins.model_type``/``plugins.model_name``),
``init`` (``garak_version``, ``start_time``), ``attempt`` rows, one ``eval`` row per probe and detector, then
``completion`` and a ``digest``. Only the ``eval`` rows carry results: since 0.14 ``passed``, ``fails``,
``nones`` and ``total_evaluated``; before, ``passed`` and ``total``. Each becomes one attack whose
``attack_success_rate`` is the share of evaluated outputs the detector flagged (fails / evaluated).

A report without a single ``eval`` row (a run that stopped before any probe finished) is an error: it shows
nothing was tested. Lines are parsed with ``json.loads`` only; prompts and outputs are never interpreted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aima_gate.core.errors import ArtifactError
from aima_gate.engine.dates import parse_date


def looks_like_garak(text: str) -> bool:
    return text.lstrip().startswith('{"entry_type"')


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _attack(row: Mapping[str, Any], file: str, line: int) -> dict[str, Any]:
    probe, detector = row.get("probe"), row.get("detector")
    if not isinstance(probe, str) or not probe:
        raise ArtifactError("garak eval row without a probe name", file=file, line=line)
    evaluated = _int(row.get("total_evaluated"))
    fails = _int(row.get("fails"))
    passed = _int(row.get("passed"))
    if evaluated is None:  # garak < 0.14: passed / total
        evaluated = _int(row.get("total"))
        fails = None if evaluated is None or passed is None else evaluated - passed
    if evaluated is None or fails is None or fails > evaluated:
        raise ArtifactError(f"garak eval row for {probe} has no usable counts (passed/fails/total_evaluated)",
                            file=file, line=line)
    name = f"{probe} ({detector})" if isinstance(detector, str) and detector else probe
    rate = round(fails / evaluated, 6) if evaluated else None
    attack: dict[str, Any] = {"attack": name, "samples": evaluated, "probe": probe, "detector": detector,
                              "passed": passed, "fails": fails}
    if rate is not None:
        attack["attack_success_rate"] = rate
    return attack


def parse_garak(text: str, file: str) -> tuple[dict[str, Any], dict[str, int]]:
    """Normalized fields from a garak report (``model`` may be None: the caller names it) and a line map."""
    setup: Mapping[str, Any] = {}
    init: Mapping[str, Any] = {}
    attacks: list[dict[str, Any]] = []
    line_map: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except ValueError as exc:
            raise ArtifactError(f"garak report line is not JSON: {exc}", file=file, line=number) from None
        if not isinstance(row, Mapping):
            raise ArtifactError("garak report line is not a JSON object", file=file, line=number)
        kind = row.get("entry_type")
        if kind == "start_run setup":
            setup = row
        elif kind == "init":
            init = row
        elif kind == "eval":
            attack = _attack(row, file, number)
            if "attack_success_rate" in attack:
                line_map[f"/attacks/{len(attacks)}"] = number
                line_map[f"/attacks/{len(attacks)}/attack_success_rate"] = number
                attacks.append(attack)
    if not attacks:
        raise ArtifactError("garak report has no eval rows with evaluated outputs: no probe finished", file=file,
                            line=1, hint="re-run garak to completion and commit the .report.jsonl it writes")
    started = init.get("start_time") or setup.get("transient.starttime_iso")
    date = parse_date(str(started)[:10]) if started else None
    target = setup.get("plugins.target_name") or setup.get("plugins.model_name")
    version = init.get("garak_version") or setup.get("_config.version")
    data = {"model": str(target) if target else None, "model_version": None,
            "date": date.isoformat() if date else None, "tool": f"garak {version}" if version else "garak",
            "format": "garak", "target_type": setup.get("plugins.target_type") or setup.get("plugins.model_type"),
            "attacks": attacks}
    return data, line_map
