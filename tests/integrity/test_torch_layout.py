"""Torch checkpoints are read as torch.load reads them (issue 12): raw storage bytes are tensor data, whatever
pickle opcode they happen to start with, and everything torch would unpickle is still scanned."""

from __future__ import annotations

import io
import pickle
import struct
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from aima_gate.integrity.model_files import inspect_model_file
from aima_gate.integrity.torch_layout import ELEMENT_SIZES, LEGACY_PREFIXES, is_legacy_stream
from aima_gate.safeio.repo import Repo
from tests.integrity.test_adversarial import require

# First bytes that open like a pickle: PROTO, EXT2, GLOBAL (a whole os.system import), EXT1, STACK_GLOBAL after
# two strings, INST, a protocol-0 call, FRAME.
OPENINGS = (b"\x80\x02", b"\x83\x01\x00", b"cos\nsystem\n", b"\x82\x05", b"\x80\x04\x8c\x02os\x8c\x06system\x93",
            b"ios\nsystem\n(S'x'\ntR.", b"cos\nsystem\n(S'echo'\ntR.", b"\x95\x10\x00\x00\x00\x00\x00\x00\x00")


def _tensor(lead: bytes, numel: int = 32) -> Any:
    import torch

    raw = bytearray(lead.ljust(numel * 4, b"\x00")[: numel * 4])
    return torch.frombuffer(raw, dtype=torch.float32).clone()


def _scan(root: Path, rel: str) -> dict[str, Any]:
    data = inspect_model_file(Repo(root), rel)
    assert data["unsafe_imports"] == [], [u["detail"] for u in data["unsafe_imports"][:3]]
    return data


@pytest.fixture(autouse=True)
def _torch() -> None:
    require("torch")


@pytest.mark.parametrize("lead", OPENINGS, ids=lambda b: b[:4].hex())
@pytest.mark.parametrize("zipped", [True, False], ids=["zip", "legacy"])
def test_storage_bytes_that_open_like_a_pickle_are_tensor_data(tmp_path: Path, lead: bytes, zipped: bool) -> None:
    import torch

    # legacy layout: 99 elements put 0x63 ('c', GLOBAL) in the first byte of the storage's size header
    state = {"w": _tensor(lead, 99), "b": _tensor(lead[::-1], 7), "n": torch.arange(5)}
    torch.save(state, tmp_path / "m.pt", _use_new_zipfile_serialization=zipped)
    data = _scan(tmp_path, "m.pt")
    assert any("raw tensor data" in n for n in data["notes"]), data["notes"]
    assert torch.equal(torch.load(tmp_path / "m.pt")["w"], state["w"])  # the file is an ordinary checkpoint


def test_every_first_byte_of_a_storage_and_of_its_size_header_scans_clean(tmp_path: Path) -> None:
    """No seed: 256 storages whose first data byte, and (legacy) size header byte, take every value 0-255."""
    import torch

    state = {f"t{b}": torch.cat([torch.tensor([b], dtype=torch.uint8), torch.randint(0, 256, (b,),
                                                                                    dtype=torch.uint8)])
             for b in range(256)}
    state |= {f"f{b}": torch.randn(b + 1) for b in range(0, 256, 7)}
    torch.save(state, tmp_path / "z.pt")
    torch.save(state, tmp_path / "l.pt", _use_new_zipfile_serialization=False)
    zipped = _scan(tmp_path, "z.pt")
    assert any("293 of them torch storages" in n for n in zipped["notes"]), zipped["notes"]
    legacy = _scan(tmp_path, "l.pt")
    assert legacy["pickles"][0]["view"] == "torch.load" and legacy["pickles"][0]["pickles"] == 5
    assert legacy["pickles"][0]["skipped_array_bytes"] == sum(t.numel() * t.element_size() for t in state.values())


