"""Build mlflow.db for these cases. tests/policies/test_policy_cases.py runs this before the cases, with the
installed MLflow, so the database is never committed (it is git-ignored). By hand:

    .venv/bin/python tests/policies/cases/model.registry-in-sync/make_mlflow_db.py

The registry holds model `m`, one version tagged `version: 1.0.0` (the release version the registry files use).
"""

from __future__ import annotations

from pathlib import Path

from mlflow import MlflowClient

db = Path(__file__).with_name("mlflow.db")
db.unlink(missing_ok=True)
client = MlflowClient(tracking_uri=f"sqlite:///{db}", registry_uri=f"sqlite:///{db}")
client.create_registered_model("m", tags={"owner": "team@example.com", "risk_tier": "low"})
client.create_model_version("m", "s3://models/m/1.0.0", tags={"version": "1.0.0"})
