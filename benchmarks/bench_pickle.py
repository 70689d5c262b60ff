"""Pickle scanning throughput: aima-gate's opcode walker vs picklescan on the same files.

Usage: .venv/bin/pip install -e '.[bench]' && .venv/bin/python benchmarks/bench_pickle.py [--mb 64] [--repeat 3]
Generates (in a temporary folder, removed afterwards): a large pickle of many small objects (opcode-heavy, the
worst case for any opcode walker), a PyTorch-style zip whose data.pkl references large raw storages, and a
malicious pickle. Neither tool loads the files.
"""

from __future__ import annotations

import argparse
import collections
import io
import os
import pickle
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from aima_gate.integrity.model_files import inspect_model_file  # noqa: E402
from aima_gate.safeio.repo import Repo  # noqa: E402


class _Evil:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("echo never-run",))


def make_files(work: Path, mb: int) -> list[Path]:
    rows = []
    size = 0
    i = 0
    while size < mb << 20:
        row = {"id": i, "name": f"feature-{i}", "weight": i * 0.5, "tags": ["a", "b"],
               "od": collections.OrderedDict(k=i)}
        rows.append(row)
        size += 110
        i += 1
    many = work / "many_objects.pkl"
    many.write_bytes(pickle.dumps(rows, protocol=4))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("archive/data.pkl", pickle.dumps({f"layer{k}.weight": bytes(1024) for k in range(2000)}, 2))
        for k in range(8):
            zf.writestr(f"archive/data/{k}", b"\x00" * (mb << 17))
    torch_like = work / "torch_like.pt"
    torch_like.write_bytes(buf.getvalue())
    evil = work / "evil.pkl"
    evil.write_bytes(pickle.dumps({"w": [1.0] * 1000, "x": _Evil()}, protocol=4))
    return [many, torch_like, evil]


def bench(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    try:
        from picklescan.scanner import scan_file_path
    except ImportError:
        sys.exit("picklescan is not installed: .venv/bin/pip install -e '.[bench]'")
    work = Path(tempfile.mkdtemp(prefix="aima-bench-pickle-"))
    try:
        files = make_files(work, args.mb)
        repo = Repo(work)
        print(f"{'file':<20} {'MiB':>7} {'aima-gate s':>12} {'picklescan s':>13} {'ratio':>7}  "
              "findings (ours / picklescan)")
        for f in files:
            ours_t = bench(lambda f=f: inspect_model_file(Repo(work), f.name), args.repeat)
            theirs_t = bench(lambda f=f: scan_file_path(str(f)), args.repeat)
            ours = len(inspect_model_file(repo, f.name)["unsafe_imports"])
            theirs = scan_file_path(str(f))
            size = f.stat().st_size / 2**20
            print(f"{f.name:<20} {size:7.1f} {ours_t:12.3f} {theirs_t:13.3f} {ours_t / theirs_t:6.2f}x  "
                  f"{ours} / {theirs.issues_count} (scan_err={theirs.scan_err})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
