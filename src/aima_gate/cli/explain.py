"""``aima-gate explain POLICY_ID``: one policy in full."""

from __future__ import annotations

from pathlib import Path

import click

from aima_gate.cli.options import common, guarded, project_path


@click.command()
@click.argument("policy_id")
@common
@guarded
def explain(policy_id: str, path: Path, config_path: Path | None, debug: bool) -> None:
    """Show a policy: what it checks, its AIMA mapping, parameters, remediation and source."""
    from aima_gate.config.controls import explain_text
    from aima_gate.config.policy_packs import load_policies
    from aima_gate.pipeline.runner import load_config

    path = project_path(path, config_path)
    loaded = load_policies(load_config(path, config_path), path)
    match = [p for p in loaded.policies if p.id == policy_id]
    if not match:
        from aima_gate.config.policy_packs import check_policy_ids

        check_policy_ids([policy_id], loaded.all_ids, "explain")
    click.echo(explain_text(match[0]))
