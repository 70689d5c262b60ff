"""A benign model corpus built at test time with the real libraries: what ordinary ML repositories ship.

Every file here must scan clean (no unreviewed import, no error): scikit-learn estimators and pipelines fitted
on DataFrames and on arrays, saved with joblib (plain and every compressor) and pickle (protocols 2-5);
xgboost, lightgbm and catboost models and boosters; torch state dicts and full modules (zip and legacy
formats); numpy arrays of plain, structured, datetime, string and object-free dtypes in .npy/.npz.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

Writer = Callable[[Path], None]


def sklearn_models() -> Iterator[tuple[str, Any]]:
    import numpy as np
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.decomposition import PCA
    from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.default_rng(0)
    x = rng.random((80, 4))
    y = (x[:, 0] + rng.random(80) * 0.3 > 0.6).astype(int)
    frame = pd.DataFrame(x, columns=["age", "income", "score", "tenure"])
    mixed = frame.assign(city=rng.choice(["a", "b", "c"], 80))
    estimators: dict[str, Callable[[], Any]] = {
        "logreg": LogisticRegression, "forest": lambda: RandomForestClassifier(n_estimators=5, random_state=0),
        "gbm": lambda: GradientBoostingClassifier(n_estimators=5), "hgb": lambda: HistGradientBoostingClassifier(
            max_iter=5), "knn": KNeighborsClassifier, "svc": lambda: SVC(probability=True), "tree":
        DecisionTreeClassifier, "mlp": lambda: MLPClassifier(max_iter=20), "ridge": Ridge,
        "scaled-pca": lambda: make_pipeline(StandardScaler(), PCA(2), LogisticRegression()),
    }
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, make in estimators.items():
            yield f"{name}-arrays", make().fit(x, y)
            yield f"{name}-frame", make().fit(frame, y)
        prep = ColumnTransformer([("num", StandardScaler(), ["age", "income"]), ("cat", OneHotEncoder(), ["city"])])
        yield "pipeline-mixed-frame", Pipeline([("prep", prep), ("clf", LogisticRegression())]).fit(mixed, y)


def writers(root: Path) -> Iterator[tuple[str, Writer]]:
    """(relative file name, writer) pairs; a writer creates the file under ``root``."""
    import joblib
    import numpy as np

    for name, model in sklearn_models():
        for suffix, kwargs in (("joblib", {}), ("z.joblib", {"compress": 3}), ("gz.joblib", {"compress": ("gzip", 3)}),
                               ("xz.joblib", {"compress": ("xz", 3)}), ("bz2.joblib", {"compress": ("bz2", 3)}),
                               ("lzma.joblib", {"compress": ("lzma", 3)}), ("pkl.gz", {})):
            yield f"sk/{name}.{suffix}", lambda p, m=model, k=kwargs: joblib.dump(m, p, **k)  # type: ignore[misc]
        for proto in (2, 4, 5):
            yield f"sk/{name}.p{proto}.pkl", lambda p, m=model, n=proto: p.write_bytes(pickle.dumps(m, protocol=n))  # type: ignore[misc]
    arrays = {"f8": np.arange(6.0), "i2": np.arange(6, dtype="i2").reshape(2, 3), "c16": np.ones(3, "c16"),
              "b1": np.array([True, False]), "f2": np.ones(3, "f2"), "U": np.array(["ab", "cde"]),
              "S": np.array([b"x", b"yz"]), "M8": np.array(["2024-01-01"], "M8[D]"),
              "structured": np.zeros(3, dtype=[("a", "<i4"), ("b", "<f8", (2,)), ("c", "U3")]),
              "fortran": np.asfortranarray(np.ones((3, 2)))}
    for name, arr in arrays.items():
        yield f"np/{name}.npy", lambda p, a=arr: np.save(p, a)  # type: ignore[misc]
        yield f"np/{name}.joblib", lambda p, a=arr: joblib.dump(a, p)  # type: ignore[misc]
    yield "np/all.npz", lambda p: np.savez(p, **arrays)  # type: ignore[arg-type]
    yield "np/all-compressed.npz", lambda p: np.savez_compressed(p, **arrays)  # type: ignore[arg-type]


def booster_writers() -> Iterator[tuple[str, str, Writer]]:
    """(module needed, file name, writer) for xgboost, lightgbm and torch."""
    import joblib
    import numpy as np

    rng = np.random.default_rng(1)
    x = rng.random((100, 3))
    y = (x[:, 0] > 0.5).astype(int)

    def xgb(p: Path) -> None:
        import xgboost

        joblib.dump(xgboost.XGBClassifier(n_estimators=4).fit(x, y), p)

    def xgb_booster(p: Path) -> None:
        import xgboost

        p.write_bytes(pickle.dumps(xgboost.train({}, xgboost.DMatrix(x, y), 3)))

    def lgb(p: Path) -> None:
        import lightgbm

        joblib.dump(lightgbm.LGBMClassifier(n_estimators=4, verbose=-1).fit(x, y), p)

    def lgb_booster(p: Path) -> None:
        import lightgbm

        p.write_bytes(pickle.dumps(lightgbm.train({"verbose": -1}, lightgbm.Dataset(x, y), 3)))

    def cat(p: Path) -> None:
        import catboost

        joblib.dump(catboost.CatBoostClassifier(iterations=4, verbose=False, allow_writing_files=False).fit(x, y), p)

    yield "catboost", "boost/catboost.joblib", cat
    yield "xgboost", "boost/xgb.joblib", xgb
    yield "xgboost", "boost/xgb-booster.pkl", xgb_booster
    yield "lightgbm", "boost/lgb.joblib", lgb
    yield "lightgbm", "boost/lgb-booster.pkl", lgb_booster
    yield from torch_writers()


def torch_writers() -> Iterator[tuple[str, str, Writer]]:
    yield from _torch_writers(seeded=True)
    yield from _torch_writers(seeded=False)


def _torch_writers(seeded: bool) -> Iterator[tuple[str, str, Writer]]:
    """Seeded (reproducible) and seed-free variants: raw storage bytes are tensor data whatever they start with."""
    tag = "" if seeded else "random-"

    def net() -> Any:
        import torch

        if seeded:
            torch.manual_seed(0)
        return torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.BatchNorm1d(8),
                                   torch.nn.Linear(8, 1))

    def save(obj: Callable[[], Any], **kw: Any) -> Writer:
        def write(p: Path) -> None:
            import torch

            torch.save(obj(), p, **kw)
        return write

    yield "torch", f"torch/{tag}state_dict.pt", save(lambda: net().state_dict())
    yield "torch", f"torch/{tag}pytorch_model.bin", save(lambda: net().state_dict())
    yield "torch", f"torch/{tag}full_module.pth", save(net)
    yield "torch", f"torch/{tag}legacy_state_dict.pt", save(lambda: net().state_dict(),
                                                             _use_new_zipfile_serialization=False)
    yield "torch", f"torch/{tag}legacy_full_module.pt", save(net, _use_new_zipfile_serialization=False)
