"""Build the stand-ins for model files the corpus could not copy (each repository's STANDIN.md says what the
original was). Run once: ``python -m tests.realworld.standins``; the outputs are committed, labelled in
STANDIN.md ("Built stand-ins"), and never loaded by the tests (the gate only reads their bytes).

Each is a tiny model of the same library and type, dumped the same way, so the gate meets the same formats,
names and places as in the original repository (not the same bytes, sizes or weights).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

REPOS = Path(__file__).parent / "repos"


def _data() -> tuple[Any, Any, Any]:
    import numpy as np

    x = np.array([[float(i % 7), float(i % 3), float(i % 5)] for i in range(60)])
    y = np.array([int(row[0] + row[1] > 4) for row in x])
    group = np.array(["a" if i % 2 else "b" for i in range(60)])
    return x, y, group


def build() -> list[Path]:
    import joblib
    import lightgbm
    from fairlearn.reductions import DemographicParity, ExponentiatedGradient
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from xgboost import XGBClassifier

    x, y, group = _data()
    out: list[Path] = []

    hiring = REPOS / "fairness-hiring-mct" / "repo"
    rf = RandomForestClassifier(n_estimators=2, max_depth=2, random_state=0).fit(x, y)
    joblib.dump(rf, hiring / "baseline.pkl")
    for name in ("eg_race_white.pkl", "eg_sex_male.pkl"):
        eg = ExponentiatedGradient(RandomForestClassifier(n_estimators=2, max_depth=2, random_state=0),
                                   DemographicParity(), max_iter=2)
        eg.fit(x, y, sensitive_features=group)
        joblib.dump(eg, hiring / name)
    out += [hiring / "baseline.pkl", hiring / "eg_race_white.pkl", hiring / "eg_sex_male.pkl"]

    readmission = REPOS / "readmission-fairness-evidently" / "repo" / "artifacts"
    champion = Pipeline([("scale", StandardScaler()),
                         ("model", XGBClassifier(n_estimators=2, max_depth=2, random_state=0))]).fit(x, y)
    joblib.dump(champion, readmission / "champion.pkl")
    out.append(readmission / "champion.pkl")

    credit = REPOS / "credit-fairlearn-lgbm-txt" / "repo" / "models"
    booster = lightgbm.train({"objective": "binary", "num_leaves": 3, "verbose": -1, "seed": 0},
                             lightgbm.Dataset(x, y), num_boost_round=2)
    booster.save_model(str(credit / "model_lgbm.txt"))
    joblib.dump({"columns": ["f0", "f1", "f2"], "dtypes": ["float64"] * 3}, credit / "feature_schema.joblib")
    out += [credit / "model_lgbm.txt", credit / "feature_schema.joblib"]
    return out


if __name__ == "__main__":
    for path in build():
        print(path, path.stat().st_size)
