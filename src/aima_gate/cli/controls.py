"""``aima-gate controls``: the loaded policies grouped by AIMA domain and practice."""

from __future__ import annotations

import json
from pathlib import Path

import click

from aima_gate.cli.options import common, guarded, project_path


@click.command()
@common
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@guarded
def controls(path: Path, config_path: Path | None, fmt: str, debug: bool) -> None:
    """List the loaded policies grouped by AIMA domain and practice, and which practices they cover."""
    from aima_gate.config.controls import controls_dict, controls_text
    from aima_gate.config.policy_packs import load_policies
    from aima_gate.pipeline.runner import load_config

    path = project_path(path, config_path)
    loaded = load_policies(load_config(path, config_path), path)
    data = controls_dict(loaded.policies)
    click.echo(json.dumps(data, indent=2, sort_keys=True) if fmt == "json" else controls_text(data))
