"""Class 7: secret keys in the pinned keyring (any encoding) and files a model-signing bundle does not cover.

Every keyring case is first shown to the real consumer: a fresh GnuPG home really imports a secret key from that
file (so the old text check ``PRIVATE KEY BLOCK`` let a real secret through). Then the gate must refuse it (exit
2, the keyring named).
"""

from __future__ import annotations

import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from aima_gate.integrity.model_signing import inspect_bundle
from aima_gate.integrity.openpgp_packets import packets
from aima_gate.safeio.repo import Repo
from tests.conftest import run_cli
from tests.integrity.gpgkeys import Signer, gpg
from tests.integrity.test_model_signing import _pem, make_bundle
from tests.realcomponents import executable

SIGNATURE_POLICY = ("--policy", "signature.valid-and-allowlisted")


@pytest.fixture(scope="module")
def signer() -> Iterator[Signer]:
    executable("gpg")  # fails under CI, skips locally
    made = Signer("Leaky signer <leaky@example.test>")
    gpg(made.home, "--quick-add-key", made.fingerprint, "cv25519", "encr")  # a secret subkey to leak on its own
    yield made
    made.close()


def _secret_binary(signer: Signer, *, subkeys_only: bool = False) -> bytes:
    option = "--export-secret-subkeys" if subkeys_only else "--export-secret-keys"
    return gpg(signer.home, option, signer.fingerprint).stdout


def _public_binary(signer: Signer) -> bytes:
    return gpg(signer.home, "--export", signer.fingerprint).stdout


def _armor(data: bytes, label: str) -> bytes:
    import base64

    text = base64.b64encode(data)
    body = b"".join(text[i:i + 64] + b"\n" for i in range(0, len(text), 64))
    crc = base64.b64encode(_crc24(data).to_bytes(3, "big"))
    return (f"-----BEGIN PGP {label}-----\n\n".encode() + body + b"=" + crc + b"\n"
            + f"-----END PGP {label}-----\n".encode())


def _crc24(data: bytes) -> int:
    """The armor checksum (RFC 4880 section 6.1), which gpg checks."""
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def _new_format(data: bytes) -> bytes:
    """The same packets with new-format headers (gpg writes old-format headers for key packets)."""
    out = b""
    for p in packets(data):
        n = len(p.body)
        length = bytes([n]) if n < 192 else bytes([((n - 192) >> 8) + 192, (n - 192) & 0xFF]) if n < 8384 \
            else b"\xff" + n.to_bytes(4, "big")
        out += bytes([0xC0 | p.tag]) + length + p.body
    return out


def _compressed(data: bytes) -> bytes:
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = b"\x01" + deflater.compress(data) + deflater.flush()
    return b"\xa3" + body  # old format, tag 8 (compressed data), indeterminate length


def _real_gpg_imports_a_secret(keyring: bytes) -> bool:
    home = Path(tempfile.mkdtemp(prefix="aima-adv-gnupg-"))
    home.chmod(0o700)
    try:
        import subprocess

        subprocess.run(["gpg", "--homedir", str(home), "--batch", "--import"], input=keyring, capture_output=True,
                       timeout=60, check=False)
        listed = subprocess.run(["gpg", "--homedir", str(home), "--batch", "--with-colons", "--list-secret-keys"],
                                capture_output=True, timeout=60, check=False).stdout.decode()
        return any(line.startswith(("sec:", "ssb:")) for line in listed.splitlines())
    finally:
        import shutil
        import subprocess

        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], capture_output=True, check=False)
        shutil.rmtree(home, ignore_errors=True)


def _repo(root: Path, signer: Signer, keyring: bytes) -> Path:
    (root / "m").mkdir(parents=True)
    model = root / "m" / "model.bin"
    model.write_bytes(b"weights" * 100)
    signer.sign(model)
    (root / "keys.asc").write_bytes(keyring)
    (root / ".aima-gate.yml").write_text(
        f"signing:\n  keyring: keys.asc\n  allowed_fingerprints: ['{signer.fingerprint}']\n")
    return root


KEYRINGS = {
    "binary secret key": lambda s: _secret_binary(s),
    "binary secret subkeys only": lambda s: _secret_binary(s, subkeys_only=True),
    "public key then binary secret key": lambda s: _public_binary(s) + _secret_binary(s),
    "secret key armored as a PUBLIC KEY BLOCK": lambda s: _armor(_secret_binary(s), "PUBLIC KEY BLOCK"),
    "public armor then a second block holding the secret": lambda s: (
        gpg(s.home, "--armor", "--export", s.fingerprint).stdout + _armor(_secret_binary(s), "PUBLIC KEY BLOCK")),
    "secret key with new-format packet headers": lambda s: _new_format(_secret_binary(s)),
    "secret key inside a compressed packet": lambda s: _compressed(_secret_binary(s)),
}


