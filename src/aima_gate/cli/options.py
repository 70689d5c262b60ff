"""Options and error handling shared by every command.

Exit codes are the contract in :mod:`aima_gate.core.exit_codes`. Every user-fixable problem is an
:class:`AimaGateError` (exit 2, message names file and line); anything else is a bug (exit 3).
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from aima_gate import __version__
from aima_gate.core.clock import TODAY_ENV, Clock, parse_day
from aima_gate.core.errors import AimaGateError
from aima_gate.core.exit_codes import ExitCode
from aima_gate.core.model import Severity
from aima_gate.core.terminal import escape_terminal

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
            # Escaped line by line: the file name and diagnosis may come from the repository under test.
            where = exc.location.render()
            text = escape_terminal(f"aima-gate: error: {where + ': ' if where else ''}{exc.diagnosis}")
            _fail(text + (f"\n  hint: {escape_terminal(exc.hint)}" if exc.hint else ""), ExitCode.CANNOT_EVALUATE)
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
