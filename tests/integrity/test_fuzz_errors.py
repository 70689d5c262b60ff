"""Fuzz: mutated model files (pickles, joblib, npy/npz, zip and tar archives) either scan or fail with an input
error naming the file (exit 2); the scanner never raises anything else (which would be exit 3)."""

from __future__ import annotations

import io
import pickle
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aima_gate.core.errors import ArtifactError
from aima_gate.integrity.containers import Limits
from aima_gate.integrity.model_files import inspect_model_file
from aima_gate.safeio.repo import Repo


def _seeds() -> dict[str, bytes]:
    import joblib
    import numpy as np

    obj = {"coef": np.arange(5.0), "names": np.array(["a", None], dtype=object), "k": [1, "x", 2.5]}
    buf = io.BytesIO()
    joblib.dump(obj, buf)
    jl = buf.getvalue()
    npz = io.BytesIO()
    np.savez(npz, a=np.zeros(3), b=np.array([1, None], dtype=object))
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w:") as tf:
        data = pickle.dumps({"a": 1}, 2)
        info = tarfile.TarInfo("pickle")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("archive/data.pkl", pickle.dumps({"w": (1, 2)}, 2))
        zf.writestr("archive/data/0", b"\x00" * 32)
    return {"m.pkl": pickle.dumps(obj["k"], 4), "m.joblib": jl, "z.joblib": zlib.compress(jl), "a.npz": npz.getvalue(),
            "t.pt": tar.getvalue(), "z.pt": zbuf.getvalue(), "p0.pkl": pickle.dumps([1, "a", (2,)], 0)}


SEEDS = _seeds()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(SEEDS)), edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)),
                                                           min_size=1, max_size=4),
       cut=st.one_of(st.none(), st.integers(0, 10**6)))
def test_mutated_files_scan_or_fail_with_an_input_error(tmp_path: Path, name: str, edits: list[tuple[int, int]],
                                                        cut: int | None) -> None:
    raw = bytearray(SEEDS[name])
    for pos, value in edits:
        raw[pos % len(raw)] = value
    if cut is not None:
        raw = raw[: cut % (len(raw) + 1)]
    (tmp_path / name).write_bytes(bytes(raw))
    try:
        inspect_model_file(Repo(tmp_path), name, limits=Limits(max_opcodes=200_000, max_seconds=20))
    except ArtifactError as exc:
        assert exc.file == name
    except Exception as exc:  # the failure this test exists to catch: any other exception is exit 3
        pytest.fail(f"{type(exc).__name__}: {exc} on mutated {name}")
