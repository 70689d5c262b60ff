"""Class 8: input that used to crash the gate (exit 3, no file named) is an input error naming the file (exit 2).

Every case runs the real console script and writes the JSON and SARIF reports too (the GitHub Action always
writes JSON, so a crash while computing a finding's identity would let any pull request force exit 3).
"""

from __future__ import annotations

import base64
import copy
import json
import os
import shutil
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


# ------------------------------------------------------------------------ structure-aware fuzzing (class 8)
# Documents are generated from each artifact kind's JSON Schema (schemas/*.schema.json), then mutated (a value
# of the wrong type, a dropped or renamed key, a hostile string), written where that kind's collector looks, and
# parsed by EVERY collector. Any exception other than AimaGateError is a crash (exit 3): the test fails. Every
# result must also encode as UTF-8 and hash to a finding identity, as the reports do.
# (hypothesis-jsonschema was tried first; its 0.23.1 release breaks on the installed hypothesis 6.170, so the
# generator below covers the schema keywords these schemas use.)

import yaml  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from aima_gate.collectors import CollectContext, kinds, load_collector, parse_file  # noqa: E402
from aima_gate.core.clock import Clock  # noqa: E402
from aima_gate.core.errors import AimaGateError  # noqa: E402
from aima_gate.core.model import Artifact  # noqa: E402
from aima_gate.core.resources import load_schema  # noqa: E402
from aima_gate.pipeline.run_findings import error_finding  # noqa: E402
from aima_gate.safeio.repo import Repo  # noqa: E402
from tests.conftest import TODAY  # noqa: E402

FUZZ_TARGETS = {  # schema -> where a repository would hold such a file
    "attestation": "attestations.yml",
    "bias-report": "reports/fairness/bias-report.json",
    "data-validation": "data-validation/run.json",
    "dependency-scan": "security/safety-report.json",
    "document": "governance/policy.yml",
    "drift-report": "monitoring/drift/m/drift-report.json",
    "explainability-report": "explainability-report.json",
    "manifest": "m/SHA256SUMS",
    "mlflow-model": "m/MLmodel",
    "model-registry": "registry/models.yml",
    "model_file": "m/model.safetensors",
    "robustness-report": "robustness.yml",
    "sast-report": "security/bandit.json",
    "signature": "m/model.sig.json",
    "threat-model": "threat-model.yml",
}
HOSTILE_STRINGS = st.sampled_from(["", "../../etc/passwd", "/etc/hostname", "\x1b[31mred\x1b[0m", "a\nb", "\u202e",
                                   "x" * 5000, "0" * 64, "NaN", "2026-13-45", "*", "{{ }}", "%s%n", "\0"])
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False),
                         st.text(max_size=20), HOSTILE_STRINGS)
ANY_JSON = st.recursive(JSON_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                                st.dictionaries(st.text(max_size=8), inner,
                                                                                max_size=3)), max_leaves=8)


def _load_schema(name: str) -> dict[str, Any]:
    return load_schema(f"{name}.schema.json")


