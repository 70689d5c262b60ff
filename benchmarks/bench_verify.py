"""Signature verification of a large artifact: `aima-gate check` vs a bare `gpg --verify` on the same file.

Usage: .venv/bin/python benchmarks/bench_verify.py [--size-mb 1024] [--repeat 3]
The artifact is generated in a temporary folder at benchmark time (never committed) and removed afterwards.
Both sides verify the same detached signature with the same public key; aima-gate additionally starts Python,
loads config and policies, imports the key into its temporary GNUPGHOME and reads the safetensors header.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integrity.gpgkeys import Signer  # noqa: E402


def make_artifact(path: Path, size_mb: int) -> None:
    header = json.dumps({"w": {"dtype": "U8", "shape": [size_mb << 20], "data_offsets": [0, size_mb << 20]}}).encode()
    block = bytes(range(256)) * 4096  # 1 MiB
    with path.open("wb") as fh:
        fh.write(struct.pack("<Q", len(header)) + header)
        for _ in range(size_mb):
            fh.write(block)


def timed(cmd: list[str], repeat: int, env: dict[str, str] | None = None) -> tuple[float, int]:
    times, rc = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        rc = subprocess.run(cmd, capture_output=True, env=env, check=False).returncode
        times.append(time.perf_counter() - start)
    return statistics.median(times), rc


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="aima-bench-verify-"))
    signer = Signer("Bench signer <bench@example.test>")
    try:
        repo = work / "repo"
        (repo / "model").mkdir(parents=True)
        artifact = repo / "model" / "model.safetensors"
        make_artifact(artifact, args.size_mb)
        signer.sign(artifact)
        (repo / "keys.asc").write_bytes(signer.public_key())
        (repo / ".aima-gate.yml").write_text(
            f"signing:\n  keyring: keys.asc\n  allowed_fingerprints: ['{signer.fingerprint}']\n")
        verify_home = work / "gnupg"
        verify_home.mkdir(mode=0o700)
        subprocess.run(["gpg", "--homedir", str(verify_home), "--batch", "--import", str(repo / "keys.asc")],
                       capture_output=True, check=True)
        gpg_t, gpg_rc = timed(["gpg", "--homedir", str(verify_home), "--batch", "--verify",
                               str(artifact) + ".asc", str(artifact)], args.repeat)
        exe = str(Path(sys.executable).with_name("aima-gate"))
        gate_t, gate_rc = timed([exe, "check", str(repo), "--policy", "signature.valid-and-allowlisted",
                                 "--policy", "model_file.no-unsafe-serialization"], args.repeat)
        assert gpg_rc == 0 and gate_rc == 0, (gpg_rc, gate_rc)
        size = artifact.stat().st_size
        print(f"artifact: {size / 2**30:.2f} GiB safetensors, detached ed25519 signature (median of {args.repeat})")
        print(f"gpg --verify:       {gpg_t:6.2f} s  ({size / gpg_t / 2**20:,.0f} MiB/s)")
        print(f"aima-gate check:    {gate_t:6.2f} s  ({size / gate_t / 2**20:,.0f} MiB/s)")
        print(f"ratio aima-gate / gpg: {gate_t / gpg_t:.2f}x")
    finally:
        signer.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
