"""``aima-gate score``: the AIMA maturity scorecard of a repository (text, JSON, Markdown or an SVG radar chart).

It runs the same evaluation as ``check`` and reads the ``maturity`` section of the report. Exit codes follow the
contract: 2 when something could not be evaluated (the scorecard is still printed, but a cell whose evidence
could not be read does not hold), 1 with ``--fail-below N`` when a practice is below level N, else 0.

It reads every source ``check`` reads, with the same option definitions (cli/options.py:source_options):
``--mlflow-uri`` (http(s), sqlite, ``file:`` stores), ``--run-scanners`` and ``--scanner-dir``. The config's
``baseline:`` and ``target_level`` apply as in ``check``; neither changes a cell (a baselined failure is still
waived, and a cell holds only on evidence), so ``--baseline`` is not an option here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from aima_gate.cli.check import write_report
from aima_gate.cli.options import common, guarded, project_path, source_options, source_settings, today_option
from aima_gate.core.clock import Clock
from aima_gate.core.exit_codes import ExitCode
from aima_gate.core.model import Status
from aima_gate.core.terminal import escape_terminal

_ERRORS_SHOWN = 5


@click.command()
@common
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "svg"]), default="text",
              show_default=True, help="Output format (svg: a radar chart of the 8 domains).")
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@click.option("--svg", "svg_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the radar chart (SVG) to this file.")
@click.option("--brief", is_flag=True, help="Text: levels only, without what is missing for the next level.")
@today_option
@click.option("--fail-below", type=click.IntRange(1, 3), help="Exit 1 when any practice is below this level.")
@source_options
@guarded
def score(path: Path, config_path: Path | None, fmt: str, output: Path | None, svg_file: Path | None, brief: bool,
          clock: Clock, fail_below: int | None, debug: bool, mlflow_uri: str | None = None,
          run_scanners: bool = False, scanner_dirs: tuple[str, ...] = ()) -> None:
    """Score the repository at PATH against OWASP AIMA: a level 0-3 per practice and domain."""
    from aima_gate.aima import maturity as mat
    from aima_gate.aima.radar import radar_svg
    from aima_gate.pipeline.runner import RunOptions, run_check

    path = project_path(path, config_path)
    report = run_check(RunOptions(root=path, config_path=config_path, clock=clock,
                                  cli=source_settings(mlflow_uri, run_scanners, scanner_dirs)))
    m = report.extra["maturity"]
    render = {"text": lambda: mat.maturity_text(m, details=not brief),
              "json": lambda: json.dumps(m, indent=2, sort_keys=True) + "\n",
              "markdown": lambda: mat.maturity_markdown(m), "svg": lambda: radar_svg(m)}
    text = render[fmt]()
    for file, content in ((output, text), (svg_file, radar_svg(m) if svg_file else "")):
        if file is None:
            continue
        write_report(file, content.encode("utf-8"), "score", path)
    if output is None:
        click.echo(text, nl=False)
    if report.verdict == "error":
        errors = [f for f in report.findings if f.status is Status.ERROR]
        click.echo(f"aima-gate: error: {len(errors)} finding(s) could not be evaluated; cells they evidence do not "
                   "hold:", err=True)
        for finding in errors[:_ERRORS_SHOWN]:
            where = finding.evidence[0] if finding.evidence else None
            detail = f"{where.file}:{where.line}: {where.message}" if where else finding.subject.file
            click.echo(escape_terminal(f"  {finding.policy_id}: {finding.subject.name}: {detail}"), err=True)
        if len(errors) > _ERRORS_SHOWN:
            click.echo(f"  ... and {len(errors) - _ERRORS_SHOWN} more: `aima-gate check` lists them all", err=True)
        sys.exit(int(ExitCode.CANNOT_EVALUATE))
    if fail_below is not None:
        low = mat.below(m, fail_below)
        if low:
            click.echo(f"aima-gate: {len(low)} practice(s) below level {fail_below}: {', '.join(low)}", err=True)
            sys.exit(int(ExitCode.POLICY_FAILURE))
