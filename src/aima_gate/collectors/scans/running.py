"""Running scanners on request (``scanners:`` in .aima-gate.yml), then gating on their output.

Each entry names a tool (``safety`` or ``pip-audit``) and the requirements file to scan. The gate runs the real
executable (``command``, default the tool's name on PATH) with JSON output, without a shell, in the repository
root, with a timeout. A missing executable, a timeout, an exit code the tool does not use for "scan done",
or output that is not that tool's JSON is an error (exit 2): a scanner that did not run never passes.

Exit codes accepted as "scan done": safety 0 (clean) and 64 (vulnerabilities found); pip-audit 0 and 1 (1 is
also its error code: then its output is not a JSON report and the run is an error anyway).
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from aima_gate.collectors import CollectContext
from aima_gate.collectors.scans import normalize
from aima_gate.collectors.scans.parsed import Parsed
from aima_gate.core.errors import AimaGateError, ArtifactError, ConfigError

TOOLS: dict[str, dict[str, Any]] = {
    "safety": {"args": lambda req, entry: ["check", "-r", req, "--json",
                                            *(["--db", entry["db_path"]] if entry.get("db_path") else [])],
               "ok": (0, 64)},
    "pip-audit": {"args": lambda req, entry: ["-r", req, "-f", "json", "--progress-spinner", "off"],
                  "ok": (0, 1)},
}
DEFAULT_TIMEOUT = 600


def run_all(ctx: CollectContext) -> list[Parsed]:
    entries = ctx.settings.get("scanners") or []
    return [run_one(ctx, entry, i) for i, entry in enumerate(entries)]


def run_one(ctx: CollectContext, entry: dict[str, Any], index: int) -> Parsed:
    tool = entry["tool"]
    requirements = entry["requirements"]
    parsed = Parsed(file=requirements, name=f"{tool}:{requirements}", source="scanner")
    parsed.scanner = {"tool": tool, "requirements": requirements, "exit_code": None}
    try:
        _run(ctx, entry, parsed)
    except AimaGateError as exc:
        parsed.error = exc
        parsed.report = None
    return parsed


def _run(ctx: CollectContext, entry: dict[str, Any], parsed: Parsed) -> None:
    tool, requirements = entry["tool"], entry["requirements"]
    if not ctx.repo.exists(requirements):
        raise ConfigError(f"scanners: {tool} is to scan {requirements}, which does not exist", file=".aima-gate.yml")
    req_path = str(ctx.repo.path(requirements))
    if entry.get("db"):
        entry = {**entry, "db_path": str(ctx.repo.root / entry["db"])}
    command = entry.get("command") or [tool]
    command = [command] if isinstance(command, str) else list(command)
    exe = shutil.which(command[0]) if "/" not in command[0] else \
        (command[0] if shutil.which(command[0]) else None)
    if exe is None:
        raise ArtifactError(f"scanner {tool} is not installed: {command[0]!r} was not found", file=requirements,
                            hint=f"install {tool} (e.g. `pip install {tool}`) or set scanners[].command to its path;"
                                 " a scanner that cannot run is never a pass")
    argv = [exe, *command[1:], *TOOLS[tool]["args"](req_path, entry), *entry.get("args", [])]
    timeout = float(entry.get("timeout", DEFAULT_TIMEOUT))
    started = ctx.clock.now()
    try:
        proc = subprocess.run(argv, cwd=ctx.repo.root, capture_output=True, timeout=timeout, check=False,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ArtifactError(f"scanner {tool} did not finish within {timeout:g} s", file=requirements) from None
    except OSError as exc:
        raise ArtifactError(f"scanner {tool} could not be started: {exc}", file=requirements) from None
    assert parsed.scanner is not None
    parsed.scanner["exit_code"] = proc.returncode
    stderr = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip().splitlines()[-3:]
    if proc.returncode not in TOOLS[tool]["ok"]:
        raise ArtifactError(f"scanner {tool} failed (exit code {proc.returncode}): {' | '.join(stderr) or 'no output'}",
                            file=requirements, hint=f"run `{' '.join(argv)}` to see the full error")
    from aima_gate.collectors.scans.documents import parse_text

    try:
        doc = parse_text(proc.stdout.decode("utf-8"), requirements)
        report = normalize(doc, requirements)
    except (AimaGateError, UnicodeDecodeError) as exc:
        why = exc.diagnosis if isinstance(exc, AimaGateError) else "output is not UTF-8"
        raise ArtifactError(f"scanner {tool} exited {proc.returncode} without a readable JSON report ({why}); "
                            f"stderr: {' | '.join(stderr) or 'empty'}", file=requirements) from None
    if report.tool != tool:
        raise ArtifactError(f"ran {tool} but its output reads as {report.tool}", file=requirements)
    # The gate ran the scan, so the run's clock dates it: the tool's own stamp comes from the wall clock, which a
    # pinned run (--today) must never mix with its evaluation date.
    report.scan_time = started.isoformat()
    parsed.report, parsed.noise = report, doc.noise
