"""Signature verification with the real gpg: every status, tampering, key lifecycle, errors (exit 2)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aima_gate.integrity.gpg import SigningConfig, Verifier
from aima_gate.safeio.repo import Repo
from tests.conftest import run_cli
from tests.integrity.gpgkeys import Signer, gpg
from tests.realcomponents import executable


@pytest.fixture(autouse=True, scope="module")
def _real_gpg() -> None:
    executable("gpg")  # fails under CI, skips locally

PAST = "20200101T000000"


@pytest.fixture(scope="module")
def keys() -> Iterator[dict[str, Signer]]:
    made = {
        "good": Signer("Release signer <release@example.test>"),
        "other": Signer("Stranger <stranger@example.test>"),
        "expired": Signer("Expired signer <expired@example.test>", expire="1d", faked_time=PAST),
        "old": Signer("Old signer <old@example.test>", faked_time=PAST),
        "revoked": Signer("Revoked signer <revoked@example.test>"),
    }
    yield made
    for s in made.values():
        s.close()


def repo_with(root: Path, keyring: list[Signer], allowed: list[Signer], content: bytes = b"weights" * 1000) -> Path:
    (root / "m").mkdir(parents=True, exist_ok=True)
    (root / "m" / "model.bin").write_bytes(content)
    (root / "keys.asc").write_bytes(b"".join(k.public_key() for k in keyring))
    return root / "m" / "model.bin"


def verify(root: Path, allowed: list[Signer], sig: str = "m/model.bin.asc",
           target: str = "m/model.bin") -> dict[str, Any]:
    cfg = SigningConfig("keys.asc", frozenset(k.fingerprint for k in allowed), ".aima-gate.yml")
    return Verifier(Repo(root), cfg).verify(sig, target)


def test_valid_signature_by_allowlisted_key(tmp_path: Path, keys: dict[str, Signer]) -> None:
    model = repo_with(tmp_path, [keys["good"]], [keys["good"]])
    keys["good"].sign(model)
    res = verify(tmp_path, [keys["good"]])
    assert res["status"] == "valid", res
    assert res["primary_fingerprint"] == keys["good"].fingerprint
    assert res["user_id"] == "Release signer <release@example.test>"
    assert res["hash_algorithm"] in ("SHA256", "SHA512")
    assert res["signed_at"].endswith("Z")


def test_binary_sig_is_verified_too(tmp_path: Path, keys: dict[str, Signer]) -> None:
    model = repo_with(tmp_path, [keys["good"]], [keys["good"]])
    keys["good"].sign(model, armor=False)
    assert verify(tmp_path, [keys["good"]], sig="m/model.bin.sig")["status"] == "valid"


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_one_flipped_byte_anywhere_fails(tmp_path: Path, keys: dict[str, Signer], where: str) -> None:
    model = repo_with(tmp_path, [keys["good"]], [keys["good"]])
    keys["good"].sign(model)
    data = bytearray(model.read_bytes())
    i = {"first": 0, "middle": len(data) // 2, "last": len(data) - 1}[where]
    data[i] ^= 0x01
    model.write_bytes(bytes(data))
    assert verify(tmp_path, [keys["good"]])["status"] == "bad_signature"


def test_truncated_file_fails(tmp_path: Path, keys: dict[str, Signer]) -> None:
    model = repo_with(tmp_path, [keys["good"]], [keys["good"]])
    keys["good"].sign(model)
    model.write_bytes(model.read_bytes()[:-10])
    assert verify(tmp_path, [keys["good"]])["status"] == "bad_signature"


def test_signature_for_another_file_fails(tmp_path: Path, keys: dict[str, Signer]) -> None:
    repo_with(tmp_path, [keys["good"]], [keys["good"]])
    other = tmp_path / "m" / "other.bin"
    other.write_bytes(b"another model")
    sig = keys["good"].sign(other)
    shutil.copy(sig, tmp_path / "m" / "model.bin.asc")
    assert verify(tmp_path, [keys["good"]])["status"] == "bad_signature"


def test_untrusted_key_fails(tmp_path: Path, keys: dict[str, Signer]) -> None:
    model = repo_with(tmp_path, [keys["good"]], [keys["good"]])
    keys["other"].sign(model)
    res = verify(tmp_path, [keys["good"]])
    assert res["status"] == "unknown_key"
    key_id = res["key_id"]  # gpg names an unknown signer only by its long key id
    assert len(key_id) >= 16 and keys["other"].fingerprint.endswith(key_id), res


def test_key_in_keyring_but_not_allowlisted_fails(tmp_path: Path, keys: dict[str, Signer]) -> None:
    model = repo_with(tmp_path, [keys["good"], keys["other"]], [keys["good"]])
    keys["other"].sign(model)
    res = verify(tmp_path, [keys["good"]])
    assert res["status"] == "key_not_allowlisted"
    assert res["primary_fingerprint"] == keys["other"].fingerprint


def test_expired_key_fails(tmp_path: Path, keys: dict[str, Signer]) -> None:
    model = repo_with(tmp_path, [keys["expired"]], [keys["expired"]])
    keys["expired"].sign(model, faked_time="20200101T120000")
    assert verify(tmp_path, [keys["expired"]])["status"] == "expired_key"


def test_expired_signature_fails(tmp_path: Path, keys: dict[str, Signer]) -> None:
    model = repo_with(tmp_path, [keys["old"]], [keys["old"]])
    keys["old"].sign(model, faked_time="20200102T000000", sig_expire="1d")
    assert verify(tmp_path, [keys["old"]])["status"] == "expired_signature"


def test_revoked_key_fails(tmp_path: Path) -> None:
    signer = Signer("Revoked signer <revoked@example.test>")
    try:
        model = repo_with(tmp_path, [], [])
        signer.sign(model)
        signer.revoke()
        (tmp_path / "keys.asc").write_bytes(signer.public_key())
        assert verify(tmp_path, [signer])["status"] == "revoked_key"
    finally:
        signer.close()


def test_garbage_signature_is_unreadable(tmp_path: Path, keys: dict[str, Signer]) -> None:
    repo_with(tmp_path, [keys["good"]], [keys["good"]])
    (tmp_path / "m" / "model.bin.asc").write_text("-----BEGIN PGP SIGNATURE-----\n\nnot base64 at all\n")
    assert verify(tmp_path, [keys["good"]])["status"] == "unreadable_signature"


def test_sha1_signature_is_weak(tmp_path: Path, keys: dict[str, Signer]) -> None:
    model = repo_with(tmp_path, [keys["good"]], [keys["good"]])
    keys["good"].sign(model, digest="SHA1")
    assert verify(tmp_path, [keys["good"]])["status"] == "weak_hash"


# ------------------------------------------------------------------------------------------- CLI contract


def _cli_repo(root: Path, signer: Signer) -> Path:
    model = repo_with(root, [signer], [signer])
    signer.sign(model)
    (root / ".aima-gate.yml").write_text(
        f"signing:\n  keyring: keys.asc\n  allowed_fingerprints: ['{signer.fingerprint}']\n")
    return root


def test_cli_pass_then_tamper_fails_and_gnupghome_is_removed(tmp_path: Path, keys: dict[str, Signer]) -> None:
    root = _cli_repo(tmp_path / "repo", keys["good"])
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    env = {"TMPDIR": str(private_tmp)}
    proc = run_cli("check", str(root), "--policy", "signature.valid-and-allowlisted", "--today", "2026-11-24", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert list(private_tmp.iterdir()) == [], "the temporary GNUPGHOME must be removed when the run ends"
    (root / "m" / "model.bin").write_bytes(b"tampered")
    proc = run_cli("check", str(root), "--policy", "signature.valid-and-allowlisted", "--today", "2026-11-24", env=env)
    assert proc.returncode == 1
    assert "bad_signature: m/model.bin.asc" in proc.stdout
    assert keys["good"].fingerprint[-16:] in proc.stdout
    assert list(private_tmp.iterdir()) == []


def test_cli_gpg_missing_is_exit_2_naming_the_file(tmp_path: Path, keys: dict[str, Signer]) -> None:
    root = _cli_repo(tmp_path, keys["good"])
    proc = run_cli("check", str(root), "--policy", "signature.valid-and-allowlisted", "--today", "2026-11-24",
                   env={"PATH": str(tmp_path / "empty-bin")})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "m/model.bin.asc" in proc.stdout and "gpg is not usable" in proc.stdout


@pytest.mark.parametrize("content", [b"not a key at all\n", b""])
def test_cli_unreadable_keyring_is_exit_2(tmp_path: Path, keys: dict[str, Signer], content: bytes) -> None:
    root = _cli_repo(tmp_path, keys["good"])
    (root / "keys.asc").write_bytes(content)
    proc = run_cli("check", str(root), "--policy", "signature.valid-and-allowlisted", "--today", "2026-11-24")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "keys.asc" in proc.stdout and "no readable OpenPGP public key" in proc.stdout


def test_cli_private_key_in_keyring_is_refused(tmp_path: Path, keys: dict[str, Signer]) -> None:
    root = _cli_repo(tmp_path, keys["good"])
    secret = gpg(keys["good"].home, "--armor", "--export-secret-keys", keys["good"].fingerprint).stdout
    (root / "keys.asc").write_bytes(secret)
    proc = run_cli("check", str(root), "--policy", "signature.valid-and-allowlisted", "--today", "2026-11-24")
    assert proc.returncode == 2
    assert "PRIVATE key" in proc.stdout