def from_schema(schema: Any, root: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """A strategy for values of ``schema`` (the keywords these schemas use; unknown ones fall back to any JSON)."""
    if not isinstance(schema, dict) or depth > 6:
        return JSON_SCALARS
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            return ANY_JSON
        node: Any = root
        for part in ref[2:].split("/"):
            node = node[part]
        return from_schema(node, root, depth + 1)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return st.one_of([from_schema(s, root, depth + 1) for s in schema[key]])
    if "allOf" in schema:
        return from_schema(schema["allOf"][0], root, depth + 1)
    typ = schema.get("type")
    if isinstance(typ, list):
        return st.one_of([from_schema({**schema, "type": t}, root, depth) for t in typ])
    if typ == "object" or "properties" in schema:
        props = schema.get("properties", {})
        required = [k for k in schema.get("required", []) if k in props]
        optional = [k for k in props if k not in required]
        fixed = {k: from_schema(props[k], root, depth + 1) for k in required}
        return st.fixed_dictionaries(fixed, optional={k: from_schema(props[k], root, depth + 1)
                                                      for k in optional})
    if typ == "array":
        return st.lists(from_schema(schema.get("items", {}), root, depth + 1),
                        min_size=min(schema.get("minItems", 0), 3), max_size=3)
    if typ == "string":
        return st.one_of(st.text(max_size=30), HOSTILE_STRINGS, st.dates().map(str))
    if typ == "integer":
        return st.integers(-10, 10**6)
    if typ == "number":
        return st.floats(-1e6, 1e6, allow_nan=False)
    if typ == "boolean":
        return st.booleans()
    if typ == "null":
        return st.none()
    return ANY_JSON


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[Any]) -> Any:
    """A schema-valid document with a few structural mutations at random places."""
    doc = draw(base)
    for _ in range(draw(st.integers(0, 3))):
        containers = [doc] if isinstance(doc, (dict, list)) else []
        found: list[Any] = []
        while containers:
            c = containers.pop()
            found.append(c)
            containers.extend(v for v in (c.values() if isinstance(c, dict) else c) if isinstance(v, (dict, list)))
        if not found:
            return draw(ANY_JSON)
        target = draw(st.sampled_from(found))
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        if not keys:
            continue
        key = draw(st.sampled_from(keys))
        action = draw(st.sampled_from(["retype", "drop", "rename"]))
        if action == "retype":
            target[key] = draw(ANY_JSON)
        elif action == "drop" or isinstance(target, list):
            del target[key]
        else:
            target[draw(st.text(max_size=6))] = target.pop(key)
    return doc


def _serialize(doc: Any, rel: str) -> str:
    if rel.endswith(".json"):
        return json.dumps(doc)
    return yaml.safe_dump(doc, allow_unicode=True)


def _through_every_collector(root: Path, rel: str) -> None:
    repo = Repo(root)
    clock = Clock.at(TODAY)
    for kind in sorted(kinds()):
        ctx = CollectContext(repo, {}, {}, clock, {})
        for item in parse_file(load_collector(kind), ctx, rel):  # the boundary the runner uses
            if isinstance(item, Artifact):
                json.dumps(item.data, ensure_ascii=False, default=str).encode("utf-8")
            else:
                assert isinstance(item, AimaGateError), (kind, item)
                finding = error_finding(item)
                assert finding.identity and item.render().encode("utf-8")


def _fuzz(name: str, tmp_path: Path, doc: Any) -> None:
    rel = FUZZ_TARGETS[name]
    root = tmp_path / "fuzz"
    shutil.rmtree(root, ignore_errors=True)
    write(root, rel, _serialize(doc, rel))
    _through_every_collector(root, rel)


def _fuzz_test(name: str, examples: int) -> Callable[[Path], None]:
    schema = _load_schema(name)

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(doc=mutated(from_schema(schema, schema)))
    def run(tmp_path: Path, doc: Any) -> None:
        _fuzz(name, tmp_path, doc)

    return run


@pytest.mark.parametrize("name", sorted(FUZZ_TARGETS))
def test_schema_fuzz_through_every_collector(tmp_path: Path, name: str) -> None:
    _fuzz_test(name, 15)(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FUZZ_TARGETS))
def test_schema_fuzz_through_every_collector_long(tmp_path: Path, name: str) -> None:
    _fuzz_test(name, 200)(tmp_path)


def test_a_cvss_score_too_large_for_a_float_is_an_input_error(tmp_path: Path) -> None:
    """JSON integers are unbounded; ``float()`` of a 401-digit one raised OverflowError (exit 3)."""
    report = json.loads((Path(__file__).parents[1] / "data/scans/trivy/trivy_fs_pip_requirements_golden.json")
                        .read_text(encoding="utf-8"))
    vuln = next(v for r in report["Results"] for v in r.get("Vulnerabilities") or [])
    vuln["CVSS"] = {"nvd": {"V3Score": "HUGE"}}
    write(tmp_path, "security/scans/trivy-fs.json", json.dumps(report).replace('"HUGE"', "1" + "0" * 400))
    write(tmp_path, "requirements.txt", "requests==2.19.1\n")
    proc = run_cli("check", str(tmp_path), "--format", "json", *_json_reports(tmp_path))
    _assert_input_error(proc, "security/scans/trivy-fs.json")
    assert "outside 0-10" in proc.stdout
