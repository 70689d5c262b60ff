"""Benchmark `aima-gate check` on a synthetic repository of N models against a bare parse of the same files.

Usage:  python benchmarks/bench_check.py [--models 1000 5000 20000] [--repeat 3] [--pack full|core]
                                         [--formats text json json-warm text-no-cache json-no-cache]
                                         [--memory-models 12500] [--keep DIR]

Each model gets a registry file (registry/<name>.yml) and a Hugging Face style card (cards/<name>.md) plus
the bias and explainability report files its entry references (4 files, 4 artifacts per model). With
``--pack full`` (the default) the run evaluates the whole built-in pack as a user runs it (71 policies; most
model policies fail, since the repository has no signatures, monitoring plans, threat models...); with
``--pack core`` only the 7 issue-2 policies, which all pass.

For each size, every repeat runs, interleaved: the bare parse (a fresh Python process that reads every file and
parses it with PyYAML's CSafeLoader or json: the floor for any tool that reads these files), then `aima-gate
check` once per format. The artifact cache is explicit, never the user's: ``text`` and ``json`` are cold
runs (a fresh empty cache folder, which the run fills, as a CI job without a persisted cache does);
``json-warm`` runs again on the folder the ``json`` run filled (as a second run on a developer's machine).
Each run is a child of a fresh measuring process, whose ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``
is the run's peak memory (the largest process: the gate's parse workers are its children and are counted if
larger). Figures are medians over the repeats; ratios are against the bare parse of
the same run: wall-clock time, and CPU seconds (the run's processes together), which stay meaningful when the
machine is shared. ``--memory-models`` adds the memory case (default 12,500 models = 50,000 artifacts, the same
formats, one run each). Start-up is `aima-gate --version` against `python -c pass` and `python -c "import click"`.
`generate_repo` is reused by tests and other benchmarks.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CARD = """---
model_name: {name}
version: "{version}"
license: apache-2.0
datasets: [synthetic-{i}]
---

# Model Card for {name}

## Intended uses & limitations

Scores synthetic records for benchmark number {i}; not for any real decision about real people.

## Bias, Risks, and Limitations

Synthetic data only; the model has never seen a real population, so its error rates on any group are unknown.

## Training Data

Generated records from the synthetic-{i} data set, one million rows with twelve numeric features.

## Evaluation

ROC AUC 0.80 on a held-out synthetic split of one hundred thousand rows, stable across five seeds.
"""

ENTRY = """name: {name}
version: "{version}"
owner: team-{team}@example.com
risk_tier: {tier}
stage: production
training_data:
  - name: synthetic-{i}
    source: s3://bench/synthetic/{i}/
model_card: ../cards/{name}.md
bias_report: ../reports/{name}-bias.json
explainability_report: ../reports/{name}-shap.json
"""

BIAS = """{"format": "aima-gate", "kind": "bias_report", "schema_version": "1",
 "model": {"name": "{name}", "version": "{version}"}, "generated_at": "2026-09-15T10:00:00Z",
 "dataset": "synthetic-holdout", "tool": {"name": "fairlearn", "version": "0.15.0"},
 "protected_attributes": ["sex"], "overall": {"selection_rate": 0.37, "tpr": 0.85, "fpr": 0.09},
 "attributes": [{"name": "sex",
   "fairness": {"demographic_parity_difference": 0.028, "disparate_impact": 0.93,
                "equal_opportunity_difference": 0.042, "equalized_odds_difference": 0.042},
   "groups": [{"name": "female", "n": 981, "metrics": {"selection_rate": 0.38, "tpr": 0.88, "fpr": 0.094}},
              {"name": "male", "n": 1019, "metrics": {"selection_rate": 0.36, "tpr": 0.83, "fpr": 0.086}}]}]}
"""
"""A fairness report in aima-gate's native form (as `aima-gate evidence fairness` writes it)."""

