"""Unsafe-serialization scanning: real malicious pickles are flagged without ever being loaded."""

from __future__ import annotations

import collections
import gzip
import io
import json
import os
import pickle
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from aima_gate.core.errors import ArtifactError
from aima_gate.integrity.allowlist import Allowlist
from aima_gate.integrity.model_files import inspect_model_file
from aima_gate.integrity.pickle_reader import PickleError
from aima_gate.integrity.pickle_scan import scan
from aima_gate.safeio.repo import Repo
from tests.conftest import check_json


class _MakesMarker:
    """Pickling this records a call to os.system; loading the pickle would run it (and create the marker)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


class _Eval:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (eval, ("1+1",))


def inspect(root: Path, rel: str, data: bytes) -> dict[str, Any]:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_bytes(data)
    return inspect_model_file(Repo(root), rel)


def test_malicious_pickle_is_flagged_and_never_loaded(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    repo = tmp_path / "repo"
    (repo / "models").mkdir(parents=True)
    payload = pickle.dumps({"weights": [0.1, 0.2], "hook": _MakesMarker(marker)}, protocol=4)
    (repo / "models" / "model.pkl").write_bytes(payload)
    code, report = check_json(repo, "--policy", "model_file.no-unsafe-serialization")
    assert code == 1
    (finding,) = [f for f in report["findings"] if f["policy_id"] == "model_file.no-unsafe-serialization"]
    assert finding["status"] == "fail"
    actual = finding["evidence"][0]["actual"]
    pos = payload.index(b"\x93")  # the STACK_GLOBAL opcode that imports os.system
    assert f"{os.system.__module__}.system imported by STACK_GLOBAL at byte {pos}" in actual
    assert not marker.exists(), "the gate must never load the pickle"


@pytest.mark.parametrize("proto", range(6))
def test_every_protocol(tmp_path: Path, proto: int) -> None:
    data = inspect(tmp_path, "m.pkl", pickle.dumps([collections.OrderedDict(a=1), _Eval(), "x" * 10_000], proto))
    # protocols 0-2 spell the module __builtin__ (Python 2 names): reported as find_class resolves it, and the
    # evidence also shows what the bytes say
    assert [u["import"] for u in data["unsafe_imports"]] == ["builtins.eval"]
    if proto < 3:
        assert "spelled __builtin__.eval" in data["unsafe_imports"][0]["detail"]
    assert data["format"] == "pickle" and data["scanned"]


def test_stack_global_through_the_memo_is_resolved() -> None:
    # module and name pushed once, memoized, then fetched with BINGET before STACK_GLOBAL
    raw = (b"\x80\x04\x8c\x02os\x94\x8c\x06system\x94h\x00h\x01\x93\x8c\x02id\x85R.")
    (imp,) = scan(io.BytesIO(raw)).imports
    assert (imp.module, imp.name, imp.computed) == ("os", "system", False)


def test_computed_import_is_dangerous() -> None:
    # the module name is built at load time (str("os") through REDUCE): cannot be resolved, so it fails closed
    raw = b"\x80\x04\x8c\x08builtins\x8c\x03str\x93\x8c\x02os\x85R\x8c\x06system\x93."
    _str_import, imp = scan(io.BytesIO(raw)).imports
    assert imp.computed and Allowlist({}).decide(imp).verdict == "dangerous"


def test_a_list_where_stack_global_wants_a_str_is_a_corrupt_pickle() -> None:
    # pickle.load raises "STACK_GLOBAL requires str" here: nothing is imported, and the walker says so
    with pytest.raises(PickleError, match="requires str"):
        scan(io.BytesIO(b"\x80\x04(\x8c\x01o\x8c\x01sl\x8c\x06system\x93."))


def test_pytorch_style_zip_with_malicious_data_pkl(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps({"w": _Eval()}, protocol=2))
        zf.writestr("archive/data/0", b"\x80\x02" + b"\x00" * 64)  # raw storage: not a pickle, never scanned
        zf.writestr("archive/version", "3\n")
    data = inspect(tmp_path, "model.pt", buf.getvalue())
    assert data["format"] == "zip"
    (u,) = data["unsafe_imports"]
    assert u["member"] == "archive/data.pkl" and u["import"] == "builtins.eval"
    assert "of archive/data.pkl" in u["detail"]


@pytest.mark.parametrize("compress", [zlib.compress, gzip.compress])
def test_compressed_joblib(tmp_path: Path, compress: object) -> None:
    data = inspect(tmp_path, "model.joblib", compress(pickle.dumps(_Eval(), protocol=3)))  # type: ignore[operator]
    assert data["compression"] in ("zlib", "gzip")
    assert data["unsafe_imports"][0]["import"] == "builtins.eval"


def test_numpy_object_array_pickle(tmp_path: Path) -> None:
    header = b"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    raw = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + pickle.dumps([_Eval()], protocol=3)
    data = inspect(tmp_path, "arr.npy", raw)
    assert data["unsafe_imports"][0]["import"] == "builtins.eval"


def test_benign_pickle_has_no_unsafe_imports(tmp_path: Path) -> None:
    data = inspect(tmp_path, "ok.pkl", pickle.dumps({"coef": [1.0, 2.0], "od": collections.OrderedDict()}))
    assert data["unsafe_imports"] == [] and data["imports"][0]["verdict"] == "allowed"


@pytest.mark.parametrize(("name", "raw", "message"), [
    ("truncated.pkl", pickle.dumps({"a": list(range(100))}, protocol=4)[:-7], "truncated"),
    ("cut-in-string.pkl", pickle.dumps("x" * 5000, protocol=4)[:100], "truncated"),
    ("garbage.pkl", b"\x80\x04\xff\xfe\xfd", "unknown opcode 0xff"),
    ("no-stop.pkl", b"\x80\x04K\x01", "before its STOP"),
    ("bad-memo.pkl", b"\x80\x04h\x05.", "memo"),
    ("underflow.pkl", b"\x80\x04R.", "stack"),
    ("empty.pkl", b"", "empty"),
])
def test_corrupt_pickles_are_errors_not_passes(tmp_path: Path, name: str, raw: bytes, message: str) -> None:
    with pytest.raises(ArtifactError) as err:
        inspect(tmp_path, name, raw)
    assert message in err.value.diagnosis
    assert err.value.file == name


def test_truncated_pickle_exits_2(tmp_path: Path) -> None:
    (tmp_path / "m.pkl").write_bytes(pickle.dumps(list(range(50)), protocol=4)[:-3])
    code, report = check_json(tmp_path, "--policy", "model_file.no-unsafe-serialization")
    assert code == 2 and report["verdict"] == "error"
    assert any(e["file"] == "m.pkl" and "byte" in e["message"] for f in report["findings"] for e in f["evidence"])


def _safetensors(n: int = 4) -> bytes:
    header = json.dumps({"w": {"dtype": "F32", "shape": [n], "data_offsets": [0, 4 * n]}}).encode()
    return struct.pack("<Q", len(header)) + header + b"\x00" * (4 * n)


def test_safe_formats_are_recognized(tmp_path: Path) -> None:
    assert inspect(tmp_path, "a.safetensors", _safetensors())["format"] == "safetensors"
    assert inspect(tmp_path, "b.gguf", b"GGUF\x03\x00\x00\x00" + b"\x00" * 16)["format"] == "gguf"
    assert inspect(tmp_path, "c.onnx", b"\x08\x07\x12\x07pytorch")["format"] == "onnx"
    for name in ("a.safetensors", "b.gguf", "c.onnx"):
        assert inspect_model_file(Repo(tmp_path), name)["safe_format"]


@pytest.mark.parametrize(("name", "raw"), [
    ("bad.safetensors", struct.pack("<Q", 10**9) + b"{}"),
    ("offsets.safetensors", _safetensors()[:-4]),
    ("bad.gguf", b"GGUF\x09\x00\x00\x00"),
    ("bad.onnx", b"PK\x03\x04"),
    ("weights.h5", b"\x89HDF\r\n\x1a\n" + b"\x00" * 8),
])
def test_bad_headers_and_unknown_formats_are_errors(tmp_path: Path, name: str, raw: bytes) -> None:
    with pytest.raises(ArtifactError):
        inspect(tmp_path, name, raw)


def test_scanner_streams_large_payloads_without_keeping_them() -> None:
    raw = pickle.dumps([b"\x00" * (8 << 20), "y" * (1 << 20)], protocol=4)
    res = scan(io.BytesIO(raw))
    assert res.imports == () and res.protocol == 4


def test_pickle_error_carries_position() -> None:
    with pytest.raises(PickleError) as err:
        scan(io.BytesIO(b"\x80\x04K\x01\xff"))
    assert err.value.position == 4


def test_unsafe_pickle_can_be_waived_until_expiry(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "legacy.pkl").write_bytes(b"cos\nsystem\n(S'true'\ntR.")
    waiver = """waivers:
  - policy: model_file.no-unsafe-serialization
    subject: models/legacy.pkl
    reason: legacy model reviewed by security; replaced by safetensors in Q1
    owner: ml-security@example.test
    expires: "{expires}"
"""
    (tmp_path / ".aima-gate.yml").write_text(waiver.format(expires="2026-12-31"))
    code, report = check_json(tmp_path, "--policy", "model_file.no-unsafe-serialization")
    assert code == 0 and report["findings"][0]["status"] == "waived"
    (tmp_path / ".aima-gate.yml").write_text(waiver.format(expires="2026-11-01"))
    code, report = check_json(tmp_path, "--policy", "model_file.no-unsafe-serialization")
    assert code == 1


def test_a_raw_weights_bin_is_data_but_a_pickle_bin_is_walked(tmp_path: Path) -> None:
    # torch.load would unpickle a pytorch_model.bin; raw float weights named .bin stop pickle.load at byte 0
    raw = struct.pack("<4f", 0.25, -1.5, 3.0, 0.0)
    data = inspect(tmp_path, "weights.bin", raw)
    assert data["format"] == "data" and data["unsafe_imports"] == []
    evil = inspect(tmp_path, "pytorch_model.bin", b"cos\nsystem\n(S'id'\ntR.")
    assert [u["import"] for u in evil["unsafe_imports"]] == ["os.system"]