@pytest.mark.parametrize("run", range(3))
def test_random_modules_without_a_seed_scan_clean(tmp_path: Path, run: int) -> None:
    import torch

    net = torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.ReLU(), torch.nn.BatchNorm1d(64),
                              torch.nn.Linear(64, 4)).to(torch.float64 if run else torch.float32)
    torch.save(net, tmp_path / "full.pth")
    torch.save(net.state_dict(), tmp_path / "pytorch_model.bin")
    torch.save(net.state_dict(), tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    torch.save([torch.randn(3).half(), torch.randn(2).bfloat16(), torch.ones(2, dtype=torch.bool)],
               tmp_path / "dtypes.pt", _use_new_zipfile_serialization=False)
    for rel in ("full.pth", "pytorch_model.bin", "legacy.pt", "dtypes.pt"):
        _scan(tmp_path, rel)


def test_torchscript_storages_written_before_data_pkl_are_tensor_data(tmp_path: Path) -> None:
    import torch

    lin = torch.nn.Linear(3, 8)
    with torch.no_grad():
        lin.weight.copy_(_tensor(b"cos\nsystem\n", 24).reshape(8, 3))
    torch.jit.save(torch.jit.script(lin), tmp_path / "scripted.pt")
    names = zipfile.ZipFile(tmp_path / "scripted.pt").namelist()
    assert names.index("scripted/data/0") < names.index("scripted/data.pkl")
    data = inspect_model_file(Repo(tmp_path), "scripted.pt")
    assert any("torch storages read as raw" in n for n in data["notes"])
    # TorchScript's classes (__torch__.*) and its code/ sources read as pickles are not passed by the default
    # allowlist (a separate matter); the weights themselves never show up as imports
    assert data["unsafe_imports"] and not [u for u in data["unsafe_imports"] if "/data/" in u["member"]]


# ---------------------------------------------------------------------------------------------------- fail closed
def _evil() -> bytes:
    return b"cos\nsystem\n(S'echo pwned'\ntR."


def _rebuild(zip_bytes: bytes, change: dict[str, bytes | None], extra: dict[str, bytes] | None = None) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(zip_bytes))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in src.namelist():
            body = change.get(name, src.read(name))
            if body is not None:
                zf.writestr(name, body)
        for name, body in (extra or {}).items():
            zf.writestr(name, body)
    return out.getvalue()


def _checkpoint() -> bytes:
    import torch

    buf = io.BytesIO()
    torch.save({"w": torch.ones(8)}, buf)
    return buf.getvalue()


@pytest.mark.parametrize(("case", "build"), [
    ("unreferenced storage", lambda b: _rebuild(b, {}, {"archive/data/7": _evil()})),
    ("storage outside the folder", lambda b: _rebuild(b, {}, {"other/data/0": _evil()})),
    ("duplicated storage name", lambda b: _rebuild(b, {}, {"archive/data/0": _evil()})),
    ("data.pkl itself", lambda b: _rebuild(b, {"archive/data.pkl": _evil()})),
    ("constants.pkl", lambda b: _rebuild(b, {}, {"archive/constants.pkl": _evil()})),
    ("metadata member", lambda b: _rebuild(b, {"archive/version": _evil()})),
], ids=lambda v: v if isinstance(v, str) else "")
def test_what_torch_does_not_read_as_raw_storage_is_still_scanned(tmp_path: Path, case: str, build: Any) -> None:
    blob = build(_checkpoint())
    (tmp_path / "m.pt").write_bytes(blob)
    data = inspect_model_file(Repo(tmp_path), "m.pt")
    assert any(u["import"] == "os.system" for u in data["unsafe_imports"]), (case, data["notes"])


