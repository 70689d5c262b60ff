"""The command line: a thin click layer over runner, reporters and the catalog.

Exit codes are the contract in :mod:`aima_gate.exit_codes`. Every user-fixable problem is an
:class:`AimaGateError` (exit 2, message names file and line); anything else is a bug (exit 3).
"""

from __future__ import annotations

import functools
import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from aima_gate import __version__
from aima_gate.clock import TODAY_ENV, Clock, parse_day
from aima_gate.errors import AimaGateError, ConfigError
from aima_gate.exit_codes import ExitCode
from aima_gate.model import Severity
from aima_gate.reporters import REPORTERS

F = TypeVar("F", bound=Callable[..., Any])
SEVERITIES = [s.value for s in Severity]
BUG_URL = "https://github.com/aima-gate/aima-gate/issues"


def _fail(message: str, code: ExitCode) -> None:
    click.echo(message, err=True)
    sys.exit(int(code))


def guarded(fn: F) -> F:
    """Map exceptions onto the exit-code contract: user errors exit 2, bugs exit 3 (traceback with --debug)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = bool(kwargs.get("debug"))
        try:
            return fn(*args, **kwargs)
        except AimaGateError as exc:
            if debug:
                traceback.print_exc()
            _fail(f"aima-gate: error: {exc.render()}", ExitCode.CANNOT_EVALUATE)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:
            if debug:
                traceback.print_exc()
            _fail(
                f"aima-gate: internal error: {type(exc).__name__}: {exc}\n"
                f"This is a bug in aima-gate {__version__}. Please report it at {BUG_URL} "
                "with the output of the same command run with --debug.",
                ExitCode.INTERNAL_ERROR,
            )
        return None

    return wrapper  # type: ignore[return-value]


def common(fn: F) -> F:
    fn = click.option("--debug", is_flag=True, help="Show tracebacks for errors.")(fn)
    fn = click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                      help="Config file (default: .aima-gate.yml in PATH).")(fn)
    return click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=".")(fn)


def _to_clock(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Clock:
    if value is None:  # click has already read AIMA_GATE_TODAY into ``value`` when it is set
        return Clock.system()
    try:
        return Clock.at(parse_day(value))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def today_option(fn: F) -> F:
    """``--today`` (env ``AIMA_GATE_TODAY``): the one clock of a command; every command that evaluates or stamps
    evidence takes it, so a pinned run never mixes its date with the wall clock."""
    return click.option("--today", "clock", envvar=TODAY_ENV, callback=_to_clock, metavar="YYYY-MM-DD",
                        help=f"Evaluate as of this date and stamp evidence with it (default: today, UTC; "
                             f"env {TODAY_ENV}).")(fn)


def _parse_reports(values: tuple[str, ...]) -> list[tuple[str, Path]]:
    out = []
    for value in values:
        fmt, sep, file = value.partition("=")
        if not sep or not file:
            raise click.BadParameter(f"{value!r}: expected FORMAT=FILE", param_hint="--report")
        if fmt not in REPORTERS:
            raise click.BadParameter(f"unknown format {fmt!r}; choose from {', '.join(REPORTERS)}",
                                     param_hint="--report")
        out.append((fmt, Path(file)))
    return out


def _render(fmt: str, report: Any) -> str:
    """Render with the format's reporter; text output of a framework view is grouped by that framework."""
    from aima_gate.reporters import get_renderer

    if fmt == "text" and "framework_view" in report.extra:
        from aima_gate.frameworks import framework_text

        return framework_text(report, report.extra["framework_view"])
    return get_renderer(fmt)(report)


def _changed_files(path: Path, changed: bool, since: str | None, files: tuple[str, ...]) -> frozenset[str] | None:
    if not changed and not files:
        return None
    from aima_gate.changed import git_changed_files, relative_files

    return (git_changed_files(path, since) if changed else frozenset()) | relative_files(path, files)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aima-gate")
def main() -> None:
    """aima-gate: policy-as-code gate for AI/ML repositories, mapped to OWASP AIMA.

    Exit codes: 0 pass, 1 policy failure, 2 cannot evaluate (bad input), 3 internal error.
    """


@main.command()
@common
@click.option("--format", "fmt", type=click.Choice(sorted(REPORTERS)), default="text", show_default=True,
              help="Format written to standard output.")
