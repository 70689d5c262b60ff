"""A real scikit-learn model saved with joblib: its numpy arrays are raw bytes between pickle opcodes. The gate
walks joblib's own format (skipping exactly the bytes each NumpyArrayWrapper declares, nested object-array
pickles with their own memo), so the model is scanned completely and passes; the same bytes read as plain
pickle.load would read them are walked too. (scikit-learn and joblib come with the test extra.)"""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import pytest

from aima_gate.core.errors import ArtifactError
from aima_gate.integrity.model_files import inspect_model_file
from aima_gate.safeio.repo import Repo
from tests.conftest import TODAY, run_cli


def _fit(frame: bool) -> object:
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    x = rng.random((40, 3))
    data = pd.DataFrame(x, columns=["a", "b", "c"]) if frame else x
    return LogisticRegression().fit(data, rng.integers(0, 2, 40))


@pytest.mark.parametrize("frame", [False, True], ids=["arrays", "dataframe"])
@pytest.mark.parametrize("compress", [0, 3])
def test_sklearn_joblib_file_is_scanned_completely_and_passes(tmp_path: Path, frame: bool, compress: int) -> None:
    import joblib

    (tmp_path / "models").mkdir()
    joblib.dump(_fit(frame), tmp_path / "models" / "clf.joblib", compress=compress)
    proc = run_cli("check", str(tmp_path), "--policy", "model_file.no-unsafe-serialization", "--today",
                   TODAY.isoformat())
    assert proc.returncode == 0, proc.stdout[-2000:]
    data = inspect_model_file(Repo(tmp_path), "models/clf.joblib")
    assert data["unsafe_imports"] == [] and data["pickles"][0]["complete"]
    assert data["pickles"][0]["skipped_array_bytes"] > 0


def _wrapper_then(tail: bytes, declared: int) -> bytes:
    """A joblib stream for a float64 array of `declared` elements, cut right after the wrapper's BUILD."""
    import joblib
    import numpy as np

    buf = io.BytesIO()
    joblib.dump(np.zeros(declared), buf)
    raw = buf.getvalue()
    for pad in range(256):  # layout: ... BUILD, pad length byte, pad bytes, array bytes, STOP
        k = len(raw) - 1 - 8 * declared - pad - 1
        if raw[k] == pad:
            return raw[:k] + tail
    raise AssertionError("no joblib padding found")


def test_bytes_past_the_declared_array_are_walked(tmp_path: Path) -> None:
    # a STOP after the array ends joblib's pickle; what follows is walked as a further pickle a loader may read
    evil = b"cos\nsystem\n(S'true'\ntR."
    (tmp_path / "m.joblib").write_bytes(_wrapper_then(b"\x00" + b"\x00" * 16 + b"." + evil, 2))
    data = inspect_model_file(Repo(tmp_path), "m.joblib")
    assert [u["import"] for u in data["unsafe_imports"]] == ["os.system"]


def test_padding_and_array_bytes_that_are_opcodes_for_plain_pickle_are_checked(tmp_path: Path) -> None:
    # joblib skips 78 padding bytes (length byte 'N') and the 24 declared array bytes; pickle.load would run them
    # as opcodes. The plain-pickle view catches the import.
    padding = b"cos\nsystem\n(S'x'\ntR0".ljust(78, b"N")
    (tmp_path / "m.pkl").write_bytes(_wrapper_then(b"N" + padding + b"\x00" * 24 + b".", 3))
    data = inspect_model_file(Repo(tmp_path), "m.pkl")
    (u,) = data["unsafe_imports"]
    assert u["import"] == "os.system" and u["view"] == "pickle.load"
    assert data["pickles"][0]["skipped_array_bytes"] == 24


def test_truncated_array_data_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "m.joblib").write_bytes(_wrapper_then(b"\x00" * 5, 2))
    with pytest.raises(ArtifactError, match="joblib raw array data"):
        inspect_model_file(Repo(tmp_path), "m.joblib")


def test_plain_pickle_of_the_same_model_passes(tmp_path: Path) -> None:
    (tmp_path / "m.pkl").write_bytes(pickle.dumps(_fit(True), protocol=5))
    assert inspect_model_file(Repo(tmp_path), "m.pkl")["unsafe_imports"] == []


def test_slotstate_in_a_build_pair_is_honoured_like_load_build(tmp_path: Path) -> None:
    # BUILD with (state, slotstate): joblib's wrapper gets __dict__.update(state) then setattr for slotstate, so
    # a shape smuggled in slotstate decides how many bytes joblib skips; the walker must agree
    import joblib
    import numpy as np

    buf = io.BytesIO()
    joblib.dump(np.zeros(2), buf)
    raw = buf.getvalue()
    pad = next(p for p in range(256) if raw[len(raw) - 1 - 16 - p - 1] == p)
    k = len(raw) - 1 - 16 - pad - 1  # the padding length byte; the wrapper's BUILD is just before it
    assert raw[k - 1: k] == b"b"
    pair = b"}\x8c\x05shapeK\x03\x85s\x86"  # ({state}, {"shape": (3,)}) replaces the state on the stack
    patched = raw[: k - 1] + pair + raw[k - 1: k + 1 + pad] + b"\x00" * 24 + b"."
    (tmp_path / "m.joblib").write_bytes(patched)
    assert joblib.load(tmp_path / "m.joblib").shape == (3,)
    data = inspect_model_file(Repo(tmp_path), "m.joblib")
    assert data["pickles"][0]["skipped_array_bytes"] == 24 and data["unsafe_imports"] == []


def test_a_wrapper_made_by_an_allowlisted_function_is_not_guessed(tmp_path: Path) -> None:
    # pandas' _new_Index(cls, d) calls cls.__new__(cls): handed joblib's wrapper class it makes a wrapper, and
    # joblib would then read array bytes after the BUILD. The walker cannot size that, so it refuses (exit 2).
    def u(s: str) -> bytes:
        return b"\x8c" + bytes([len(s)]) + s.encode()

    raw = (b"\x80\x04" + u("pandas.core.indexes.base") + u("_new_Index") + b"\x93"
           + u("joblib.numpy_pickle") + u("NumpyArrayWrapper") + b"\x93" + b"}\x86R}b.")
    (tmp_path / "m.joblib").write_bytes(raw)
    with pytest.raises(ArtifactError, match="may be a joblib NumpyArrayWrapper"):
        inspect_model_file(Repo(tmp_path), "m.joblib")
