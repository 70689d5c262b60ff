"""``aima-gate validate``: check the config and every policy without reading any artifact."""

from __future__ import annotations

from pathlib import Path

import click

from aima_gate.cli.options import common, guarded, project_path


@click.command()
@common
@guarded
def validate(path: Path, config_path: Path | None, debug: bool) -> None:
    """Validate the config and every policy without reading any artifact."""
    from aima_gate.config.policy_packs import load_policies
    from aima_gate.config.repo_config import check_against_policies
    from aima_gate.pipeline.runner import load_config

    path = project_path(path, config_path)
    config = load_config(path, config_path)
    loaded = load_policies(config, path)
    check_against_policies(config, loaded.all_ids, loaded.declared_params)
    where = config.file or "defaults (no .aima-gate.yml)"
    click.echo(f"OK: config {where}; {len(loaded.policies)} policies valid ({loaded.digest})")
