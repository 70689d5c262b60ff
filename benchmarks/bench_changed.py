"""Benchmark the pre-commit case: one edited file in a synthetic repository of N models, with and without the cache.

Usage:  python benchmarks/bench_changed.py [--models 1000 5000] [--runs 5] [--full-pack]

Generates the repository with bench_check.generate_repo (its 7-policy config, or with --full-pack the whole
built-in pack as a user runs it), commits it to a fresh git repository and fills a throw-away artifact cache with
one full check (as the first run of the day would). Then, in each of --runs interleaved rounds, it edits one model
card (a typical commit) and times the real console script:

* full check, no cache;
* the edited file named on the command line, as pre-commit passes it, no cache;
* the same with the cache: the first run after the edit (the edited file is parsed, the pack rewritten) and the
  hook run again (everything read back);
* then a registry file edited (a comment appended) and named, with the cache: the first run and again;
* then a new model added (a copy of one model's registry file, card and two reports, under a new name: what a
  commit that adds a model brings) and its 4 files named, with the cache: the first run and again.

Medians of wall-clock seconds, and of CPU seconds (user + system of the run and its workers: the figure that does
not depend on what else the machine runs). Every run's JSON report is compared with the no-cache run of the same
round: they must be byte-identical.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench_check import _exe, generate_repo


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1, 2):  # 2: the full pack finds kinds of evidence the synthetic repo lacks
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return wall, cpu, proc.stdout


def new_model(repo: Path, number: str) -> list[str]:
    """Model 00042's four files copied under a new model number; their paths, as pre-commit names them."""
    added = []
    for folder, suffix in (("registry", ".yml"), ("cards", ".md"), ("reports", "-bias.json"),
                           ("reports", "-shap.json")):
        text = (repo / folder / f"model-00042{suffix}").read_text(encoding="utf-8")
        rel = f"{folder}/model-{number}{suffix}"
        (repo / rel).write_text(text.replace("00042", number), encoding="utf-8")
        added.append(rel)
    return added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--full-pack", action="store_true", help="evaluate the whole built-in pack")
    args = parser.parse_args()
    for n in args.models:
        base = Path(tempfile.mkdtemp(prefix="aima-bench-changed-"))
        try:
            repo = generate_repo(base / "repo", n)
            if args.full_pack:
                (repo / ".aima-gate.yml").write_text("version: 1\n", encoding="utf-8")
            git = ["git", "-c", "user.email=bench@example.com", "-c", "user.name=bench"]
            subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
            subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
            subprocess.run([*git, "commit", "-q", "-m", "bench"], cwd=repo, check=True)
            env = {**os.environ, "AIMA_GATE_CACHE_DIR": str(base / "cache")}
            env.pop("AIMA_GATE_NO_CACHE", None)
            # An installed gate runs from compiled bytecode: without it every run would also compile its modules
            # (0.2-0.6 s here), which is not what a user's hook pays. The fill run below writes the bytecode.
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            base_cmd = [*_exe(), "check", ".", "--format", "json", "--today", "2026-11-24"]
            one = "cards/model-00042.md"
            entry = "registry/model-00042.yml"
            timed(base_cmd, repo, env)  # fills the cache
            rows: dict[str, list[tuple[float, float]]] = {
                k: [] for k in ("full", "one", "cold", "warm", "reg_cold", "reg_warm", "new_cold", "new_warm")}
            for k in range(args.runs):
                card = repo / one
                card.write_text(card.read_text(encoding="utf-8") + f"\nEdited {k}.\n", encoding="utf-8")
                w, c, plain = timed([*base_cmd, "--no-cache", one], repo, env)
                rows["one"].append((w, c))
                w, c, cold = timed([*base_cmd, one], repo, env)
                rows["cold"].append((w, c))
                w, c, warm = timed([*base_cmd, one], repo, env)
                rows["warm"].append((w, c))
                w, c, _ = timed([*base_cmd, "--no-cache"], repo, env)
                rows["full"].append((w, c))
                if not plain == cold == warm:
                    raise SystemExit("the cache changed the report")
                # A registry edit that declares nothing new (a comment; an owner change reads alike): every bias
                # report shares the registry read, yet stays cached (cache_recording.glob_holding).
                reg = repo / entry
                reg.write_text(reg.read_text(encoding="utf-8") + f"# edited {k}\n", encoding="utf-8")
                _, _, plain = timed([*base_cmd, "--no-cache", entry], repo, env)
                w, c, cold = timed([*base_cmd, entry], repo, env)
                rows["reg_cold"].append((w, c))
                w, c, warm = timed([*base_cmd, entry], repo, env)
                rows["reg_warm"].append((w, c))
                if not plain == cold == warm:
                    raise SystemExit("the cache changed the report")
                # A new model: the listing changes (each glob is matched on the new paths only) and the bias reports'
                # shared registry read holds (the new registry file declares nothing: cache_recording.glob_holding).
                added = new_model(repo, f"{90000 + k}")
                _, _, plain = timed([*base_cmd, "--no-cache", *added], repo, env)
                w, c, cold = timed([*base_cmd, *added], repo, env)
                rows["new_cold"].append((w, c))
                w, c, warm = timed([*base_cmd, *added], repo, env)
                rows["new_warm"].append((w, c))
                if not plain == cold == warm:
                    raise SystemExit("the cache changed the report")
            med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in rows.items()}
            pack = "full built-in pack" if args.full_pack else "7 policies"
            print(f"{n:>6} models, {pack}, medians of {args.runs} (wall s / CPU s), load {os.getloadavg()[0]:.1f}:")
            print(f"        full check, no cache            {med['full'][0]:6.2f} / {med['full'][1]:6.2f}")
            print(f"        one edited card, no cache       {med['one'][0]:6.2f} / {med['one'][1]:6.2f}")
            print(f"        one edited card, cache (1st)    {med['cold'][0]:6.2f} / {med['cold'][1]:6.2f}")
            print(f"        one edited card, cache (again)  {med['warm'][0]:6.2f} / {med['warm'][1]:6.2f}")
            for key, label in (("reg_cold", "(1st)  "), ("reg_warm", "(again)")):
                print(f"        one edited registry file, cache {label} {med[key][0]:6.2f} / {med[key][1]:6.2f}")
            for key, label in (("new_cold", "(1st)  "), ("new_warm", "(again)")):
                print(f"        a new model (4 files), cache    {label} {med[key][0]:6.2f} / {med[key][1]:6.2f}")
            print("        reports byte-identical with and without the cache: yes")
        finally:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
