"""Class 8: input that used to crash the gate (exit 3, no file named) is an input error naming the file (exit 2).

Every case runs the real console script and writes the JSON and SARIF reports too (the GitHub Action always
writes JSON, so a crash while computing a finding's identity would let any pull request force exit 3).
"""

from __future__ import annotations

import base64
import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli, write

VALID_STATEMENT: dict[str, Any] = {
    "_type": "https://in-toto.io/Statement/v1",
    "subject": [{"name": "model", "digest": {"sha256": "0" * 64}}],
    "predicateType": "https://model_signing/signature/v1.0",
    "predicate": {"serialization": {"method": "files", "hash_type": "sha256", "allow_symlinks": False},
                  "resources": [{"name": "weights.bin", "algorithm": "sha256", "digest": "1" * 64}]},
}


def _bundle(statement: Any, **overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {"publicKey": {"rawBytes": base64.b64encode(b"not a key").decode(),
                                               "keyDetails": "PKIX_ECDSA_P256_SHA_256"}},
        "dsseEnvelope": {"payload": base64.b64encode(json.dumps(statement).encode()).decode(),
                         "payloadType": "application/vnd.in-toto+json",
                         "signatures": [{"sig": base64.b64encode(b"sig").decode()}]},
    }
    for dotted, value in overrides.items():
        *parents, last = dotted.split("__")
        node = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[last] = value
    return doc


