"""Benchmark `aima-gate check --changed` against a full check on a synthetic repository of N models.

Usage:  python benchmarks/bench_changed.py [--models 1000 5000] [--repeat 3]

Generates the repository with bench_check.generate_repo, commits it to a fresh git repository, edits one model
card (a typical pre-commit), then times the real console script with and without --changed (best of
--repeat, wall clock). The changed run evaluates the edited card and the registry entry that references it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench_check import _exe, generate_repo


def best_of(cmd: list[str], cwd: Path, repeat: int) -> tuple[float, dict[str, int]]:
    best, summary = float("inf"), {}
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
        best = min(best, time.perf_counter() - start)
        summary = json.loads(proc.stdout)["summary"]
    return best, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for n in args.models:
        base = Path(tempfile.mkdtemp(prefix="aima-bench-changed-"))
        try:
            repo = generate_repo(base / "repo", n)
            git = ["git", "-c", "user.email=bench@example.com", "-c", "user.name=bench"]
            subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
            subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
            subprocess.run([*git, "commit", "-q", "-m", "bench"], cwd=repo, check=True)
            card = repo / "cards" / "model-00042.md"
            card.write_text(card.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")
            base_cmd = [*_exe(), "check", ".", "--format", "json", "--today", "2026-11-24"]
            full, s_full = best_of(base_cmd, repo, args.repeat)
            changed, s_changed = best_of([*base_cmd, "--changed"], repo, args.repeat)
            print(f"{n:>6} models: full {full:5.2f} s ({s_full['total']} findings); --changed after editing one "
                  f"card {changed:5.2f} s ({s_changed['total']} findings)")
        finally:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
