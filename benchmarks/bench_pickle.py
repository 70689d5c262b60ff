"""Pickle scanning throughput: aima-gate's opcode walker vs picklescan and modelscan on the same files.

Usage: .venv/bin/pip install -e '.[bench,test]' && .venv/bin/python benchmarks/bench_pickle.py [--mb 64] [--repeat 3]
Generates (in a temporary folder, removed afterwards):
- opcode-heavy pickles: many small objects (the worst case for any opcode walker), plain and zlib-compressed;
- real checkpoints made with the real libraries: a torch state dict (zip format, ~``--mb`` MiB of float32
  storages) when torch is installed, a scikit-learn RandomForest saved with joblib (raw numpy arrays between
  opcodes) and the same model pickled with protocol 5;
- a malicious pickle.
No tool loads the files. Prints wall-clock medians and what each tool found (findings = failing imports for
aima-gate, dangerous globals for picklescan, issues for modelscan; "error" = the tool refused or crashed).
"""

from __future__ import annotations

import argparse
import collections
import os
import pickle
import shutil
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from aima_gate.core.errors import ArtifactError  # noqa: E402
from aima_gate.integrity.model_files import inspect_model_file  # noqa: E402
from aima_gate.safeio.repo import Repo  # noqa: E402


class _Evil:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("echo never-run",))


def make_files(work: Path, mb: int) -> list[Path]:
    rows = [{"id": i, "name": f"feature-{i}", "weight": i * 0.5, "tags": ["a", "b"],
             "od": collections.OrderedDict(k=i)} for i in range((mb << 20) // 110)]
    many = work / "many_objects.pkl"
    many.write_bytes(pickle.dumps(rows, protocol=4))
    (work / "many_objects.joblib").write_bytes(zlib.compress(many.read_bytes(), 3))
    files = [many, work / "many_objects.joblib"]
    try:
        import torch

        layers = max(1, mb // 4)
        state = {f"layer{k}.weight": torch.randn(1024, 1024) for k in range(layers)}
        torch.save(state, work / "state_dict.pt")
        files.append(work / "state_dict.pt")
    except ImportError:
        print("torch not installed: no torch checkpoint", file=sys.stderr)
    import joblib
    import numpy as np
    from sklearn.ensemble import RandomForestClassifier

    rng = np.random.default_rng(0)
    x = rng.random((20_000, 20))
    forest = RandomForestClassifier(n_estimators=max(10, mb), random_state=0).fit(x, (x[:, 0] > 0.5).astype(int))
    joblib.dump(forest, work / "forest.joblib")
    (work / "forest.pkl").write_bytes(pickle.dumps(forest, protocol=5))
    files += [work / "forest.joblib", work / "forest.pkl"]
    evil = work / "evil.pkl"
    evil.write_bytes(pickle.dumps({"w": [1.0] * 1000, "x": _Evil()}, protocol=4))
    return [*files, evil]


def bench(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def ours(work: Path, f: Path) -> str:
    try:
        return str(len(inspect_model_file(Repo(work), f.name)["unsafe_imports"]))
    except ArtifactError as exc:
        return f"error ({exc.diagnosis[:40]})"


def picklescan(f: Path) -> str:
    from picklescan.scanner import scan_file_path

    try:
        r = scan_file_path(str(f))
    except Exception as exc:  # a crash is a result to report
        return f"error ({type(exc).__name__})"
    return f"{r.issues_count}" + (" (scan error)" if r.scan_err else "")


def modelscan(f: Path) -> str:
    from modelscan.modelscan import ModelScan

    try:
        res = ModelScan().scan(str(f))
    except Exception as exc:  # likewise
        return f"error ({type(exc).__name__})"
    skipped = res["summary"]["skipped"]["total_skipped"]
    return f"{res['summary']['total_issues']}" + (" (skipped)" if skipped else "") + \
        (" (errors)" if res.get("errors") else "")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    try:
        import modelscan as _m  # noqa: F401
        import picklescan as _p  # noqa: F401
    except ImportError:
        sys.exit("picklescan/modelscan are not installed: .venv/bin/pip install -e '.[bench]'")
    work = Path(tempfile.mkdtemp(prefix="aima-bench-pickle-"))
    try:
        files = make_files(work, args.mb)
        print(f"{'file':<22} {'MiB':>7} {'aima-gate s':>11} {'picklescan s':>12} {'modelscan s':>11}  "
              "findings: aima-gate / picklescan / modelscan")
        for f in files:
            t_ours = bench(lambda f=f: ours(work, f), args.repeat)  # type: ignore[misc]
            t_ps = bench(lambda f=f: picklescan(f), args.repeat)  # type: ignore[misc]
            t_ms = bench(lambda f=f: modelscan(f), args.repeat)  # type: ignore[misc]
            size = f.stat().st_size / 2**20
            print(f"{f.name:<22} {size:7.1f} {t_ours:11.3f} {t_ps:12.3f} {t_ms:11.3f}  "
                  f"{ours(work, f)} / {picklescan(f)} / {modelscan(f)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
