"""Peer race: aima-gate, checkov and semgrep on the same one-policy workload, plus the pre-commit figure.

Usage:  python benchmarks/bench_peers.py [--models 5000] [--runs 5] [--venvs DIR] [--skip-install]

The workload: N model registry entries (bench_check.generate_repo), one rule: "every model entry names an
owner". One entry in 100 has no owner, so every tool must report exactly N/100 failures (checked: a tool that
finds a different count is reported as disagreeing, not timed as a winner).

* aima-gate: one custom policy (`{path: owner, exists: true}` on kind model), built-in pack off.
* checkov: the same entries as Kubernetes-shaped documents (checkov has no framework for arbitrary YAML; its
  Kubernetes runner is the one that reads plain YAML resources), one YAML custom policy on `spec.owner`.
* semgrep: the same registry files, one YAML rule (an entry's `version:` not inside a mapping with `owner:`;
  only registry entries have a version), `--metrics off`.

checkov and semgrep are installed by this script with pip, each in its own throw-away virtualenv (never test
dependencies of aima-gate). Timings are wall-clock medians of --runs interleaved rounds (each round runs every
tool once, in turn), so a machine that slows down mid-way slows every tool alike.

Then the pre-commit figure: in the same repository committed to git, one registry file edited, the file named on
the command line as pre-commit does; full check vs the one-file check, cache cold (the first run after the
edit) and warm (the hook run again), with a throw-away cache folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Callable
from pathlib import Path

from bench_check import _exe, generate_repo

POLICY = """id: bench.owner
title: Every model names an owner
description: Peer-race policy.
severity: high
aima: {domain: governance, practice: policy-and-compliance, stream: B, level: 1}
remediation: Add owner.
applies_to: {kind: model}
assert: {path: owner, exists: true}
"""
CHECKOV_POLICY = """metadata:
  id: CKV2_BENCH_1
  name: Every model names an owner
  category: GENERAL_SECURITY
definition:
  cond_type: attribute
  resource_types: [ModelRegistration]
  attribute: spec.owner
  operator: exists
"""
SEMGREP_RULE = """rules:
  - id: model-without-owner
    languages: [yaml]
    severity: ERROR
    message: model entry has no owner
    patterns:
      - pattern-not-inside: |
          owner: $OWNER
          ...
      - pattern: |
          version: $VERSION
