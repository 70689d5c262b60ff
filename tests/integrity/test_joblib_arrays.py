"""A real scikit-learn model saved with joblib: its numpy arrays are raw bytes between pickle opcodes. The gate
refuses to skip them (pickle.load would run them as opcodes) and says so plainly, instead of calling the file
corrupt. (scikit-learn and joblib come with the test extra through fairlearn.)"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import TODAY, run_cli


def test_sklearn_joblib_file_is_refused_with_a_joblib_specific_diagnosis(tmp_path: Path) -> None:
    import joblib
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    model = LogisticRegression().fit(rng.random((40, 3)), rng.integers(0, 2, 40))
    (tmp_path / "models").mkdir()
    joblib.dump(model, tmp_path / "models" / "clf.joblib")
    proc = run_cli("check", str(tmp_path), "--policy", "model_file.no-unsafe-serialization", "--today",
                   TODAY.isoformat())
    assert proc.returncode == 2, proc.stdout[-2000:]
    assert "clf.joblib:1: cannot scan joblib file: raw numpy array data follows a NumpyArrayWrapper" in proc.stdout
    assert "skops, ONNX, safetensors" in proc.stdout
