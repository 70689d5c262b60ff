"""Post-quantum (ML-DSA) model-signing bundles: the real model_signing v1.1.0 ML-DSA-65 test bundle
(tests/data/model-signing/v1.1.0-ml-dsa, see PROVENANCE.md) verifies with its pinned raw public key; where the
installed cryptography cannot verify ML-DSA the status is unsupported_algorithm, never bad_signature."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from aima_gate.integrity import model_signing
from aima_gate.safeio.repo import Repo
from tests.conftest import DATA
from tests.realcomponents import module

SAMPLE = DATA / "model-signing" / "v1.1.0-ml-dsa"
PUB = DATA / "model-signing" / "ml-dsa-signing-key.pub"


def _repo(tmp_path: Path) -> Repo:
    shutil.copytree(SAMPLE, tmp_path / "model")
    (tmp_path / "keys").mkdir()
    shutil.copyfile(PUB, tmp_path / "keys" / "ml-dsa.pub")
    return Repo(tmp_path)


def _inspect(repo: Repo, *keys: str) -> dict[str, object]:
    return model_signing._inspect(repo, {"signing": {"model_signing_keys": list(keys)}}, "model/model.sig")


def test_real_ml_dsa_bundle_verifies_with_the_pinned_key(tmp_path: Path) -> None:
    module("cryptography.hazmat.primitives.asymmetric.mldsa")  # fails under CI, skips locally
    data = _inspect(_repo(tmp_path), "keys/ml-dsa.pub")
    assert data["status"] == "valid", data["detail"]
    assert data["unlisted"] == []  # ignore-me is in the bundle's serialization.ignore_paths
    assert [r["status"] for r in data["resources"]] == ["match", "match"]  # type: ignore[attr-defined]


def test_without_ml_dsa_support_it_is_unsupported_not_tampered(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_signing, "_mldsa_types", lambda: ())
    monkeypatch.setattr(model_signing, "_load_raw_mldsa", lambda data: model_signing.UNSUPPORTED_KEY)
    data = _inspect(_repo(tmp_path), "keys/ml-dsa.pub")
    assert data["status"] == "unsupported_algorithm" and data["valid"] is False
    assert "ML_DSA_65" in str(data["detail"]) and "not evidence of tampering" in str(data["detail"])


def test_a_tampered_file_is_still_a_bad_signature(tmp_path: Path) -> None:
    module("cryptography.hazmat.primitives.asymmetric.mldsa")  # fails under CI, skips locally
    repo = _repo(tmp_path)
    (tmp_path / "model" / "f0").write_text("changed\n")
    data = _inspect(repo, "keys/ml-dsa.pub")
    assert data["status"] == "bad_signature" and "model/f0 changed after signing" in str(data["detail"])


def test_another_pinned_key_does_not_verify_it(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    (tmp_path / "keys" / "other.pem").write_bytes(
        other.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    data = _inspect(repo, "keys/other.pem")
    assert data["status"] == "bad_signature" and "any pinned key" in str(data["detail"])