"""
PEERS = {"checkov": "checkov", "semgrep": "semgrep"}


def build(base: Path, models: int) -> Path:
    repo = generate_repo(base / "repo", models)
    for i in range(0, models, 100):  # one entry in 100 has no owner
        entry = repo / "registry" / f"model-{i:05d}.yml"
        entry.write_text("".join(line for line in entry.read_text(encoding="utf-8").splitlines(keepends=True)
                                 if not line.startswith("owner:")), encoding="utf-8")
    (repo / "policies").mkdir()
    (repo / "policies" / "owner.yml").write_text(POLICY, encoding="utf-8")
    (repo / ".aima-gate.yml").write_text("version: 1\npolicies:\n  builtin: false\n  paths: [policies]\n",
                                         encoding="utf-8")
    k8s = base / "k8s"
    k8s.mkdir()
    for entry in sorted((repo / "registry").glob("*.yml")):
        body = "".join("  " + line for line in entry.read_text(encoding="utf-8").splitlines(keepends=True))
        (k8s / entry.name).write_text(f"apiVersion: bench.example/v1\nkind: ModelRegistration\nmetadata:\n"
                                      f"  name: {entry.stem}\n  namespace: bench\nspec:\n{body}", encoding="utf-8")
    (base / "checkov-policies").mkdir()
    (base / "checkov-policies" / "owner.yaml").write_text(CHECKOV_POLICY, encoding="utf-8")
    (base / "semgrep.yml").write_text(SEMGREP_RULE, encoding="utf-8")
    return repo


def install(venvs: Path, tool: str, skip: bool) -> Path:
    target = venvs / tool
    exe = target / "bin" / tool
    if exe.exists() and skip:
        return exe
    shutil.rmtree(target, ignore_errors=True)
    venv.create(target, with_pip=True)
    subprocess.run([str(target / "bin" / "python"), "-m", "pip", "install", "-q", PEERS[tool]], check=True)
    return exe


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.stderr.write(f"{cmd[0]} exited {proc.returncode}: {proc.stderr[-1500:]}\n")
    return elapsed, proc.stdout


def count_aima(out: str) -> int:
    return int(json.loads(out)["summary"]["fail"])


def count_checkov(out: str) -> int:
    doc = json.loads(out)
    docs = doc if isinstance(doc, list) else [doc]
    return sum(len(d.get("results", {}).get("failed_checks", [])) for d in docs if isinstance(d, dict))


def count_semgrep(out: str) -> int:
    return len(json.loads(out)["results"])


def race(base: Path, repo: Path, exes: dict[str, Path], runs: int) -> None:
    env = {**os.environ, "AIMA_GATE_NO_CACHE": "1"}
    commands: dict[str, tuple[list[str], Path, Callable[[str], int], dict[str, str] | None]] = {
        "aima-gate": ([*_exe(), "check", ".", "--format", "json", "--today", "2026-11-24"], repo, count_aima, env),
    }
    if "checkov" in exes:
        commands["checkov"] = ([str(exes["checkov"]), "-d", str(base / "k8s"), "--framework", "kubernetes",
                                "--external-checks-dir", str(base / "checkov-policies"), "--check", "CKV2_BENCH_1",
                                "-o", "json", "--quiet", "--compact", "--skip-download"], base, count_checkov, None)
    if "semgrep" in exes:
        commands["semgrep"] = ([str(exes["semgrep"]), "scan", "--config", str(base / "semgrep.yml"), "--json",
                                "--metrics", "off", "--disable-version-check", "registry"], repo, count_semgrep,
                               {**os.environ, "SEMGREP_SEND_METRICS": "off"})
    times: dict[str, list[float]] = {name: [] for name in commands}
    found: dict[str, int] = {}
    for _ in range(runs):
        for name, (cmd, cwd, count, cmd_env) in commands.items():
            seconds, out = timed(cmd, cwd, cmd_env)
            times[name].append(seconds)
            try:
                found[name] = count(out)
            except (ValueError, KeyError, TypeError):
                found[name] = -1
    ours = statistics.median(times["aima-gate"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<10} median {median:6.2f} s over {runs} interleaved runs; {found[name]} failures found; "
              f"aima-gate / {name} = {ours / median:.2f}x")


def precommit(repo: Path, runs: int) -> None:
    git = ["git", "-c", "user.email=bench@example.com", "-c", "user.name=bench"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "bench"], cwd=repo, check=True)
    cache = Path(tempfile.mkdtemp(prefix="aima-bench-cache-"))
    try:
        env = {**os.environ, "AIMA_GATE_CACHE_DIR": str(cache)}
        base = [*_exe(), "check", ".", "--format", "json", "--today", "2026-11-24"]
        timed(base, repo, env)  # fills the cache, as the first commit of the day would
        entry = repo / "registry" / "model-00042.yml"
        full, cold, warm, nocache = [], [], [], []
        for k in range(runs):
            entry.write_text(entry.read_text(encoding="utf-8") + f"# edit {k}\n", encoding="utf-8")
            cold.append(timed([*base, "registry/model-00042.yml"], repo, env)[0])
            warm.append(timed([*base, "registry/model-00042.yml"], repo, env)[0])
            nocache.append(timed([*base, "--no-cache", "registry/model-00042.yml"], repo, env)[0])
            full.append(timed([*base, "--no-cache"], repo, env)[0])
        print(f"pre-commit, one edited registry file: full check {statistics.median(full):.2f} s; one file without "
              f"cache {statistics.median(nocache):.2f} s; with cache, first run after the edit "
              f"{statistics.median(cold):.2f} s, again {statistics.median(warm):.2f} s (medians of {runs})")
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--venvs", type=Path, help="keep the peers' virtualenvs here (default: a temporary folder)")
    parser.add_argument("--skip-install", action="store_true", help="reuse peers already installed in --venvs")
    parser.add_argument("--peers", nargs="*", default=list(PEERS), help="peers to race (default: all)")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="aima-bench-peers-"))
    venvs = args.venvs or base / "venvs"
    try:
        repo = build(base, args.models)
        exes = {tool: install(venvs, tool, args.skip_install) for tool in args.peers}
        for tool, exe in exes.items():
            version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False)
            print(f"{tool} {version.stdout.strip().splitlines()[-1] if version.stdout.strip() else '?'}")
        print(f"{args.models} models, one policy, 2-core machine (load: {os.getloadavg()[0]:.1f})")
        race(base, repo, exes, args.runs)
        precommit(repo, args.runs)
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