@pytest.mark.parametrize("case", sorted(KEYRINGS))
def test_secret_key_in_any_encoding_is_refused(tmp_path: Path, signer: Signer, case: str) -> None:
    keyring = KEYRINGS[case](signer)
    if case != "secret key inside a compressed packet":  # gpg --import does not unpack compressed packets
        assert _real_gpg_imports_a_secret(keyring), f"{case}: the real gpg must import a secret from this file"
    assert b"PRIVATE KEY BLOCK" not in keyring  # the old text check could not see it
    root = _repo(tmp_path, signer, keyring)
    proc = run_cli("check", str(root), *SIGNATURE_POLICY)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    assert "keys.asc" in out and "PRIVATE key" in out, out


def test_truncated_binary_keyring_is_refused(tmp_path: Path, signer: Signer) -> None:
    keyring = _public_binary(signer) + _secret_binary(signer)[:40]
    root = _repo(tmp_path, signer, keyring)
    proc = run_cli("check", str(root), *SIGNATURE_POLICY)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "keys.asc" in proc.stdout and "not a well-formed OpenPGP key file" in proc.stdout


@pytest.mark.parametrize("armored", [True, False])
def test_public_keyring_still_verifies(tmp_path: Path, signer: Signer, armored: bool) -> None:
    """The rule refuses secrets only: a public keyring, armored or binary, verifies as before."""
    keyring = signer.public_key() if armored else _public_binary(signer)
    root = _repo(tmp_path, signer, keyring)
    proc = run_cli("check", str(root), *SIGNATURE_POLICY)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ------------------------------------------------------------------------------------- model-signing bundles

@pytest.fixture
def signed_model(tmp_path: Path) -> tuple[Path, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "weights.safetensors").write_bytes(b"w" * 1000)
    (folder / "config.json").write_text("{}")
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "ms.pub.pem").write_bytes(_pem(key))
    return tmp_path, key


def _inspect(root: Path) -> dict[str, object]:
    return inspect_bundle(Repo(root), {"signing": {"model_signing_keys": ["keys/ms.pub.pem"]}}, "model/model.sig")


@pytest.mark.parametrize("extra", ["tokenizer.json", "sub/extra.bin", ".hidden.py"])
def test_file_beside_the_model_that_the_bundle_does_not_list_fails(
        signed_model: tuple[Path, ec.EllipticCurvePrivateKey], extra: str) -> None:
    root, key = signed_model
    make_bundle(root / "model", key, ["weights.safetensors", "config.json"])
    assert _inspect(root)["status"] == "valid"
    target = root / "model" / extra
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("added after signing")
    res = _inspect(root)
    assert res["status"] == "bad_signature", res
    assert f"model/{extra}" in str(res["detail"]) and "not in the bundle" in str(res["detail"])


def test_unlisted_file_fails_the_model_through_the_cli(signed_model: tuple[Path, ec.EllipticCurvePrivateKey]) -> None:
    root, key = signed_model
    make_bundle(root / "model", key, ["weights.safetensors", "config.json"])
    (root / ".aima-gate.yml").write_text("signing:\n  model_signing_keys: [keys/ms.pub.pem]\n")
    assert run_cli("check", str(root), *SIGNATURE_POLICY).returncode == 0
    (root / "model" / "evil_loader.py").write_text("import os\n")
    proc = run_cli("check", str(root), *SIGNATURE_POLICY)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "model/evil_loader.py" in proc.stdout


def test_bundle_ignore_list_and_git_metadata_are_honoured(
        signed_model: tuple[Path, ec.EllipticCurvePrivateKey]) -> None:
    import base64
    import json

    from cryptography.hazmat.primitives import hashes

    from aima_gate.integrity.model_signing import pae

    root, key = signed_model
    folder = root / "model"
    (folder / "notes").mkdir()
    (folder / "notes" / "README.md").write_text("not part of the model")
    (folder / ".gitattributes").write_text("*.safetensors filter=lfs\n")
    bundle_path = make_bundle(folder, key, ["weights.safetensors", "config.json"])
    bundle = json.loads(bundle_path.read_text())
    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    statement["predicate"]["serialization"]["ignore_paths"] = ["notes"]
    body = json.dumps(statement).encode()
    bundle["dsseEnvelope"]["payload"] = base64.b64encode(body).decode()
    sig = key.sign(pae("application/vnd.in-toto+json", body), ec.ECDSA(hashes.SHA256()))
    bundle["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(sig).decode()
    bundle_path.write_text(json.dumps(bundle))
    res = _inspect(root)
    assert res["status"] == "valid", res
    assert res["unlisted"] == []