@click.option("--report", "reports", multiple=True, metavar="FORMAT=FILE",
              help="Also write a report file (repeatable), e.g. --report json=aima.json.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), help="Lowest failing severity that fails the gate.")
@today_option
@click.option("--mlflow-uri", help="Read model subjects from this MLflow tracking/registry URI too.")
@click.option("--policy", "only", multiple=True, metavar="ID", help="Evaluate only this policy (repeatable).")
@click.option("--framework", type=click.Choice(["aima", "nist-ai-rmf", "iso-42001", "eu-ai-act", "owasp-llm"]),
              help="Group findings by this framework's identifiers (text, JSON and Markdown output).")
@click.option("--changed", is_flag=True,
              help="Evaluate only subjects whose files, or files they reference, changed in git (staged, unstaged, "
                   "untracked). Config or policy changes evaluate everything.")
@click.option("--changed-since", metavar="REF",
              help="Also count files changed in commits since REF (implies --changed).")
@click.argument("files", nargs=-1, type=click.Path(path_type=str))
@guarded
def check(path: Path, config_path: Path | None, fmt: str, reports: tuple[str, ...], fail_on: str | None,
          clock: Clock, mlflow_uri: str | None, only: tuple[str, ...], debug: bool,
          framework: str | None = None, changed: bool = False, changed_since: str | None = None,
          files: tuple[str, ...] = ()) -> None:
    """Evaluate the policies against the repository at PATH (default: the current folder).

    FILES (optional, e.g. passed by pre-commit) restrict the check to subjects whose files or referenced files
    are among them, like --changed.
    """
    from aima_gate import parallel
    from aima_gate.runner import RunOptions, run_check

    parallel.FREEZE_AFTER_LARGE_STEPS = True  # this process exits after one run
    report_files = _parse_reports(reports)
    cli_opts = {"mlflow_uri": mlflow_uri} if mlflow_uri else {}
    options = RunOptions(root=path, config_path=config_path, fail_on=Severity(fail_on) if fail_on else None,
                         clock=clock, cli=cli_opts,
                         only_policies=frozenset(only) if only else None,
                         changed_files=_changed_files(path, changed or bool(changed_since), changed_since, files))
    report = run_check(options)
    if framework:
        from aima_gate.frameworks import with_framework_view

        report = with_framework_view(report, framework)
    for report_fmt, file in report_files:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(_render(report_fmt, report), encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write the {report_fmt} report: {exc}", file=str(file)) from None
    click.echo(_render(fmt, report), nl=False)
    sys.exit(int(report.exit_code))


@main.command()
@common
@guarded
def validate(path: Path, config_path: Path | None, debug: bool) -> None:
    """Validate the config and every policy without reading any artifact."""
    from aima_gate.config import check_against_policies
    from aima_gate.policies_loader import load_policies
    from aima_gate.runner import load_config

    config = load_config(path, config_path)
    loaded = load_policies(config, path)
    check_against_policies(config, loaded.all_ids, loaded.declared_params)
    where = config.file or "defaults (no .aima-gate.yml)"
    click.echo(f"OK: config {where}; {len(loaded.policies)} policies valid ({loaded.digest})")


@main.command()
@common
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@guarded
def controls(path: Path, config_path: Path | None, fmt: str, debug: bool) -> None:
    """List the loaded policies grouped by AIMA domain and practice, and which practices they cover."""
    from aima_gate.controls import controls_dict, controls_text
    from aima_gate.policies_loader import load_policies
    from aima_gate.runner import load_config

    loaded = load_policies(load_config(path, config_path), path)
    data = controls_dict(loaded.policies)
    click.echo(json.dumps(data, indent=2, sort_keys=True) if fmt == "json" else controls_text(data))


@main.command()
@click.argument("policy_id")
@common
@guarded
def explain(policy_id: str, path: Path, config_path: Path | None, debug: bool) -> None:
    """Show a policy: what it checks, its AIMA mapping, parameters, remediation and source."""
    from aima_gate.controls import explain_text
    from aima_gate.policies_loader import load_policies
    from aima_gate.runner import load_config

    loaded = load_policies(load_config(path, config_path), path)
    match = [p for p in loaded.policies if p.id == policy_id]
    if not match:
        raise AimaGateError(f"no policy with id {policy_id!r}", hint="run `aima-gate controls` to list policy ids")
    click.echo(explain_text(match[0]))


@main.command()
@click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Overwrite an existing .aima-gate.yml.")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@guarded
def init(path: Path, force: bool, debug: bool) -> None:
    """Write a starter .aima-gate.yml for the repository at PATH and say what was found."""
    from aima_gate.init import write_starter_config

    click.echo(write_starter_config(path, force=force))


from aima_gate.evidence_cli import evidence  # noqa: E402 - registered last: it imports guarded from here

main.add_command(evidence)

from aima_gate.score_cli import score  # noqa: E402 - registered last: it imports guarded from here

main.add_command(score)
