"""Benchmark the report outputs the CI surfaces ask for, on the full pack at N models, without the cache.

Usage:  python benchmarks/bench_outputs.py [--models 5000] [--repeat 3] [--against SRC]

One check writes only the JSON report to standard output (the least output a run can make); the same check then
writes what the GitHub Action asks for (JSON, SARIF and Markdown files, text on standard output) and what the GitLab
template asks for (JUnit, GitLab code quality, SARIF, JSON, Markdown and HTML files, text on standard output), as
action.yml and .gitlab-ci-template.yml run it (``--no-cache``). The extra wall and CPU seconds over the JSON-only
run are what those outputs cost. With ``--against SRC`` (another checkout's ``src`` folder, e.g. a worktree of an
older commit) each run is also made with that code, interleaved, and the outputs are compared byte for byte.
Figures are medians over ``--repeat`` rounds, from compiled bytecode, with peak memory (largest process).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_check import MEASURE, full_pack_config, generate_repo

SURFACES = {
    "json only": [],
    "GitHub Action": ["json", "sarif", "markdown"],
    "GitLab template": ["junit", "gitlab", "sarif", "json", "markdown", "html"],
}


def run(src: str, repo: Path, reports: list[str], out: Path) -> dict[str, float]:
    out.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "AIMA_GATE_JOBS")}
    env["PYTHONPATH"] = src
    fmt = "json" if not reports else "text"
    args = [f"--report={r}={out / ('report.' + r)}" for r in reports]
    cmd = [sys.executable, "-m", "aima_gate", "check", str(repo), "--no-cache", "--today", "2026-11-24",
           "--format", fmt, *args]
    proc = subprocess.run([sys.executable, "-c", MEASURE, str(out / "stdout"), *cmd], capture_output=True,
                          text=True, check=True, env=env)
    wall, rss, cpu, code = proc.stdout.split()
    return {"wall": float(wall), "cpu": float(cpu), "rss_mb": int(rss) / 1024, "code": int(code)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--against", help="another checkout's src folder, run interleaved and compared")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="aima-bench-outputs-"))
    try:
        repo = generate_repo(work / "repo", args.models)
        full_pack_config(repo, "full")
        here = str(Path(__file__).resolve().parent.parent / "src")  # this checkout's code, whatever is installed
        codes = {"this": here, **({"against": args.against} if args.against else {})}
        runs: dict[tuple[str, str], list[dict[str, float]]] = {}
        for k in range(args.repeat):
            for surface, reports in SURFACES.items():
                for name, src in codes.items():
                    out = work / f"{k}-{surface}-{name}".replace(" ", "_")
                    runs.setdefault((surface, name), []).append(run(src, repo, reports, out))
                if args.against:
                    mine, theirs = (work / f"{k}-{surface}-{n}".replace(" ", "_") for n in ("this", "against"))
                    names = sorted(p.name for p in mine.iterdir())
                    if names != sorted(p.name for p in theirs.iterdir()) or not all(
                            filecmp.cmp(mine / n, theirs / n, shallow=False) for n in names):
                        raise SystemExit(f"{surface}: outputs differ from --against's (round {k})")
                shutil.rmtree(work / f"{k}-{surface}-this".replace(" ", "_"))
                shutil.rmtree(work / f"{k}-{surface}-against".replace(" ", "_"), ignore_errors=True)
        print(f"{args.models} models, full pack, --no-cache, medians of {args.repeat} (wall s / CPU s / peak MB)")
        for name in codes:
            base = {key: statistics.median(r[key] for r in runs[("json only", name)]) for key in ("wall", "cpu")}
            for surface in SURFACES:
                m = {key: statistics.median(r[key] for r in runs[(surface, name)]) for key in ("wall", "cpu",
                                                                                                "rss_mb")}
                extra = "" if surface == "json only" else (
                    f"  outputs beyond JSON only: +{m['wall'] - base['wall']:.2f} s wall, "
                    f"+{m['cpu'] - base['cpu']:.2f} s CPU")
                print(f"  {name:<8} {surface:<16} {m['wall']:6.2f} / {m['cpu']:6.2f} / {m['rss_mb']:5.0f}{extra}")
        if args.against:
            print("  outputs byte-identical between the two codes in every round")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
