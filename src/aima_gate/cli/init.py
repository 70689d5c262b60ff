"""``aima-gate init``: a starter configuration for a repository."""

from __future__ import annotations

from pathlib import Path

import click

from aima_gate.cli.options import guarded


@click.command()
@click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Overwrite an existing .aima-gate.yml.")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@guarded
def init(path: Path, force: bool, debug: bool) -> None:
    """Write a starter .aima-gate.yml for the repository at PATH and say what was found."""
    from aima_gate.onboarding.starter_config import write_starter_config

    click.echo(write_starter_config(path, force=force))
