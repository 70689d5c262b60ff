"""Scoring entry point: validates the application, then applies the registered model."""

from collections.abc import Mapping

REQUIRED_FIELDS = ("income", "debt_ratio", "bureau_score", "employment_years")


def validate(application: Mapping[str, float]) -> None:
    missing = [field for field in REQUIRED_FIELDS if field not in application]
    if missing:
        raise ValueError(f"application is missing {', '.join(missing)}")


def score(model: object, application: Mapping[str, float]) -> float:
    validate(application)
    features = [[float(application[field]) for field in REQUIRED_FIELDS]]
    return float(model.predict_proba(features)[0][1])  # type: ignore[attr-defined]
