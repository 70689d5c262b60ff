"""OpenSSF model-signing bundles: real samples and bundles made here; offline key-based verification only."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from aima_gate.core.errors import ArtifactError
from aima_gate.integrity.model_signing import bundle_status_for, inspect_bundle, pae
from aima_gate.safeio.repo import Repo
from tests.conftest import DATA, check_json

SAMPLES = DATA / "model-signing"


def _settings(*keys: str) -> dict[str, Any]:
    return {"signing": {"model_signing_keys": list(keys)}}


def make_bundle(folder: Path, key: ec.EllipticCurvePrivateKey, names: list[str]) -> Path:
    """Write model.sig the way model_signing v1.0 does (files serialization, sha256, DSSE over in-toto)."""
    resources = [{"name": n, "algorithm": "sha256", "digest": hashlib.sha256((folder / n).read_bytes()).hexdigest()}
                 for n in sorted(names)]
    subject = hashlib.sha256(b"".join(bytes.fromhex(r["digest"]) for r in resources)).hexdigest()
    statement = {"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": folder.name,
                 "digest": {"sha256": subject}}], "predicateType": "https://model_signing/signature/v1.0",
                 "predicate": {"serialization": {"method": "files", "hash_type": "sha256", "allow_symlinks": False},
                               "resources": resources}}
    body = json.dumps(statement).encode()
    sig = key.sign(pae("application/vnd.in-toto+json", body), ec.ECDSA(hashes.SHA256()))
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    bundle = {"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
              "verificationMaterial": {"publicKey": {"rawBytes": base64.b64encode(pem).decode(),
                                                     "keyDetails": "PKIX_ECDSA_P256_SHA_256"}, "tlogEntries": []},
              "dsseEnvelope": {"payload": base64.b64encode(body).decode(),
                               "payloadType": "application/vnd.in-toto+json",
                               "signatures": [{"sig": base64.b64encode(sig).decode(), "keyid": None}]}}
    out = folder / "model.sig"
    out.write_text(json.dumps(bundle))
    return out


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture
def model_dir(tmp_path: Path) -> tuple[Path, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "weights.safetensors").write_bytes(b"w" * 1000)
    (tmp_path / "model" / "config.json").write_text("{}")
    make_bundle(tmp_path / "model", key, ["weights.safetensors", "config.json"])
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "model-signing.pub.pem").write_bytes(_pem(key))
    return tmp_path, key


def test_key_based_bundle_verifies_with_pinned_key(model_dir: tuple[Path, object]) -> None:
    root, _ = model_dir
    res = inspect_bundle(Repo(root), _settings("keys/model-signing.pub.pem"), "model/model.sig")
    assert res["status"] == "valid", res
    assert res["fingerprint"].startswith("sha256:")
    assert {r["status"] for r in res["resources"]} == {"match"} and res["unlisted"] == []


def test_tampered_file_fails(model_dir: tuple[Path, object]) -> None:
    root, _ = model_dir
    (root / "model" / "config.json").write_text('{"evil": true}')
    res = inspect_bundle(Repo(root), _settings("keys/model-signing.pub.pem"), "model/model.sig")
    assert res["status"] == "bad_signature" and "config.json changed after signing" in res["detail"]


def test_embedded_key_alone_is_not_trusted(model_dir: tuple[Path, object]) -> None:
    root, _ = model_dir
    other = ec.generate_private_key(ec.SECP256R1())
    (root / "keys" / "other.pem").write_bytes(_pem(other))
    assert inspect_bundle(Repo(root), _settings(), "model/model.sig")["status"] == "key_not_allowlisted"
    res = inspect_bundle(Repo(root), _settings("keys/other.pem"), "model/model.sig")
    assert res["status"] == "key_not_allowlisted"


def test_forged_signature_fails(model_dir: tuple[Path, object]) -> None:
    root, _ = model_dir
    bundle = json.loads((root / "model" / "model.sig").read_text())
    bundle["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(b"0" * 70).decode()
    bundle["verificationMaterial"]["publicKey"]["rawBytes"] = ""
    (root / "model" / "model.sig").write_text(json.dumps(bundle))
    res = inspect_bundle(Repo(root), _settings("keys/model-signing.pub.pem"), "model/model.sig")
    assert res["status"] == "bad_signature"


def test_real_key_based_sample_signature_verifies_offline(tmp_path: Path) -> None:
    # pin the sample's own key (as a repository would pin its signer's key): the real DSSE signature verifies.
    # The sample is a single-file bundle (resource "."): upstream verifies it with `model_signing verify key
    # --signature v1.0.0-elliptic-key/model.sig ... v1.0.0-elliptic-key/signme-1` (scripts/tests/
    # test-verify-v1.0.0-elliptic-key.sh), signme-1 holding "signme-1\n". Without that file nothing is covered.
    shutil.copy(SAMPLES / "v1.0.0_elliptic_key_model.sig.json", tmp_path / "model.sig")
    doc = json.loads((tmp_path / "model.sig").read_text())
    (tmp_path / "signer.pem").write_bytes(base64.b64decode(doc["verificationMaterial"]["publicKey"]["rawBytes"]))
    res = inspect_bundle(Repo(tmp_path), _settings("signer.pem"), "model.sig")
    assert res["status"] == "signed_file_missing" and "verifies with a pinned key" in res["detail"]
    assert res["unlisted"] == [] and res["key_details"] == "PKIX_ECDSA_P384_SHA_384"
    (tmp_path / "signme-1").write_bytes(b"signme-1\n")
    res = inspect_bundle(Repo(tmp_path), _settings("signer.pem"), "model.sig")
    assert res["status"] == "valid" and res["signed_file"] == "signme-1", res["detail"]


def test_real_sample_signature_fails_against_another_pinned_key(tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "v1.0.0_elliptic_key_model.sig.json", tmp_path / "model.sig")
    (tmp_path / "other.pem").write_bytes(_pem(ec.generate_private_key(ec.SECP384R1())))
    res = inspect_bundle(Repo(tmp_path), _settings("other.pem"), "model.sig")
    assert res["status"] == "key_not_allowlisted"


@pytest.mark.parametrize("sample", ["v1.0.0_sigstore_keyless_model.sig.json", "v0.2.0_certificate_model.sig.json"])
def test_keyless_and_certificate_bundles_are_never_a_pass(tmp_path: Path, sample: str) -> None:
    shutil.copy(SAMPLES / sample, tmp_path / "model.sig")
    doc = json.loads((tmp_path / "model.sig").read_text())
    body = json.loads(base64.b64decode(doc["dsseEnvelope"]["payload"]))
    # the signed files are not in the sample (no preimages), so the listed resources are missing
    res = inspect_bundle(Repo(tmp_path), _settings(), "model.sig")
    assert res["status"] != "valid"
    assert body["predicateType"] in res["predicate_type"]


def test_keyless_bundle_with_matching_files_is_unverifiable_offline(tmp_path: Path) -> None:
    # rewrite the keyless sample's statement so its digests match files we create: the verdict must still be
    # "unverifiable_offline" (identity and transparency log need Sigstore's trust root), never valid
    doc = json.loads((SAMPLES / "v1.0.0_sigstore_keyless_model.sig.json").read_text())
    (tmp_path / "w.bin").write_bytes(b"abc")
    digest = hashlib.sha256(b"abc").hexdigest()
    statement = json.loads(base64.b64decode(doc["dsseEnvelope"]["payload"]))
    statement["predicate"]["resources"] = [{"algorithm": "sha256", "digest": digest, "name": "w.bin"}]
    statement["subject"][0]["digest"]["sha256"] = hashlib.sha256(bytes.fromhex(digest)).hexdigest()
    doc["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    (tmp_path / "model.sig").write_text(json.dumps(doc))
    res = inspect_bundle(Repo(tmp_path), _settings(), "model.sig")
    assert res["status"] == "unverifiable_offline"
    assert "NOT verified" in res["detail"] and "@" in res["user_id"]


def test_malformed_bundle_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "model.sig").write_text('{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}')
    with pytest.raises(ArtifactError):
        inspect_bundle(Repo(tmp_path), _settings(), "model.sig")


def _passes_then_fails_when_changed(root: Path, key: str, model: Path) -> None:
    """Through the CLI: the signature policy passes with ``key`` pinned, and fails once ``model`` is rewritten."""
    (root / ".aima-gate.yml").write_text(f"signing:\n  model_signing_keys: [{key}]\n")
    code, report = check_json(root, "--policy", "signature.valid-and-allowlisted")
    assert code == 0, report["findings"]
    model.write_bytes(b"x" * 4096)
    code, report = check_json(root, "--policy", "signature.valid-and-allowlisted")
    assert code == 1


def test_cli_bundle_covers_model_file(model_dir: tuple[Path, object]) -> None:
    root, _ = model_dir
    _passes_then_fails_when_changed(root, "keys/model-signing.pub.pem", root / "model" / "weights.safetensors")


# --- single-file bundles: `model_signing sign key --signature model.sig weights.bin` writes ONE resource named "."
# (the model path itself) whose digest is the file's SHA-256; the verifier is given the file's path. The fixture
# tests/data/model-signing/v1.1.1-single-file-key was made with the real model_signing 1.1.1 and a P-256 key
# generated for it (private half discarded; see tests/data/PROVENANCE.md). Each verdict below was checked against
# `model_signing verify key --signature model.sig --public_key single-file-signing-key.pub.pem FILE` on the same
# bytes: untouched -> "Verification succeeded"; a byte flipped -> "Hash mismatch for '.'"; the file absent ->
# "Cannot use ... it could be missing"; another file given -> "Hash mismatch"; a renamed copy -> succeeded.

SINGLE = SAMPLES / "v1.1.1-single-file-key"
SINGLE_KEY = SAMPLES / "single-file-signing-key.pub.pem"
SINGLE_DIGEST = "c8f5d0341d54d951a71b136e6e2afcb14d11ed8489a7ae126a8fee0df6ecf193"
PINNED = _settings("keys/signer.pub.pem")


def _single(tmp_path: Path, *, weights: bool = True) -> Path:
    """The real single-file fixture in ``models/``, with unrelated files beside it and its public key pinned."""
    (tmp_path / "models").mkdir()
    shutil.copyfile(SINGLE / "model.sig", tmp_path / "models" / "model.sig")
    if weights:
        shutil.copyfile(SINGLE / "weights.bin", tmp_path / "models" / "weights.bin")
    (tmp_path / "models" / "config.json").write_text("{}")
    (tmp_path / "models" / "notes.txt").write_text("not signed\n")
    (tmp_path / "keys").mkdir()
    shutil.copyfile(SINGLE_KEY, tmp_path / "keys" / "signer.pub.pem")
    return tmp_path


def test_single_file_bundle_verifies_its_file_and_ignores_the_files_beside_it(tmp_path: Path) -> None:
    """model_signing verify key: "Verification succeeded" (also with config.json and notes.txt beside it)."""
    repo = Repo(_single(tmp_path))
    res = inspect_bundle(repo, PINNED, "models/model.sig")
    assert res["status"] == "valid", res["detail"]
    assert res["signed_file"] == "models/weights.bin" and res["single_file"] is True
    assert res["resources"] == [{"name": ".", "path": "models/weights.bin", "expected": SINGLE_DIGEST,
                                 "actual": SINGLE_DIGEST, "status": "match"}]
    assert res["unlisted"] == []  # the other files beside it are not "unsigned files of a signed folder"
    assert (bundle_status_for(repo, PINNED, "models/model.sig", "models/weights.bin") or {}).get("status") == "valid"
    assert bundle_status_for(repo, PINNED, "models/model.sig", "models/config.json") is None  # not signed by it


def test_single_file_bundle_with_one_byte_flipped_is_a_bad_signature(tmp_path: Path) -> None:
    """model_signing verify key: "Hash mismatch for '.'"."""
    root = _single(tmp_path)
    data = bytearray((root / "models" / "weights.bin").read_bytes())
    data[100] ^= 1
    (root / "models" / "weights.bin").write_bytes(bytes(data))
    repo = Repo(root)
    res = inspect_bundle(repo, PINNED, "models/model.sig")
    assert res["status"] == "bad_signature" and "models/weights.bin changed after signing" in res["detail"]
    assert SINGLE_DIGEST in res["detail"] and res["unlisted"] == []
    covered = bundle_status_for(repo, PINNED, "models/model.sig", "models/weights.bin")
    assert covered is not None and covered["status"] == "bad_signature"


def test_single_file_bundle_whose_file_is_absent_is_not_verified_and_not_tampered(tmp_path: Path) -> None:
    """model_signing verify key on weights.bin: "Cannot use ... it could be missing"; on config.json: "Hash
    mismatch" (it is not the signed file). Not a pass, not tampering: the signed bytes are simply not here."""
    repo = Repo(_single(tmp_path, weights=False))
    res = inspect_bundle(repo, PINNED, "models/model.sig")
    assert res["status"] == "signed_file_missing" and res["valid"] is False and res["signed_file"] is None
    assert SINGLE_DIGEST in res["detail"] and "signed as weights.bin" in res["detail"]
    assert "not evidence of tampering" in res["detail"] and "changed" not in res["detail"]
    assert "gpg" not in res["summary"] and "model_signing verify key" in res["detail"]
    assert res["unlisted"] == [] and res["resources"][0]["status"] == "not_found"
    assert bundle_status_for(repo, PINNED, "models/model.sig", "models/config.json") is None


