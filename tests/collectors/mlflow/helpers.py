"""Build MLflow registries through the real client (server or sqlite) and small repositories to gate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import DATA, EXAMPLES

WINE_VERSION_DUMP = DATA / "mlflow" / "model_version_dump_with_aliases_tags_dict_mlflow2.3.json"
WINE_MODEL_DUMP = DATA / "mlflow" / "registered_model_dump_rest_style_tags_list.json"


def client(uri: str) -> Any:
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def logged_run(c: Any, experiment: str, *, dataset: tuple[str, str] | None = None,
               params: dict[str, str] | None = None) -> str:
    from mlflow.entities import Dataset, DatasetInput, InputTag

    found = c.get_experiment_by_name(experiment)
    exp_id = found.experiment_id if found else c.create_experiment(experiment)
    run = c.create_run(exp_id)
    for key, value in (params or {}).items():
        c.log_param(run.info.run_id, key, value)
    if dataset is not None:
        name, uri = dataset
        ds = Dataset(name=name, digest="d41d8cd9", source_type="s3", source=json.dumps({"uri": uri}))
        c.log_inputs(run.info.run_id, datasets=[DatasetInput(ds, tags=[InputTag("mlflow.data.context", "training")])])
    c.set_terminated(run.info.run_id)
    return str(run.info.run_id)


def seed_credit_scorer(c: Any) -> None:
    """The compliant example's model, registered in MLflow with its evidence as version tags."""
    run_id = logged_run(c, "credit", dataset=("loan-applications-2019-2025", "s3://bank-ml-data/credit/v7/"),
                        params={"training_data.bureau-scores": "warehouse://risk.bureau_scores_2025_06"})
    c.create_registered_model("credit-scorer", tags={"owner": "risk-ml-team@bank.example", "risk_tier": "high"},
                              description="Ranks consumer credit applications for manual review.")
    mv = c.create_model_version("credit-scorer", "s3://models/credit-scorer/2.3.0", run_id=run_id, tags={
        "version": "2.3.0", "model_card": "cards/credit-scorer.md",
        "bias_report": "reports/credit-scorer-2.3.0-fairness.json",
        "explainability_report": "reports/credit-scorer-2.3.0-shap.json"})
    c.set_registered_model_alias("credit-scorer", "champion", mv.version)


def seed_unreviewed(c: Any) -> None:
    """A model registered in MLflow only: no owner, no evidence, holding the production alias."""
    c.create_registered_model("fraud-detector")
    mv = c.create_model_version("fraud-detector", "s3://models/fraud-detector/1", run_id=logged_run(c, "fraud"))
    c.set_registered_model_alias("fraud-detector", "production", mv.version)


def seed_from_dumps(c: Any) -> None:
    """Recreate the registry objects of the real mlflow-tools dumps (tags, description, stages, aliases)."""
    raw = json.loads(WINE_MODEL_DUMP.read_text())
    model_dump = raw.get("registered_model", raw)
    version_dump = json.loads(WINE_VERSION_DUMP.read_text())
    registered = version_dump["registered_model"]
    c.create_registered_model(registered["name"], description=registered["description"])
    stages = {v["version"]: v["current_stage"] for v in model_dump["latest_versions"]}
    stages[version_dump["model_version"]["version"]] = version_dump["model_version"]["current_stage"]
    top = max(int(a["version"]) for a in registered["aliases"])
    run_id = logged_run(c, "wine")
    for number in range(1, top + 1):
        tags = {t["key"]: t["value"] for v in model_dump["latest_versions"] if v["version"] == str(number)
                for t in v["tags"]}
        if str(number) == version_dump["model_version"]["version"]:
            tags.update(version_dump["model_version"]["tags"])
        c.create_model_version(registered["name"], f"s3://models/wine/{number}", run_id=run_id, tags=tags)
        if stages.get(str(number), "None") != "None":
            c.transition_model_version_stage(registered["name"], str(number), stages[str(number)])
    for alias in registered["aliases"]:
        c.set_registered_model_alias(registered["name"], alias["alias"], alias["version"])


def compliant_repo(root: Path) -> Path:
    """A copy of examples/credit-scoring (registry file, card, real-format reports)."""
    repo = root / "repo"
    shutil.copytree(EXAMPLES / "credit-scoring", repo)
    return repo


def by_subject(report: dict[str, Any], policy: str) -> dict[str, tuple[str, str]]:
    return {f["subject"]["name"]: (f["status"], f["subject"]["file"]) for f in report["findings"]
            if f["policy_id"] == policy}
