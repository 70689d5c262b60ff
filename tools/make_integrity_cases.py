"""Regenerate the policy case folders of the model-integrity policies with a fresh throwaway test key.

Run: .venv/bin/python tools/make_integrity_cases.py
Keys live in temporary GNUPGHOMEs deleted at the end; only public keys and signatures are written.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path
from typing import TypedDict

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "policies" / "cases"
MALICIOUS = b"cos\nsystem\n(S'echo pwned'\ntR."
# A protocol 4 pickle that builds mypkg.model.MyModel (NEWOBJ): a class on no allowlist.
CUSTOM = b"\x80\x04\x8c\x0bmypkg.model\x8c\x07MyModel\x93)\x81."
# builtins + "exec.__call__": find_class resolves dotted names for protocol >= 4 (reaches exec).
_CODE = b"open('PWNED','w').close()"
DOTTED = b"\x80\x04\x8c\x08builtins\x8c\rexec.__call__\x93\x8c" + bytes([len(_CODE)]) + _CODE + b"\x85R."
ALLOW_CUSTOM = ("artifacts:\n  model_file:\n    allow_imports:\n      - module: mypkg.model\n        name: MyModel\n"
                "        owner: ml-platform@example.test\n"
                "        reason: our own estimator class, reviewed in SEC-42 (sets fields only)\n")


class Key:
    def __init__(self, uid: str) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="aima-cases-gnupg-"))
        self.gpg("--quick-gen-key", uid, "ed25519", "sign", "never")
        self.fpr = next(line.split(":")[9] for line in self.gpg("--with-colons", "--list-keys").decode().splitlines()
                        if line.startswith("fpr:"))

    def gpg(self, *args: str) -> bytes:
        cmd = ["gpg", "--homedir", str(self.home), "--batch", "--yes", "--no-tty", "--pinentry-mode", "loopback",
               "--passphrase", "", *args]
        return subprocess.run(cmd, check=True, capture_output=True).stdout

    def sign(self, path: Path) -> None:
        self.gpg("--local-user", self.fpr, "--armor", "--output", str(path) + ".asc", "--detach-sign", str(path))

    def close(self) -> None:
        subprocess.run(["gpgconf", "--homedir", str(self.home), "--kill", "all"], capture_output=True, check=False)
        shutil.rmtree(self.home, ignore_errors=True)


def safetensors(values: list[float]) -> bytes:
    data = struct.pack(f"<{len(values)}f", *values)
    header = json.dumps({"w": {"dtype": "F32", "shape": [len(values)], "data_offsets": [0, len(data)]}}).encode()
    return struct.pack("<Q", len(header)) + header + data


class SameKeys(TypedDict):
    signer: Key
    keyring: Key
    allowed: Key


def case(policy: str, outcome: str, name: str, *, signer: Key, keyring: Key, allowed: Key,
         files: dict[str, bytes], sign: tuple[str, ...] = (), registry: str | None = None,
         after: dict[str, bytes] | None = None, sums: tuple[str, ...] = (), expect: str | None = None,
         config_extra: str = "") -> None:
    root = CASES / policy / outcome / name
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    if sums:
        folder = (root / sums[0]).parent
        (folder / "SHA256SUMS").write_text("".join(
            f"{hashlib.sha256((root / s).read_bytes()).hexdigest()}  {Path(s).name}\n" for s in sums))
    if registry is not None:
        (root / "registry").mkdir(exist_ok=True)
        (root / "registry" / "models.yml").write_text(registry)
    for rel in sign:
        signer.sign(root / rel)
    for rel, data in (after or {}).items():
        (root / rel).write_bytes(data)
    (root / "keys").mkdir(exist_ok=True)
    (root / "keys" / "signers.asc").write_bytes(keyring.gpg("--armor", "--export", keyring.fpr))
    (root / ".aima-gate.yml").write_text(
        f"signing:\n  keyring: keys/signers.asc\n  allowed_fingerprints: [{allowed.fpr}]\n{config_extra}")
    if expect:
        (root / "expect.yml").write_text(expect)


def main() -> None:
    good = Key("Release signer (test key) <release@example.test>")
    other = Key("Someone else (test key) <other@example.test>")
    try:
        st = safetensors([0.5, -0.25, 1.0])
        reg = ("models:\n  - name: scorer\n    version: \"1.0\"\n    owner: ml-team\n    risk_tier: high\n"
               "    stage: production\n    artifacts: [../model/model.safetensors]\n")
        base: SameKeys = {"signer": good, "keyring": good, "allowed": good}
        p = "model.artifacts-signed"
        case(p, "pass", "signed-safetensors", files={"model/model.safetensors": st}, sign=("model/model.safetensors",),
             registry=reg, **base)
        case(p, "pass", "signed-manifest-covers-file", files={"model/model.safetensors": st},
             sums=("model/model.safetensors",), sign=("model/SHA256SUMS",), registry=reg, **base)
        case(p, "fail", "tampered-after-signing", files={"model/model.safetensors": st},
             sign=("model/model.safetensors",), after={"model/model.safetensors": st[:-1] + b"\x01"}, registry=reg,
             expect='message_contains: "bad_signature"\n', **base)
        case(p, "fail", "unsigned", files={"model/model.safetensors": st}, registry=reg,
             expect='message_contains: "missing_signature"\n', **base)
        case(p, "fail", "signer-not-allowlisted", files={"model/model.safetensors": st},
             sign=("model/model.safetensors",), registry=reg, signer=good, keyring=good, allowed=other,
             expect='message_contains: "key_not_allowlisted"\n')
        p = "model.manifest-signed"
        mreg = reg + "    manifest: ../model/SHA256SUMS\n"
        case(p, "pass", "signed-manifest", files={"model/model.safetensors": st}, sums=("model/model.safetensors",),
             sign=("model/SHA256SUMS",), registry=mreg, **base)
        case(p, "fail", "unsigned-manifest", files={"model/model.safetensors": st}, sums=("model/model.safetensors",),
             registry=mreg, expect='message_contains: "missing_signature"\n', **base)
        case(p, "fail", "no-manifest", files={"model/model.safetensors": st}, registry=reg, **base)
        p = "model_file.no-unsafe-serialization"
        case(p, "pass", "safetensors", files={"model/model.safetensors": st}, **base)
        case(p, "fail", "os-system-pickle", files={"model/model.pkl": MALICIOUS},
             expect='message_contains: "os.system imported by GLOBAL at byte 0"\n', **base)
        case(p, "fail", "truncated-pickle", files={"model/model.pkl": b"\x80\x04\x95\x10\x00\x00\x00"},
             expect="status: error\n", **base)
        case(p, "fail", "unreviewed-import", files={"model/model.pkl": CUSTOM},
             expect='message_contains: "mypkg.model.MyModel imported by STACK_GLOBAL at byte 24: unreviewed"\n', **base)
        case(p, "fail", "dotted-name-reaches-exec", files={"model/model.pkl": DOTTED},
             expect='message_contains: "builtins.exec.__call__ imported by STACK_GLOBAL"\n', **base)
        case(p, "pass", "allowlisted-by-the-repository", files={"model/model.pkl": CUSTOM}, config_extra=ALLOW_CUSTOM,
             **base)
        p = "signature.valid-and-allowlisted"
        case(p, "pass", "valid", files={"model/model.safetensors": st}, sign=("model/model.safetensors",), **base)
        case(p, "fail", "unknown-key", files={"model/model.safetensors": st}, sign=("model/model.safetensors",),
             signer=other, keyring=good, allowed=good, expect='message_contains: "unknown_key"\n')
        case(p, "fail", "empty-signature", files={"model/model.safetensors": st, "model/other.bin": b"x"},
             sign=("model/other.bin",), after={"model/model.safetensors.asc": b""},
             expect='message_contains: "unreadable_signature"\n', **base)
        p = "manifest.complete-and-matching"
        case(p, "pass", "complete", files={"model/model.safetensors": st}, sums=("model/model.safetensors",), **base)
        case(p, "fail", "unlisted-file", files={"model/model.safetensors": st, "model/extra.pkl": MALICIOUS},
             sums=("model/model.safetensors",), expect='message_contains: "not in the manifest"\n', **base)
        case(p, "fail", "digest-mismatch", files={"model/model.safetensors": st}, sums=("model/model.safetensors",),
             after={"model/model.safetensors": st[:-1] + b"\x01"}, expect='message_contains: "changed after"\n',
             **base)
    finally:
        good.close()
        other.close()


if __name__ == "__main__":
    main()