def _statement(mutate: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    st = copy.deepcopy(VALID_STATEMENT)
    mutate(st)
    return st


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(st: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = st
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return mutate


WRONG_TYPES: dict[str, dict[str, Any]] = {
    "resources is an object": _bundle(_statement(_set("predicate.resources", {"a": 1}))),
    "a resource is a string": _bundle(_statement(_set("predicate.resources.0", "weights.bin"))),
    "a resource name is a number": _bundle(_statement(_set("predicate.resources.0.name", 7))),
    "a resource digest is a list": _bundle(_statement(_set("predicate.resources.0.digest", ["ab"]))),
    "a 64-character digest that is not hex": _bundle(_statement(_set("predicate.resources.0.digest", "zz" * 32))),
    "predicate is a list": _bundle(_statement(_set("predicate", []))),
    "serialization is a string": _bundle(_statement(_set("predicate.serialization", "files"))),
    "ignore_paths is a string": _bundle(_statement(_set("predicate.serialization.ignore_paths", "notes"))),
    "subject is a string": _bundle(_statement(_set("subject", "model"))),
    "subject[0] is a string": _bundle(_statement(_set("subject.0", "model"))),
    "subject digest is a string": _bundle(_statement(_set("subject.0.digest", "sha256:00"))),
    "v0.2 subject is a number": _bundle({"predicateType": "https://model_signing/Digests/v0.1", "subject": [3]}),
    "v0.2 subject digest sha256 is a number": _bundle({"predicateType": "https://model_signing/Digests/v0.1",
                                                       "subject": [{"name": "w", "digest": {"sha256": 5}}]}),
    "payload is a JSON array": _bundle(["not", "a", "statement"]),
    "payload is a number in the envelope": _bundle(VALID_STATEMENT, dsseEnvelope__payload=12),
    "signature is a list": _bundle(VALID_STATEMENT, dsseEnvelope__signatures__0__sig=["x"]),
    "payloadType is an object": _bundle(VALID_STATEMENT, dsseEnvelope__payloadType={"t": 1}),
    "publicKey is a string": _bundle(VALID_STATEMENT, verificationMaterial__publicKey="PEM"),
    "certificate is a list": _bundle(VALID_STATEMENT, verificationMaterial={"certificate": ["raw"]}),
    "chain certificates hold a string": _bundle(
        VALID_STATEMENT, verificationMaterial={"x509CertificateChain": {"certificates": ["raw"]}}),
}


@pytest.mark.parametrize("case", sorted(WRONG_TYPES))
def test_model_signing_bundle_with_wrong_types_is_an_input_error(tmp_path: Path, case: str) -> None:
    write(tmp_path, "model/weights.bin", "w")
    write(tmp_path, "model/model.sig", json.dumps(WRONG_TYPES[case]))
    proc = run_cli("check", str(tmp_path), "--policy", "signature.valid-and-allowlisted", "--format", "json",
                   "--report", f"sarif={tmp_path.parent / (tmp_path.name + '.sarif')}")
    assert proc.returncode == 2, f"{case}: {proc.stdout[-2000:]} {proc.stderr}"
    assert "internal error" not in proc.stderr
    errors = [f for f in json.loads(proc.stdout)["findings"] if f["status"] == "error"]
    assert [f["subject"]["file"] for f in errors] == ["model/model.sig"], errors


SURROGATE_JSON = '{"model_name": "fraud\\udc80", "overall": {"selection_rate": 0.5}}'


def _json_reports(root: Path) -> list[str]:
    out = root.parent / f"{root.name}-reports"
    return ["--report", f"json={out / 'r.json'}", "--report", f"sarif={out / 'r.sarif'}",
            "--report", f"markdown={out / 'r.md'}"]


def _assert_input_error(proc: Any, name: str) -> None:
    assert proc.returncode == 2, proc.stdout[-3000:] + proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    out = proc.stdout + proc.stderr
    assert name in out or json.dumps(name)[1:-1] in out, out[-3000:]  # as written, or as a JSON string


@pytest.mark.parametrize("rel", ["reports/fairness/bias-report.json", "registry/models.json",
                                 "monitoring/drift/m/drift-report.json"])
def test_lone_surrogate_escape_in_json_evidence_is_an_input_error(tmp_path: Path, rel: str) -> None:
    write(tmp_path, "registry/models.yml", "models:\n  - name: fraud\n    version: '1'\n")
    write(tmp_path, rel, SURROGATE_JSON)
    proc = run_cli("check", str(tmp_path), "--format", "json", *_json_reports(tmp_path))
    _assert_input_error(proc, rel)
    assert "lone UTF-16 surrogate" in proc.stdout


def test_lone_surrogate_in_a_model_signing_statement_is_an_input_error(tmp_path: Path) -> None:
    st = copy.deepcopy(VALID_STATEMENT)
    st["predicate"]["resources"][0]["name"] = "weights\udc80.bin"
    payload = json.dumps(st).encode()  # ensure_ascii: the surrogate travels as the escape \udc80
    doc = _bundle(VALID_STATEMENT)
    doc["dsseEnvelope"]["payload"] = base64.b64encode(payload).decode()
    write(tmp_path, "model/weights.bin", "w")
    write(tmp_path, "model/model.sig", json.dumps(doc))
    proc = run_cli("check", str(tmp_path), "--policy", "signature.valid-and-allowlisted", "--format", "json",
                   *_json_reports(tmp_path))
    _assert_input_error(proc, "model/model.sig")


@pytest.mark.parametrize("raw_name", [b"model\xff.pkl", b"weights-\xc3.safetensors", b"m\xed\xa0\x80.onnx"])
def test_file_name_that_is_not_utf8_is_named_not_a_crash(tmp_path: Path, raw_name: bytes) -> None:
    write(tmp_path, "registry/models.yml", "models:\n  - name: fraud\n    version: '1'\n")
    (tmp_path / "models").mkdir()
    with open(os.path.join(os.fsencode(tmp_path / "models"), raw_name), "wb") as fh:
        fh.write(b"\x80\x04K\x01.")
    proc = run_cli("check", str(tmp_path), "--format", "sarif", *_json_reports(tmp_path))
    shown = raw_name.decode("utf-8", "backslashreplace")
    _assert_input_error(proc, f"models/{shown}")
    assert "not valid UTF-8" in proc.stdout
    report = json.loads((tmp_path.parent / f"{tmp_path.name}-reports" / "r.json").read_text(encoding="utf-8"))
    assert any(f["subject"]["file"] == f"models/{shown}" for f in report["findings"])


def test_folder_name_that_is_not_utf8_is_named_not_a_crash(tmp_path: Path) -> None:
    write(tmp_path, "registry/models.yml", "models:\n  - name: fraud\n    version: '1'\n")
    folder = os.path.join(os.fsencode(tmp_path), b"gov\xfe")
    os.mkdir(folder)
    with open(os.path.join(folder, b"policy.md"), "wb") as fh:
        fh.write(b"---\nkind: ai_policy\n---\n# Policy\n")
    proc = run_cli("check", str(tmp_path), "--format", "json", *_json_reports(tmp_path))
    _assert_input_error(proc, "gov\\xfe/")
