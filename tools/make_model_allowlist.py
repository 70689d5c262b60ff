"""Generate ``src/aima_gate/integrity/default_allowlist.txt``: the pickle imports real ML models need.

Usage: .venv/bin/python tools/make_model_allowlist.py [--check]

The list is *recorded*, not guessed: the script builds real objects with the installed libraries (numpy arrays of
every dtype family, pandas frames and indexes, scipy sparse matrices, every scikit-learn estimator fitted on
arrays and on DataFrames, xgboost and lightgbm models, torch tensors, state dicts and modules when torch is
installed), pickles them with protocols 2, 4 and 5 and with ``joblib.dump``, and records every ``find_class`` call
a load makes (our own freshly made pickles, loaded in this process only). It then drops every name on ``DENY``:
callables that import or look up other names, call attributes, or run code (``getattr``, ``_ufunc_reconstruct``,
``functools.partial``, ...), and every function that is not a reconstructor (``_RECONSTRUCTOR``). What is left
are classes (unpickling calls ``__new__``/``__setstate__``, which for these data classes set fields) and
reconstructors that rebuild arrays, frames and tensors from data. The header records the library versions.
``--check`` fails when the committed file differs (CI can run it where the same versions are installed).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import pickle
import re
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "aima_gate" / "integrity" / "default_allowlist.txt"

# Hand-vetted standard-library entries (plain data types and the reconstructors protocol 0-2 pickles use).
STDLIB = [
    *(("builtins", n) for n in ("set", "frozenset", "slice", "complex", "bytearray", "range", "dict", "list",
                                "tuple", "int", "float", "str", "bytes", "bool")),
    ("collections", "OrderedDict"), ("collections", "defaultdict"), ("collections", "Counter"),
    ("collections", "deque"), ("datetime", "datetime"), ("datetime", "date"), ("datetime", "time"),
    ("datetime", "timedelta"), ("datetime", "timezone"), ("decimal", "Decimal"), ("fractions", "Fraction"),
    ("uuid", "UUID"), ("uuid", "SafeUUID"), ("copyreg", "_reconstructor"), ("_codecs", "encode"),
]
DENY_MODULES = re.compile(r"^(os|posix|nt|subprocess|sys|builtins|functools|operator|_operator|importlib|pickle|"
                          r"_pickle|joblib\.(?!numpy_pickle$).*|dill|cloudpickle|types|inspect|io|_io|codecs)$")
DENY_NAMES = re.compile(r"(_ufunc_reconstruct|getattr|__import__|_load_from_bytes|load|eval|exec|"
                        r"_get_dtype_from_pep3118|_from_name|partial|methodcaller|attrgetter)")
# Functions and singletons recorded from real models and vetted by reading their code: numeric functions that a
# model keeps as a hyper-parameter, Cython/pyarrow helpers that rebuild one object of a class they check, and
# constants. Calling them with attacker-chosen arguments computes, it does not run code.
VETTED = frozenset({
    ("numpy", "mean"), ("pandas", "NA"), ("numpy.random.bit_generator", "__pyx_unpickle_SeedSequence"),
    ("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked"), ("pandas._libs.tslibs.timedeltas", "_timedelta_unpickle"),
    ("pyarrow.lib", "py_buffer"), ("pyarrow.lib", "type_for_alias"),
    ("scipy._lib.array_api_compat.numpy._aliases", "asarray"), ("sklearn.cluster._kmeans", "_kmeans_single_lloyd"),
    ("sklearn.feature_selection._univariate_selection", "f_classif"),
    ("sklearn.metrics._classification", "balanced_accuracy_score"), ("sklearn.metrics._dist_metrics", "newObj"),
    ("sklearn.neighbors._kd_tree", "newObj"), ("sklearn.neighbors._ball_tree", "newObj"),
})
# Functions kept: they rebuild data objects from data (arrays, frames, tensors, RNG state), never look up names.
_RECONSTRUCTOR = re.compile(r"(^_reconstruct$|^_reconstructor$|^_rebuild_|^_unpickle|^_new_|_ctor$|"
                            r"^_mareconstruct$|^scalar$|^_restore_|^__newobj__$|^encode$|^_get_layout$|"
                            r"^_make_|^_create_|^_from_|^_frombuffer$)")


def versions() -> dict[str, str]:
    out = {"python": ".".join(map(str, sys.version_info[:3]))}
    for lib in ("numpy", "pandas", "scipy", "sklearn", "joblib", "xgboost", "lightgbm", "catboost", "torch"):
        with contextlib.suppress(ImportError):
            out[lib] = importlib.import_module(lib).__version__
    return out


def corpus() -> Iterator[Any]:
    import numpy as np

    yield from (np.zeros(3, dtype=d) for d in ("?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4",
                                                 "f8", "c8", "c16", "M8[ns]", "m8[s]", "U5", "S5", "O"))
    yield np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8", (3,)), ("c", "U3")])
    yield np.zeros(2, dtype=[("a", "<i4"), ("o", "O")])
    yield [np.float64(1.5), np.int64(3), np.bool_(True), np.str_("x"), np.datetime64("2024-01-01")]
    yield np.random.RandomState(0), np.random.default_rng(0), np.ma.masked_array([1, 2], mask=[0, 1])  # type: ignore[arg-type]
    yield np.matrix([[1, 2]])
    import pandas as pd

    df = pd.DataFrame({"i": [1, 2], "f": [0.5, 1.5], "s": ["a", "b"], "c": pd.Categorical(["x", "y"]),
                       "t": pd.to_datetime(["2024-01-01", "2024-01-02"]), "b": [True, False],
                       "tz": pd.to_datetime(["2024-01-01", "2024-01-02"]).tz_localize("UTC"),
                       "n": pd.array([1, None], dtype="Int64"), "st": pd.array(["a", None], dtype="string"),
                       "nb": pd.array([True, None], dtype="boolean"), "td": pd.to_timedelta([1, 2], unit="s")})
    yield df, df["f"], df.set_index(["i", "s"]), pd.RangeIndex(3), pd.Index(["a"]), pd.Timestamp("2024-01-01"),
    yield pd.Timedelta(1), pd.Period("2024-01"), pd.period_range("2024-01", periods=2, freq="M"), pd.Interval(0, 1)
    yield pd.CategoricalIndex(["a"]), pd.date_range("2024-01-01", periods=2), pd.IntervalIndex.from_breaks([0, 1])
    yield pd.arrays.SparseArray([0, 1]), df.dtypes
    import scipy.sparse as sp

    yield [sp.csr_matrix(np.eye(2)), sp.csc_matrix(np.eye(2)), sp.coo_matrix(np.eye(2)), sp.lil_matrix((2, 2)),
           sp.dok_matrix((2, 2)), sp.csr_array(np.eye(2)), sp.bsr_matrix(np.eye(2)), sp.dia_matrix(np.eye(2))]
    yield from sklearn_models(np, pd)
    yield from sklearn_composites(np, pd)
    yield from boosters(np, pd)
    yield from torch_objects()


def sklearn_models(np: Any, pd: Any) -> Iterator[Any]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.utils import all_estimators

    rng = np.random.default_rng(0)
    x = rng.random((60, 4)) + 0.1
    y = (x[:, 0] > 0.5).astype(int)
    frame = pd.DataFrame(x, columns=list("abcd"))
    for _name, cls in all_estimators():
        for kwargs in ({}, {"estimator": LogisticRegression()}, {"base_estimator": LogisticRegression()},
                       {"estimators": [("lr", LogisticRegression())]}):
            try:
                est = cls(**kwargs)
            except TypeError:
                continue
            yield est
            for data in (x, frame):
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        yield est.fit(data, y)
                except Exception:  # noqa: S110 - estimators that need other input are kept unfitted
                    pass
            break


def sklearn_composites(np: Any, pd: Any) -> Iterator[Any]:
    """Meta-estimators all_estimators() cannot build without arguments, fitted on a mixed DataFrame."""
    from sklearn.compose import ColumnTransformer, TransformedTargetRegressor, make_column_selector
    from sklearn.ensemble import StackingClassifier, VotingClassifier
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"x": rng.random(40), "z": rng.random(40), "c": rng.choice(["a", "b"], 40)})
    y = (frame["x"] > 0.5).astype(int)
    prep = ColumnTransformer([("num", StandardScaler(), ["x", "z"]), ("cat", OneHotEncoder(), ["c"])])
    yield Pipeline([("prep", prep), ("clf", LogisticRegression())]).fit(frame, y)
    yield make_pipeline(ColumnTransformer([("n", StandardScaler(), make_column_selector(dtype_include="number"))]),
                        LogisticRegression()).fit(frame, y)
    num = frame[["x", "z"]]
    yield FeatureUnion([("a", StandardScaler()), ("b", StandardScaler())]).fit(num)
    yield GridSearchCV(LogisticRegression(), {"C": [0.5, 1.0]}, cv=2).fit(num, y)
    yield VotingClassifier([("a", LogisticRegression()), ("b", LogisticRegression())]).fit(num, y)
    yield StackingClassifier([("a", LogisticRegression())], cv=2).fit(num, y)
    yield TransformedTargetRegressor(LinearRegression(), func=None).fit(num, frame["x"])


def boosters(np: Any, pd: Any) -> Iterator[Any]:
    x = np.random.default_rng(1).random((80, 3))
    y = (x[:, 0] > 0.5).astype(int)
    try:
        import xgboost

        yield xgboost.XGBClassifier(n_estimators=3).fit(x, y), xgboost.XGBRegressor(n_estimators=3).fit(x, y)
        yield xgboost.XGBClassifier(n_estimators=3).fit(pd.DataFrame(x, columns=list("abc")), y)
    except ImportError:
        pass
    try:
        import catboost

        yield catboost.CatBoostClassifier(iterations=3, verbose=False, allow_writing_files=False).fit(x, y)
        yield catboost.CatBoostRegressor(iterations=3, verbose=False, allow_writing_files=False).fit(
            pd.DataFrame(x, columns=list("abc")), y)
    except ImportError:
        pass
    try:
        import lightgbm

        yield lightgbm.LGBMClassifier(n_estimators=3, verbose=-1).fit(x, y)
        yield lightgbm.LGBMRegressor(n_estimators=3, verbose=-1).fit(pd.DataFrame(x, columns=list("abc")), y)
    except ImportError:
        pass


def torch_storage_types() -> list[tuple[str, str]]:
    """torch's own find_class maps ``torch.<X>Storage`` to a storage type before importing (so no recording sees
    them): the typed storage classes torch.save writes into persistent ids."""
    try:
        import torch
    except ImportError:
        return []
    return sorted(("torch", n) for n in dir(torch) if n.endswith("Storage") and isinstance(getattr(torch, n), type))


def torch_objects() -> Iterator[Any]:
    try:
        import torch
    except ImportError:
        return
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.BatchNorm1d(4),
                                torch.nn.Dropout(0.1), torch.nn.Linear(4, 1))
    yield model.state_dict(), model, torch.zeros(2, dtype=torch.float16), torch.ones(2, dtype=torch.bfloat16)
    yield {"t": torch.arange(4), "p": torch.nn.Parameter(torch.zeros(2)), "size": torch.Size([2])}


class _Recorder(pickle.Unpickler):
    seen: ClassVar[set[tuple[str, str]]] = set()

    def find_class(self, module: str, name: str) -> Any:
        # Only our own freshly made pickles are loaded here; find_class still resolves exactly as pickle does.
        _Recorder.seen.add((module, name))
        return super().find_class(module, name)


def record(obj: Any) -> None:
    for proto in (2, 4, 5):
        try:
            data = pickle.dumps(obj, protocol=proto)
        except Exception:  # noqa: S112 - objects that cannot be pickled are not models anyone ships
            continue
        _Recorder(io.BytesIO(data)).load()
    import joblib
    import joblib.numpy_pickle as jnp

    original = jnp.NumpyUnpickler.find_class

    def spy(self: Any, module: str, name: str) -> Any:
        _Recorder.seen.add((module, name))
        return original(self, module, name)

    jnp.NumpyUnpickler.find_class = spy
    try:
        buf = io.BytesIO()
        joblib.dump(obj, buf)
        buf.seek(0)
        joblib.load(buf)
    except Exception:  # noqa: S110 - not joblib-picklable
        pass
    finally:
        jnp.NumpyUnpickler.find_class = original
    record_torch(obj)


def record_torch(obj: Any) -> None:
    try:
        import torch
    except ImportError:
        return
    if not isinstance(obj, (dict, torch.nn.Module, torch.Tensor)):
        return
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)

    class Module:
        Unpickler = _Recorder
        load = pickle.load
        __name__ = "recorder"

    torch.load(buf, weights_only=False, pickle_module=Module)


def resolve(module: str, name: str) -> Any:
    obj: Any = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def keep(module: str, name: str) -> bool:
    if (module, name) in VETTED:
        return True
    if DENY_MODULES.match(module) or DENY_NAMES.search(name.rsplit(".", 1)[-1]):
        return False
    try:
        obj = resolve(module, name)
    except (ImportError, AttributeError):
        return False
    if isinstance(obj, type):
        return True
    return bool(_RECONSTRUCTOR.search(name.rsplit(".", 1)[-1]))


def build() -> str:
    from aima_gate.integrity.allowlist import parse_lines

    for obj in corpus():
        record(obj)
    found = {k for k in _Recorder.seen if keep(*k)}
    dropped = sorted(_Recorder.seen - found)
    entries = sorted(found | set(STDLIB) | set(torch_storage_types()))
    # numpy 2 renamed numpy.core to numpy._core; pickles written with numpy 1.x name the old path (a shim in 2.x)
    entries = sorted(set(entries) | {(m.replace("numpy._core", "numpy.core"), n) for m, n in entries
                                     if m.startswith("numpy._core")})
    head = ["# Default pickle import allowlist for aima-gate (generated by tools/make_model_allowlist.py; do not edit",
            "# by hand: vet changes to the generator). One `module qualified.name` per line.",
            "# versions: " + " ".join(f"{k}={v}" for k, v in versions().items()),
            f"# recorded and dropped (not data classes or reconstructors): {len(dropped)}"]
    head += [f"#   dropped {m} {n}" for m, n in dropped]
    text = "\n".join(head + [f"{m} {n}" for m, n in entries]) + "\n"
    assert set(parse_lines(text)) == set(entries)
    return text


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    text = build()
    if args.check:
        old = set(OUT.read_text().splitlines()) if OUT.exists() else set()
        new = set(text.splitlines())
        body = {line for line in old ^ new if not line.startswith("#")}
        sys.exit(f"default allowlist is stale: {sorted(body)[:20]}" if body else 0)
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}: {sum(1 for x in text.splitlines() if not x.startswith('#'))} entries")


if __name__ == "__main__":
    main()
