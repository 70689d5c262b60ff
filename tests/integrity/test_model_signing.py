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
from aima_gate.integrity.model_signing import inspect_bundle, pae
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
    # pin the sample's own key (as a repository would pin its signer's key): the real DSSE signature verifies;
    # the signed model file itself is not in the sample, so the bundle still fails (listed file missing).
    shutil.copy(SAMPLES / "v1.0.0_elliptic_key_model.sig.json", tmp_path / "model.sig")
    doc = json.loads((tmp_path / "model.sig").read_text())
    (tmp_path / "signer.pem").write_bytes(base64.b64decode(doc["verificationMaterial"]["publicKey"]["rawBytes"]))
    res = inspect_bundle(Repo(tmp_path), _settings("signer.pem"), "model.sig")
    assert res["status"] == "bad_signature" and "is missing" in res["detail"]
    assert res["key_details"] == "PKIX_ECDSA_P384_SHA_384"


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


def test_cli_bundle_covers_model_file(model_dir: tuple[Path, object]) -> None:
    root, _ = model_dir
    (root / ".aima-gate.yml").write_text("signing:\n  model_signing_keys: [keys/model-signing.pub.pem]\n")
    code, report = check_json(root, "--policy", "signature.valid-and-allowlisted")
    assert code == 0, report["findings"]
    (root / "model" / "weights.safetensors").write_bytes(b"x" * 1000)
    code, report = check_json(root, "--policy", "signature.valid-and-allowlisted")
    assert code == 1
