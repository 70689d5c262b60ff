"""Benchmark `aima-gate check` on a synthetic repository of N models, and the CLI's start-up time.

Usage:  python benchmarks/bench_check.py [--models 100 1000 5000] [--repeat 3] [--keep DIR] [--formats json text]

Each model gets a registry file (registry/<name>.yml) and a Hugging Face style card (cards/<name>.md) plus
the bias and explainability report files its entry references, so every built-in `model`/`model_card`
policy evaluates it and passes. Times are wall-clock seconds of the real console script (best of --repeat),
the way a CI job or a pre-commit hook runs it. `generate_repo` is reused by tests and other benchmarks.
"""

from __future__ import annotations

import argparse
import shutil
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
        (root / "reports" / f"{name}-bias.json").write_text(f'{{"model": "{name}"}}\n', encoding="utf-8")
        (root / "reports" / f"{name}-shap.json").write_text(f'{{"model": "{name}"}}\n', encoding="utf-8")
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
        if code not in (0, 1):
            sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-2000:])
    return min(times), code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument("--formats", nargs="+", default=["json", "text"], help="output formats to time")
    args = parser.parse_args()

    bare, _ = time_command([sys.executable, "-c", "pass"], max(args.repeat, 5))
    version, _ = time_command([*_exe(), "--version"], max(args.repeat, 5))
    print(f"start-up: python -c pass {bare * 1000:.0f} ms; aima-gate --version {version * 1000:.0f} ms "
          f"({version / bare:.2f}x)")
    for n in args.models:
        base = args.keep or Path(tempfile.mkdtemp(prefix="aima-bench-"))
        repo = generate_repo(base / f"repo-{n}", n)
        for fmt in args.formats:
            seconds, code = time_command([*_exe(), "check", str(repo), "--format", fmt, "--today", "2026-11-24"],
                                         args.repeat)
            per_model = seconds / n * 1000
            print(f"check: {n:>6} models  --format {fmt:<4}  {seconds:6.2f} s  ({per_model:.2f} ms/model)  exit {code}")
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
