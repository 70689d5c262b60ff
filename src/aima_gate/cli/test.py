"""``aima-gate test [CASES]``: run unit tests for policies (see :mod:`aima_gate.pipeline.policy_tests`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from aima_gate.cli.check import write_report
from aima_gate.cli.options import guarded, today_option
from aima_gate.core.clock import Clock
from aima_gate.core.exit_codes import ExitCode


@click.command()
@click.argument("cases", type=click.Path(file_okay=False, path_type=Path), default="policy-tests")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              help="The repository whose config names the policies under test.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Config file (default: .aima-gate.yml in --project).")
@click.option("--require-tests", is_flag=True,
              help="Every policy from the project's own policy paths must have a pass and a fail case.")
@click.option("--junit", "junit_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the results as JUnit XML to this file.")
@click.option("--format", "fmt", type=click.Choice(["text", "junit"]), default="text", show_default=True,
              help="Format written to standard output.")
@today_option
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@guarded
def test(cases: Path, project: Path, config_path: Path | None, require_tests: bool, junit_file: Path | None,
         fmt: str, clock: Clock, debug: bool) -> None:
    """Run policy test cases: CASES/<policy-id>/{pass,fail}/<case>/ (default: ./policy-tests).

    Exit codes: 0 every case as expected, 1 a case failed, 2 a case could not be evaluated (or a required
    policy has no cases).
    """
    from aima_gate.config.policy_packs import load_policies
    from aima_gate.pipeline.policy_tests import results_junit, results_text, run_policy_tests
    from aima_gate.pipeline.runner import load_config

    loaded = load_policies(load_config(project, config_path), project)
    own = frozenset(p.id for p in loaded.policies if not p.file.startswith("<builtin>")) if require_tests \
        else frozenset()
    results = run_policy_tests(loaded, cases, clock, require_tests=own)
    if junit_file is not None:
        write_report(junit_file, results_junit(results).encode("utf-8"), "JUnit", project)
    click.echo(results_junit(results) if fmt == "junit" else results_text(results), nl=False)
    if any(r.error for r in results):
        sys.exit(int(ExitCode.CANNOT_EVALUATE))
    if not all(r.ok for r in results):
        sys.exit(int(ExitCode.POLICY_FAILURE))