def test_single_file_bundle_finds_a_renamed_copy_by_its_bytes_only(tmp_path: Path) -> None:
    """model_signing verify key on a renamed copy: "Verification succeeded" (the signed name is not checked)."""
    root = _single(tmp_path, weights=False)
    shutil.copyfile(SINGLE / "weights.bin", root / "models" / "renamed.bin")
    repo = Repo(root)
    res = inspect_bundle(repo, PINNED, "models/model.sig")
    assert res["status"] == "valid" and res["signed_file"] == "models/renamed.bin"
    # a file of another name and other bytes is never taken for the signed file
    (root / "models" / "renamed.bin").write_bytes(b"other bytes")
    assert inspect_bundle(Repo(root), PINNED, "models/model.sig")["status"] == "signed_file_missing"


def test_single_file_bundle_whose_named_file_changed_is_bad_even_with_an_intact_copy_elsewhere(
        tmp_path: Path) -> None:
    """The file beside the bundle under the signed name is the one a loader reads: changed, it is a bad signature
    (model_signing verify key on it: "Hash mismatch for '.'"), whatever intact copy sits elsewhere."""
    root = _single(tmp_path)
    (root / "backup").mkdir()
    shutil.copyfile(SINGLE / "weights.bin", root / "backup" / "weights.bin")
    data = bytearray((root / "models" / "weights.bin").read_bytes())
    data[0] ^= 0x01
    (root / "models" / "weights.bin").write_bytes(bytes(data))
    res = inspect_bundle(Repo(root), PINNED, "models/model.sig")
    assert res["status"] == "bad_signature" and res["signed_file"] == "models/weights.bin", res["detail"]


