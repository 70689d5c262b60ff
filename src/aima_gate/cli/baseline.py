"""``aima-gate baseline``: record today's failures so that ``check`` blocks only new ones."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import click

from aima_gate.cli.check import write_report
from aima_gate.cli.options import common, guarded, project_path, today_option
from aima_gate.core.clock import Clock, parse_day


@click.command()
@common
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the baseline (default: .aima-gate-baseline.json in PATH).")
@click.option("--expires", metavar="YYYY-MM-DD", help="After this day the baseline no longer holds: all debt blocks.")
@today_option
@guarded
def baseline(path: Path, config_path: Path | None, output: Path | None, expires: str | None, clock: Clock,
             debug: bool) -> None:
    """Record the failures of the repository at PATH as accepted debt.

    `check` with the baseline (config `baseline: FILE` or `check --baseline FILE`) blocks only failures that
    are not recorded; errors are never recorded. Every report counts baselined findings and lists fixed debt.
    """
    from aima_gate.pipeline.baseline import DEFAULT_FILE, render_baseline
    from aima_gate.pipeline.runner import RunOptions, run_check

    path = project_path(path, config_path)
    try:
        until: _dt.date | None = parse_day(expires) if expires else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--expires") from None
    report = run_check(RunOptions(root=path, config_path=config_path, clock=clock))
    failures = sum(1 for f in report.findings if f.status.value == "fail")
    errors = report.summary["error"]
    target = output or path / DEFAULT_FILE
    write_report(target, render_baseline(report.findings, clock.today, until).encode(), "baseline", path)
    click.echo(f"wrote {target}: {failures} failure(s) recorded" + (f", until {until}" if until else ""))
    if errors:
        click.echo(f"aima-gate: {errors} error(s) are not recorded: a gate that cannot read its input fails closed",
                   err=True)
    click.echo(f"next: add `baseline: {DEFAULT_FILE if output is None else target}` to .aima-gate.yml "
               "(or pass `check --baseline FILE`); check then blocks only new failures")
