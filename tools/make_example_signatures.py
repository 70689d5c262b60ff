"""Regenerate the signed model artifacts of the two examples with a fresh, dedicated example key.

Run: .venv/bin/python tools/make_example_signatures.py
The key lives only in a temporary GNUPGHOME that is deleted at the end: only the PUBLIC key, the signatures and
the manifests are written into examples/. The failing example's artifact is tampered after signing and it gets a
tiny pickle whose globals would call os.system (never loaded by anything).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UID = "aima-gate example signer (examples only, not a real identity) <examples@aima-gate.invalid>"


def gpg(home: Path, *args: str) -> bytes:
    cmd = ["gpg", "--homedir", str(home), "--batch", "--yes", "--no-tty", "--pinentry-mode", "loopback",
           "--passphrase", "", *args]
    return subprocess.run(cmd, check=True, capture_output=True).stdout


def safetensors(values: list[float], name: str) -> bytes:
    data = struct.pack(f"<{len(values)}f", *values)
    header = json.dumps({"__metadata__": {"format": "pt"},
                         name: {"dtype": "F32", "shape": [len(values)], "data_offsets": [0, len(data)]}},
                        separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + data


def sums(folder: Path, names: list[str]) -> None:
    lines = [f"{hashlib.sha256((folder / n).read_bytes()).hexdigest()}  {n}\n" for n in names]
    (folder / "SHA256SUMS").write_text("".join(lines))


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="aima-example-gnupg-"))
    try:
        gpg(home, "--quick-gen-key", UID, "ed25519", "sign", "never")
        fpr = next(line.split(":")[9] for line in gpg(home, "--with-colons", "--list-keys").decode().splitlines()
                   if line.startswith("fpr:"))
        pub = gpg(home, "--armor", "--export", fpr)

        def sign(path: Path) -> None:
            gpg(home, "--local-user", fpr, "--armor", "--output", str(path) + ".asc", "--detach-sign", str(path))

        # compliant example: a signed safetensors artifact and a signed manifest
        ok = ROOT / "examples/credit-scoring/artifacts/credit-scorer-2.3.0"
        ok.mkdir(parents=True, exist_ok=True)
        (ok / "model.safetensors").write_bytes(safetensors([0.42, -1.3, 0.07, 2.1, -0.55, 0.9, 0.0, -0.12],
                                                           "logreg.coef"))
        sign(ok / "model.safetensors")
        sums(ok, ["model.safetensors"])
        sign(ok / "SHA256SUMS")
        # failing example: signed, then tampered; plus an unsafe pickle (never loaded)
        bad = ROOT / "examples/llm-assistant/artifacts/support-assistant-1.4.0"
        bad.mkdir(parents=True, exist_ok=True)
        adapter = bad / "adapter.safetensors"
        adapter.write_bytes(safetensors([0.1, 0.2, 0.3, 0.4], "lora.A"))
        sign(adapter)
        sums(bad, ["adapter.safetensors"])
        sign(bad / "SHA256SUMS")
        raw = bytearray(adapter.read_bytes())
        raw[-1] ^= 0x01  # one flipped bit in the tensor data, after signing
        adapter.write_bytes(bytes(raw))
        (bad / "reranker.pkl").write_bytes(b"cos\nsystem\n(S'echo pwned'\ntR.")
        for example in ("credit-scoring", "llm-assistant"):
            keys = ROOT / "examples" / example / "keys"
            keys.mkdir(exist_ok=True)
            (keys / "example-signer.asc").write_bytes(pub)
        print(f"example key fingerprint: {fpr}")
    finally:
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], capture_output=True, check=False)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
