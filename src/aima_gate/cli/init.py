"""``aima-gate init``: a starter configuration, a registry of the models found, and a short plan."""

from __future__ import annotations

from pathlib import Path

import click

from aima_gate.cli.options import guarded
from aima_gate.core.terminal import escape_terminal


@click.command()
@click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Rewrite .aima-gate.yml and registry/models.yml if they exist.")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@guarded
def init(path: Path, force: bool, debug: bool) -> None:
    """Look at the repository at PATH: write a starter .aima-gate.yml and registry/models.yml (one entry per model
    found, owner and risk tier left for you), and print the next steps. Existing files are kept unless --force."""
    from aima_gate.cli.check import write_report
    from aima_gate.onboarding.starter_config import prepare

    prepared = prepare(path, force=force)
    out = []
    for file, content in prepared.writes:
        write_report(file, content.encode("utf-8"), "init", path)
        out.append(f"wrote {file}")
    out += [f"kept {file}: it already exists (--force rewrites it)" for file in prepared.kept]
    out += [*prepared.lines, "next steps:", *prepared.plan]
    click.echo("\n".join(escape_terminal(line) for line in out))