def test_single_file_bundle_in_a_parent_folder_covers_the_file_holding_its_bytes(tmp_path: Path) -> None:
    """model_signing verify key --signature model.sig ... models/sub/weights.bin: "Verification succeeded" (the
    bundle names no path); another model file there is not covered by it (the verifier says "Hash mismatch")."""
    root = _single(tmp_path, weights=False)
    shutil.move(root / "models" / "model.sig", root / "model.sig")
    (root / "models" / "sub").mkdir()
    shutil.copyfile(SINGLE / "weights.bin", root / "models" / "sub" / "weights.bin")
    (root / "models" / "sub" / "other.bin").write_bytes(b"other")
    repo = Repo(root)
    assert inspect_bundle(repo, PINNED, "model.sig")["signed_file"] == "models/sub/weights.bin"
    covered = bundle_status_for(repo, PINNED, "model.sig", "models/sub/weights.bin")
    assert covered is not None and covered["status"] == "valid" and covered["signed_file"] == "models/sub/weights.bin"
    assert bundle_status_for(repo, PINNED, "model.sig", "models/sub/other.bin") is None


def test_single_file_bundle_without_a_pinned_key_keeps_the_key_status(tmp_path: Path) -> None:
    res = inspect_bundle(Repo(_single(tmp_path, weights=False)), _settings(), "models/model.sig")
    assert res["status"] == "unknown_key" and SINGLE_DIGEST in res["detail"]


