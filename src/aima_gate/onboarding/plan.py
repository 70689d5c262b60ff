"""The short plan ``init`` prints: the few next steps worth most, each named by the AIMA practice and level of
the policies it satisfies (read from the loaded policy pack, so a step never names a policy that is not there)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aima_gate.onboarding.inventory import Inventory
from aima_gate.onboarding.starter_registry import REGISTRY_FILE

MAX_STEPS = 5


def _aima(policies: Mapping[str, Any], policy_id: str) -> str:
    from aima_gate.aima.catalog import load_catalog

    policy = policies.get(policy_id)
    if policy is None:
        return ""
    ref = policy.aima
    practice = load_catalog().practice(ref.domain, ref.practice)
    domain = next((d.name for d in load_catalog().domains if d.slug == ref.domain), ref.domain)
    name = practice.name if practice is not None else ref.practice
    return f"AIMA {domain} > {name}, level {ref.level}"


def next_steps(inv: Inventory, policies: Mapping[str, Any], *, registry: str | None, path: str) -> list[str]:
    """At most :data:`MAX_STEPS` steps, most valuable first; the last one is always run-check-then-baseline."""
    steps: list[tuple[str, str]] = []  # (policy id naming the AIMA cell, text)
    discovered = inv.discovered
    where = registry or "your registry file"
    if not inv.models:
        steps.append(("model.owner-and-risk-tier",
                      "nothing to govern was found (no registry, MLflow store, MLmodel or Hugging Face folder, or "
                      f"model file): register the models you ship in {REGISTRY_FILE} (name, version, owner, "
                      "risk_tier, intended_use, location) or commit them, then run init again"))
    unowned = [m for m in inv.models if not m.data.get("owner") or not m.data.get("risk_tier")]
    unstated = [m for m in inv.models if not m.data.get("intended_use") or "personal_data" not in m.data]
    mlflow = any(str(m.data.get("source", "")).startswith("mlflow") for m in unowned)
    where = (f"in {where}" + (" (the TODO lines)" if discovered else "")
             + (", or as MLflow tags on registered models" if mlflow else ""))
    if unowned:
        steps.append(("model.owner-and-risk-tier",
                      f"fill in `owner` and `risk_tier` for {len(unowned)} model(s) {where}"
                      + ("; delete entries that are not models you ship" if discovered else "")))
    if unstated:
        steps.append(("model.purpose-declared",
                      f"state `intended_use` and `personal_data: true|false` for {len(unstated)} model(s)"))
    no_card = [m for m in inv.models if not m.data.get("model_card")]
    if inv.models and no_card:
        steps.append(("model.has-complete-card",
                      f"{len(no_card)} model(s) have no model card: write one (intended use, limitations, training "
                      "data, evaluation) and reference it as `model_card:` in the entry"))
    if "sast_report" not in inv.found:
        steps.append(("sast_report.no-high-severity-issues",
                      "run `bandit -r . -f json -o bandit-report.json` and commit the report"))
    if "dependency_scan" not in inv.found:
        steps.append(("dependency_scan.fresh",
                      "run `pip-audit -r requirements.txt -f json -o pip-audit.json` on your requirement/lock "
                      "files and commit the report"))
    shown = [f"{text} ({_aima(policies, pid)}: {pid})" if _aima(policies, pid) else text
             for pid, text in steps if pid in policies or not policies][: MAX_STEPS - 1]
    shown.append(f"run `aima-gate check {path}`; then `aima-gate baseline {path}` records today's failures as debt, "
                 "so only new failures block while you work through it (target_level: 1 in .aima-gate.yml keeps "
                 "policies above AIMA level 1 advisory)")
    return [f"{i}. {s}" for i, s in enumerate(shown, 1)]


def loaded_policies(root: Any) -> dict[str, Any]:
    """The built-in pack by id (the starter config enables exactly that)."""
    from aima_gate.config.policy_packs import load_policies
    from aima_gate.config.repo_config import Config

    return {p.id: p for p in load_policies(Config(file=None), root).policies}


def declared_params(root: Any) -> frozenset[str]:
    from aima_gate.config.policy_packs import load_policies
    from aima_gate.config.repo_config import Config

    return frozenset(load_policies(Config(file=None), root).declared_params)


__all__: Sequence[str] = ("MAX_STEPS", "declared_params", "loaded_policies", "next_steps")
