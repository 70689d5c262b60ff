"""Which registry fields point at which artifact kinds: shared by the registry-file and MLflow collectors,
so a model's references mean the same wherever the model was registered."""

from __future__ import annotations

REFERENCE_FIELDS: dict[str, str] = {
    # entry field -> artifact kind expected at the referenced path
    "model_card": "model_card",
    "bias_report": "bias_report",
    "explainability_report": "explainability_report",
    "threat_model": "threat_model",
    "signature": "signature",
    "artifacts": "model_file",
    "manifest": "manifest",
}