SHAP = """{"method": "shap", "tool": {"name": "shap", "version": "0.46.0"},
 "model": {"name": "{name}", "version": "{version}"}, "generated_at": "2026-09-15T10:05:00Z",
 "dataset": "synthetic-holdout", "explainer": "TreeExplainer",
 "top_features": [{"feature": "f1", "mean_abs_shap": 0.41}, {"feature": "f2", "mean_abs_shap": 0.29}]}
"""


def generate_repo(root: Path, models: int) -> Path:
    """Write a repository of `models` compliant models under root (created if needed)."""
    for sub in ("registry", "cards", "reports"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    tiers = ("low", "medium", "high")
    for i in range(models):
        name = f"model-{i:05d}"
        version = f"1.{i % 7}.0"
        (root / "registry" / f"{name}.yml").write_text(
            ENTRY.format(name=name, version=version, team=i % 13, tier=tiers[i % 3], i=i), encoding="utf-8")
        (root / "cards" / f"{name}.md").write_text(CARD.format(name=name, version=version, i=i), encoding="utf-8")
        (root / "reports" / f"{name}-bias.json").write_text(
            BIAS.replace("{name}", name).replace("{version}", version), encoding="utf-8")
        (root / "reports" / f"{name}-shap.json").write_text(
            SHAP.replace("{name}", name).replace("{version}", version), encoding="utf-8")
    (root / ".aima-gate.yml").write_text(
        "version: 1\npolicies:\n  only:\n" + "".join(f"    - {p}\n" for p in CORE_POLICIES), encoding="utf-8")
    return root


CORE_POLICIES = (
    "model.owner-and-risk-tier",
    "model.has-complete-card",
    "model.card-version-matches",
    "model.bias-report-referenced",
    "model.explainability-report-referenced",
    "model.training-data-lineage",
    "model_card.required-sections",
)
"""The issue-2 policies: the benchmark measures the engine on a stable policy set as the pack grows."""


def _exe() -> list[str]:
    exe = Path(sys.executable).with_name("aima-gate")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "aima_gate"]


def time_command(cmd: list[str], repeat: int) -> tuple[float, int]:
    times = []
    code = 0
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        code = proc.returncode
        if code not in (0, 1, 2):
            sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-2000:])
    return min(times), code


BARE_PARSE = """
import json, sys, yaml
from pathlib import Path
loader = yaml.CSafeLoader
n = 0
for path in sorted(Path(sys.argv[1]).rglob("*")):
    if not path.is_file():
        continue
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".yml", ".yaml"):
        yaml.load(text, Loader=loader)
    elif path.suffix == ".json":
        json.loads(text)
    elif path.suffix == ".md" and text.startswith("---"):
        yaml.load(text.split("---", 2)[1], Loader=loader)
    n += 1
print(n)
"""
"""The floor: read every file and parse it (YAML with the C loader, JSON, a card's front matter)."""

MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
with open(sys.argv[1], "wb") as out:
    code = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime, code)
