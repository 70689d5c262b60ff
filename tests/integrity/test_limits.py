"""Bounded work and malformed input: every limit ends in a clear error naming the file (exit 2), never a hang,
never an internal error (exit 3); installed packages are not model files."""

from __future__ import annotations

import io
import json
import struct
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest

from aima_gate.core.errors import ArtifactError
from aima_gate.integrity.containers import Limits
from aima_gate.integrity.model_files import inspect_model_file
from aima_gate.safeio.repo import Repo
from tests.conftest import check_json


def _flood(n: int) -> bytes:
    return zlib.compress(b"\x80\x04" + b"N0" * n + b"N.", 9)


def test_an_opcode_flood_stops_at_the_opcode_limit(tmp_path: Path) -> None:
    (tmp_path / "flood.joblib").write_bytes(_flood(2_000_000))
    with pytest.raises(ArtifactError, match="more than 1,000,000 pickle opcodes") as err:
        inspect_model_file(Repo(tmp_path), "flood.joblib", limits=Limits(max_opcodes=1_000_000))
    assert err.value.file == "flood.joblib"


def test_a_slow_scan_stops_at_the_time_limit(tmp_path: Path) -> None:
    (tmp_path / "flood.pkl").write_bytes(b"\x80\x04" + b"N0" * 400_000 + b"N.")
    with pytest.raises(ArtifactError, match="longer than 0 s"):
        inspect_model_file(Repo(tmp_path), "flood.pkl", limits=Limits(max_seconds=0.0))


@pytest.mark.slow
def test_the_compressed_opcode_flood_of_the_issue_ends_with_exit_2_under_default_limits(tmp_path: Path) -> None:
    data = _flood(150_000_000)  # about 0.6 MB compressed, 300 MB of opcodes
    assert len(data) < 1_000_000
    (tmp_path / "flood.joblib").write_bytes(data)
    start = time.monotonic()
    code, report = check_json(tmp_path, "--policy", "model_file.no-unsafe-serialization")
    assert code == 2 and time.monotonic() - start < 120
    (err,) = [e for f in report["findings"] for e in f["evidence"] if e["file"] != "."]
    assert err["file"] == "flood.joblib" and "limit" in err["message"]


def test_a_decompression_bomb_stops_at_the_ratio_limit(tmp_path: Path) -> None:
    (tmp_path / "bomb.pkl.gz").write_bytes(zlib.compress(b"\x80\x04" + b"N0" * 5_000_000, 9))
    (tmp_path / "bomb.joblib").write_bytes((tmp_path / "bomb.pkl.gz").read_bytes())
    with pytest.raises(ArtifactError, match="expands more than 100:1"):
        inspect_model_file(Repo(tmp_path), "bomb.joblib", limits=Limits(max_ratio=100, ratio_floor=1 << 20))


def _zip_bomb(path: Path, size: int) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("archive/data.pkl", "w",
                                                                         force_zip64=True) as member:
        chunk = b"\x00" * (1 << 20)
        for _ in range(size >> 20):
            member.write(chunk)


@pytest.mark.slow
def test_a_zip_member_expanding_1mb_to_1gb_is_refused_before_reading(tmp_path: Path) -> None:
    _zip_bomb(tmp_path / "model.pt", 1 << 30)
    assert (tmp_path / "model.pt").stat().st_size < 2 << 20
    code, report = check_json(tmp_path, "--policy", "model_file.no-unsafe-serialization")
    assert code == 2
    (err,) = [e for f in report["findings"] for e in f["evidence"] if e["file"] != "."]
    assert err["file"] == "model.pt" and "archive/data.pkl" in err["message"] and "bomb" in err["message"]


def test_a_small_zip_bomb_is_refused_with_small_limits(tmp_path: Path) -> None:
    _zip_bomb(tmp_path / "model.pt", 8 << 20)
    with pytest.raises(ArtifactError, match="decompression bomb limit"):
        inspect_model_file(Repo(tmp_path), "model.pt", limits=Limits(ratio_floor=1 << 20))


def test_an_npz_whose_header_claims_1gib_is_read_in_bounded_memory(tmp_path: Path) -> None:
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (134217728,), }"
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + b"\x00" * (1 << 20)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("w.npy", npy)
    (tmp_path / "w.npz").write_bytes(buf.getvalue())
    tracemalloc.start()
    data = inspect_model_file(Repo(tmp_path), "w.npz")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert data["unsafe_imports"] == [] and peak < 16 << 20


def _stored_zip(name: str, data: bytes) -> bytearray:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(name, data)
    return bytearray(buf.getvalue())


def _deflate64(raw: bytearray) -> bytes:
    # compression method 9 (deflate64) in both headers: zipfile raises NotImplementedError on open
    raw[8:10] = struct.pack("<H", 9)
    cd = raw.index(b"PK\x01\x02")
    raw[cd + 10: cd + 12] = struct.pack("<H", 9)
    return bytes(raw)


def _bad_local_header() -> bytes:
    # the file starts like a zip, but the second member's local header (what zipfile seeks to) is corrupt
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.npy", b"x" * 64)
        zf.writestr("b.npy", b"y" * 64)
    raw = bytearray(buf.getvalue())
    second = raw.index(b"PK\x03\x04", 4)
    raw[second: second + 4] = b"PK\x07\x07"
    return bytes(raw)


@pytest.mark.parametrize(("name", "make", "message"), [
    ("deflate64.pt", lambda: _deflate64(_stored_zip("archive/data.pkl", b"\x80\x02N.")), "archive/data.pkl"),
    ("bad-local.npz", _bad_local_header, "b.npy"),
    ("nested.safetensors", lambda: struct.pack("<Q", 200_001) + b"[" * 200_000 + b"]" + b"", "safetensors"),
    ("deep.safetensors", lambda: (lambda h: struct.pack("<Q", len(h)) + h)(b'{"a":' * 100_000 + b"1" + b"}" *
                                                                         100_000), "safetensors"),
    ("truncated.npz", lambda: bytes(_stored_zip("a.npy", b"x" * 64))[:-30], "zip"),
    ("big-header.npy", lambda: b"\x93NUMPY\x02\x00" + struct.pack("<I", 1 << 30) + b"{", "header"),
])
def test_malformed_containers_are_input_errors_naming_the_file(tmp_path: Path, name: str, make: object,
                                                               message: str) -> None:
    (tmp_path / name).write_bytes(make())  # type: ignore[operator]
    code, report = check_json(tmp_path, "--policy", "model_file.no-unsafe-serialization")
    assert code == 2, json.dumps(report)[:2000]
    # (the policy's own "selects no model_file" error is about the repository, file ".")
    errors = [e for f in report["findings"] for e in f["evidence"] if e["file"] != "."]
    assert errors and all(e["file"] == name for e in errors)
    assert message in errors[0]["message"]


def test_virtualenv_and_site_packages_files_are_not_model_files(tmp_path: Path) -> None:
    env = tmp_path / "env"
    site = env / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (env / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (site / "distutils-precedence.pth").write_text(
        "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'\n")
    (site / "vendored.bin").write_bytes(b"\x00\x01binary")
    other = tmp_path / "tools" / "dist-packages"
    other.mkdir(parents=True)
    (other / "x.pkl").write_bytes(b"\x00")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "paths.pth").write_text("../src\n# a path configuration file\nimport site\n")
    code, report = check_json(tmp_path, "--policy", "model_file.no-unsafe-serialization")
    assert code == 0, json.dumps(report)[:2000]
    subjects = {f["subject"]["file"] for f in report["findings"]}
    assert subjects == {"models/paths.pth"}
