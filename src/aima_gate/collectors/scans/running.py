"""Running scanners on request, then gating on their output.

The repository under test never chooses what runs. Its ``scanners:`` entries only select a known tool
(``safety`` or ``pip-audit``), the requirements file and (safety) a local database, both inside the repository.
Running them is opt-in from the command line (``check --run-scanners``; the GitHub Action's and the GitLab
template's ``run-scanners`` input), and:

- the executable is looked up only in the gate's own environment: the ``--scanner-dir`` folders when given, else
  the folder of the running Python (the gate's virtualenv) and then the absolute entries of the gate's PATH; a
  candidate that resolves inside the repository is refused, never run;
- the arguments are fixed per tool (no ``command:``, no extra ``args:``); pip-audit runs with ``--no-deps
  --disable-pip`` so it never installs (and so never builds and runs) the requirements the repository lists;
- the tool runs without a shell, with a timeout, in an empty temporary folder: configuration files the repository
  commits (e.g. a ``.safety-policy.yml`` that ignores advisories) are not picked up from the working folder.

A scanner listed in the config but not run (no ``--run-scanners``), a missing executable, a timeout, an exit code
the tool does not use for "scan done", or output that is not that tool's JSON is an error (exit 2): a scanner
that did not run never passes. Exit codes accepted as "scan done": safety 0 (clean) and 64 (vulnerabilities
found); pip-audit 0 and 1 (1 is also its error code: then its output is not a JSON report and the run is an error
anyway).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aima_gate.collectors import CollectContext
from aima_gate.collectors.scans import normalize
from aima_gate.collectors.scans.parsed import Parsed
from aima_gate.core.errors import AimaGateError, ArtifactError, ConfigError

RUN_SCANNERS = "run_scanners"
"""Key in :attr:`CollectContext.cli`: true when the command line asked to run the configured scanners."""
SCANNER_DIRS = "scanner_dirs"
"""Key in :attr:`CollectContext.cli`: folders (outside the repository) that hold the scanner executables."""


@dataclass(frozen=True)
class Tool:
    args: Callable[[str, str | None], list[str]]
    """Fixed argument template: (requirements path, safety database path or None) -> arguments."""
    ok: tuple[int, ...]


TOOLS: dict[str, Tool] = {
    "safety": Tool(lambda req, db: ["check", "-r", req, "--json", *(["--db", db] if db else [])], (0, 64)),
    "pip-audit": Tool(lambda req, _db: ["-r", req, "--no-deps", "--disable-pip", "-f", "json",
                                        "--progress-spinner", "off"], (0, 1)),
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
        if not ctx.cli.get(RUN_SCANNERS):
            raise ConfigError(
                f"scanners[{index}] asks to run {tool} on {requirements}, but scanners run only when the command "
                "line asks for it", file=".aima-gate.yml",
                hint="pass --run-scanners (the action's and the GitLab template's `run-scanners: true`), or commit "
                     "the scanner's JSON report instead; the repository's config never starts a program by itself")
        _run(ctx, entry, parsed)
    except AimaGateError as exc:
        parsed.error = exc
        parsed.report = None
    return parsed


def find_executable(tool: str, repo_root: Path, dirs: Sequence[str] | None) -> str:
    """The scanner executable from the gate's own environment, never from the repository under test."""
    if dirs:
        search = list(dirs)
    else:
        # The gate's own virtualenv first (where `pip install aima-gate safety` puts it), then the gate's PATH.
        # Relative PATH entries ("", ".") name the working folder, which may be the repository: never searched.
        search = [str(Path(sys.executable).parent),
                  *(d for d in os.environ.get("PATH", "").split(os.pathsep) if Path(d).is_absolute())]
    for folder in search:
        candidate = Path(folder) / tool
        if not (candidate.is_file() and os.access(candidate, os.X_OK)):
            continue
        resolved = candidate.resolve()
        for place in (candidate.absolute(), resolved):
            if place.is_relative_to(repo_root):
                raise ArtifactError(
                    f"scanner {tool} would run {candidate}, which is inside the repository under test; the gate "
                    "never runs a program the repository provides", file=".aima-gate.yml",
                    hint="install the scanner into the gate's own environment, or pass --scanner-dir with a folder "
                         "outside the repository")
        return str(candidate)
    where = ", ".join(search) or "(nowhere)"
    raise ArtifactError(f"scanner {tool} is not installed in the gate's environment (looked in {where})",
                        file=".aima-gate.yml",
                        hint=f"install {tool} next to aima-gate (e.g. `pip install {tool}` in its virtualenv) or pass "
                             "--scanner-dir; a scanner that cannot run is never a pass")


def _confined(ctx: CollectContext, rel: str, what: str, *, folder: bool = False) -> str:
    """Absolute path of a repo-relative file or folder the config names, which must stay inside the repository."""
    joined = ctx.repo.resolve_reference(rel, base_file=".aima-gate.yml")
    if not folder:
        return str(ctx.repo.path(joined))
    resolved = (ctx.repo.root / joined).resolve()
    if not resolved.is_relative_to(ctx.repo.root):
        raise ConfigError(f"scanners: {what} {rel} leaves the repository (-> {resolved})", file=".aima-gate.yml")
    if not resolved.is_dir():
        raise ConfigError(f"scanners: {what} {rel} is not a folder in the repository", file=".aima-gate.yml")
    return str(resolved)


def _run(ctx: CollectContext, entry: dict[str, Any], parsed: Parsed) -> None:
    tool, requirements = entry["tool"], entry["requirements"]
    if not ctx.repo.exists(requirements):
        raise ConfigError(f"scanners: {tool} is to scan {requirements}, which does not exist", file=".aima-gate.yml")
    req_path = _confined(ctx, requirements, "requirements file")
    db_path = _confined(ctx, entry["db"], "database", folder=True) if entry.get("db") else None
    exe = find_executable(tool, ctx.repo.root, ctx.cli.get(SCANNER_DIRS))
    argv = [exe, *TOOLS[tool].args(req_path, db_path)]
    timeout = float(entry.get("timeout", DEFAULT_TIMEOUT))
    started = ctx.clock.now()
    try:
        with tempfile.TemporaryDirectory(prefix="aima-gate-scan-") as workdir:
            proc = subprocess.run(argv, cwd=workdir, capture_output=True, timeout=timeout, check=False,
                                  stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ArtifactError(f"scanner {tool} did not finish within {timeout:g} s", file=requirements) from None
    except OSError as exc:
        raise ArtifactError(f"scanner {tool} could not be started: {exc}", file=requirements) from None
    assert parsed.scanner is not None
    parsed.scanner["exit_code"] = proc.returncode
    stderr = (proc.stderr or proc.stdout).decode("utf-8", "backslashreplace").strip().splitlines()[-3:]
    if proc.returncode not in TOOLS[tool].ok:
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