def test_a_referenced_storage_holding_a_pickle_is_never_unpickled_by_torch(tmp_path: Path) -> None:
    """The design's premise, checked on the real loader: torch.load reads data/<key> as raw bytes."""
    blob = _rebuild(_checkpoint(), {"archive/data/0": _evil().ljust(32, b" ")})
    (tmp_path / "m.pt").write_bytes(blob)
    assert inspect_model_file(Repo(tmp_path), "m.pt")["unsafe_imports"] == []
    code = "import torch, sys\nprint(torch.load(sys.argv[1], weights_only=False)['w'].numel())"
    proc = subprocess.run([sys.executable, "-c", code, "m.pt"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=True)
    assert proc.stdout.strip() == "8" and not (tmp_path / "pwned").exists()


class _System:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return (os.system, ("echo pwned",))


def _legacy(after: bytes = b"", obj: object = None) -> bytes:
    import torch

    buf = io.BytesIO()
    torch.save({"w": torch.ones(4), "x": obj}, buf, _use_new_zipfile_serialization=False)
    return buf.getvalue() + after


@pytest.mark.parametrize(("case", "blob"), [
    ("pickle after the last storage", lambda: _legacy(_evil())),
    ("the object pickle", lambda: _legacy(obj=_System())),
], ids=lambda v: v if isinstance(v, str) else "")
def test_legacy_bytes_torch_does_not_read_as_storage_are_still_scanned(tmp_path: Path, case: str, blob: Any) -> None:
    (tmp_path / "m.pt").write_bytes(blob())
    data = inspect_model_file(Repo(tmp_path), "m.pt")
    assert any(u["name"] == "system" for u in data["unsafe_imports"]), (case, data["notes"])


def test_the_legacy_prefixes_are_what_torch_writes_for_every_protocol() -> None:
    import torch

    for proto in range(2, pickle.HIGHEST_PROTOCOL + 1):
        buf = io.BytesIO()
        torch.save({"w": torch.ones(2)}, buf, _use_new_zipfile_serialization=False, pickle_protocol=proto)
        assert is_legacy_stream(buf.getvalue())
    assert len(set(LEGACY_PREFIXES)) == len(LEGACY_PREFIXES)


def test_element_sizes_match_torch() -> None:
    import torch

    names = torch.storage._dtype_to_storage_type_map()
    size = torch._utils._element_size
    real = {name: size(dtype) for dtype, name in names.items()}  # type: ignore[no-untyped-call]
    assert real == ELEMENT_SIZES


# ---------------------------------------------------------------------------------------------------- legacy tar
def _tar_checkpoint(lead: bytes) -> bytes:
    """torch's pre-zip tar layout (read by torch.serialization.legacy_load), one float tensor of 4 elements."""
    import torch

    data = lead.ljust(16, b"\x00")[:16]

    class _Pickler(pickle.Pickler):
        def persistent_id(self, obj: Any) -> Any:
            return "1" if obj == "TENSOR" else None

    main = io.BytesIO()
    _Pickler(main, protocol=2).dump({"w": "TENSOR"})
    members = {
        "sys_info": pickle.dumps({"protocol_version": 1001, "little_endian": True}, protocol=2),
        "storages": pickle.dumps(1, protocol=2) + pickle.dumps((0, "cpu", torch.FloatStorage), protocol=2)
        + struct.pack("<q", 4) + data + pickle.dumps([], protocol=2),
        "tensors": pickle.dumps(1, protocol=2) + pickle.dumps((1, 0, None), protocol=2)  # type unused by torch
        + struct.pack("<ii", 1, 0) + struct.pack("<qqq", 4, 1, 0),
        "pickle": main.getvalue(),
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:", format=tarfile.PAX_FORMAT) as tf:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tf.addfile(info, io.BytesIO(body))
    return buf.getvalue()


@pytest.mark.parametrize("lead", OPENINGS[:4], ids=lambda b: b[:4].hex())
def test_legacy_tar_checkpoints_are_read_as_torch_reads_them(tmp_path: Path, lead: bytes) -> None:
    (tmp_path / "old.pt").write_bytes(_tar_checkpoint(lead))
    data = _scan(tmp_path, "old.pt")
    assert {p["member"] for p in data["pickles"] if p["view"] == "torch.load"} == {"storages", "tensors"}
    code = "import torch, sys\nprint(torch.load(sys.argv[1], weights_only=False)['w'].shape)"
    proc = subprocess.run([sys.executable, "-c", code, "old.pt"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=True)
    assert proc.stdout.strip() == "torch.Size([4])"