def test_real_keyless_single_file_bundle_whose_file_was_never_committed() -> None:
    """The corpus bundle (tests/realworld/repos/mlsec-lab-sigstore-bundle): model_signing 1.1.1 keyless over
    model_1.pkl, which the repository never held; it sits in output/ next to an unrelated SBOM."""
    root = Path(__file__).parents[1] / "realworld" / "repos" / "mlsec-lab-sigstore-bundle" / "repo"
    res = inspect_bundle(Repo(root), _settings(), "output/model.sig")
    assert res["status"] == "signed_file_missing" and res["unlisted"] == []
    assert "52934850fcc2c420f63b5aa4d75ab82931c31d398cb6bddb7d32eb0dc42f8dab" in res["detail"]
    assert "model_1.pkl" in res["detail"] and "NOT verified offline" in res["detail"]
    assert "model_signing verify sigstore" in res["detail"] and "gpg" not in res["summary"]
    assert res["user_id"].startswith("beaverloverock@gmail.com")
    assert res["fingerprint"] == "sha256:4d151d7cb8c93fe52214489a00776e0a3f684d4f731a75bf767b77aa7ef22564"
    assert res["signed_at"] == "2026-05-25T20:54:00Z"


def test_cli_single_file_bundle_covers_its_model_file(tmp_path: Path) -> None:
    root = _single(tmp_path)
    _passes_then_fails_when_changed(root, "keys/signer.pub.pem", root / "models" / "weights.bin")