"""
"""Runs one command as its child and prints wall seconds, peak RSS (KiB), CPU seconds and the exit code."""


def measure(cmd: list[str], out: Path) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-c", MEASURE, str(out), *cmd], capture_output=True, text=True,
                          check=True)
    wall, rss, cpu, code = proc.stdout.split()
    return {"wall": float(wall), "rss_mb": int(rss) / 1024, "cpu": float(cpu), "code": int(code),
            "bytes": out.stat().st_size}


def full_pack_config(root: Path, pack: str) -> None:
    if pack == "full":
        (root / ".aima-gate.yml").write_text("version: 1\n", encoding="utf-8")


def run_size(repo: Path, n: int, formats: list[str], repeat: int, work: Path) -> dict[str, dict[str, float]]:
    runs: dict[str, list[dict[str, float]]] = {"bare": [], **{fmt: [] for fmt in formats}}
    cache = work / "cache"
    for _ in range(repeat):
        runs["bare"].append(measure([sys.executable, "-c", BARE_PARSE, str(repo)], work / "bare.out"))
        for fmt in formats:
            output = fmt.removesuffix("-warm").removesuffix("-no-cache")
            if fmt.endswith("-no-cache"):  # as the GitHub Action and the GitLab job run it
                cache_args = ["--no-cache"]
            else:
                cache_args = ["--cache-dir", str(cache)]
                if output == fmt:  # a cold run: the cache folder starts empty
                    shutil.rmtree(cache, ignore_errors=True)
            extra = ["--report", f"markdown={work / 'summary.md'}"] if output == "text" else []
            runs[fmt].append(measure([*_exe(), "check", str(repo), "--format", output, "--today", "2026-11-24",
                                      *cache_args, *extra], work / f"report.{fmt}"))
    medians = {name: {key: statistics.median(r[key] for r in rs) for key in rs[0]} for name, rs in runs.items()}
    if "text" in formats and (work / "summary.md").exists():
        medians["text"]["markdown_bytes"] = (work / "summary.md").stat().st_size
    return medians


def print_size(n: int, medians: dict[str, dict[str, float]]) -> None:
    bare = medians["bare"]
    print(f"{n:>6} models  bare parse        {bare['wall']:6.2f} s  cpu {bare['cpu']:6.2f} s  "
          f"peak {bare['rss_mb']:6.0f} MB")
    for fmt, m in medians.items():
        if fmt == "bare":
            continue
        note = f"  markdown summary {m['markdown_bytes'] / 1024:.0f} KiB" if "markdown_bytes" in m else ""
        print(f"{n:>6} models  check --format {fmt:<13} {m['wall']:6.2f} s  cpu {m['cpu']:6.2f} s  "
              f"peak {m['rss_mb']:6.0f} MB  ({m['wall'] / bare['wall']:.2f}x bare wall, {m['cpu'] / bare['cpu']:.2f}x "
              f"bare cpu; {m['cpu'] / n * 1000:.2f} ms cpu/model; report {m['bytes'] / 1e6:.1f} MB; "
              f"exit {int(m['code'])}){note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pack", choices=["full", "core"], default="full")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument("--formats", nargs="+", default=["text", "json", "json-warm", "text-no-cache", "json-no-cache"],
                        help="output formats to time; FORMAT-warm reruns on the cache the cold run filled, "
                             "FORMAT-no-cache runs with --no-cache")
    parser.add_argument("--memory-models", type=int, default=12500,
                        help="models for the memory case (4 artifacts each; 0 to skip)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    results: dict[str, object] = {}
    bare, _ = time_command([sys.executable, "-c", "pass"], max(args.repeat, 5))
    click_import, _ = time_command([sys.executable, "-c", "import click"], max(args.repeat, 5))
    version, _ = time_command([*_exe(), "--version"], max(args.repeat, 5))
    print(f"start-up: python -c pass {bare * 1000:.0f} ms; python -c 'import click' {click_import * 1000:.0f} ms; "
          f"aima-gate --version {version * 1000:.0f} ms ({version / bare:.2f}x bare Python, "
          f"{version / click_import:.2f}x import click)")
    results["startup_ms"] = {"python": bare * 1000, "import_click": click_import * 1000, "aima_gate": version * 1000}
    base = args.keep or Path(tempfile.mkdtemp(prefix="aima-bench-"))
    work = base / "out"
    work.mkdir(parents=True, exist_ok=True)
    try:
        for n in args.models:
            repo = generate_repo(base / f"repo-{n}", n)
            full_pack_config(repo, args.pack)
            medians = run_size(repo, n, args.formats, args.repeat, work)
            print_size(n, medians)
            results[str(n)] = medians
            if not args.keep:
                shutil.rmtree(repo, ignore_errors=True)
        if args.memory_models:
            n = args.memory_models
            repo = generate_repo(base / f"repo-{n}", n)
            full_pack_config(repo, args.pack)
            medians = run_size(repo, n, args.formats, 1, work)
            print(f"memory case: {n} models ({4 * n} artifacts):")
            print_size(n, medians)
            results[f"memory-{n}"] = medians
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
