"""Options and error handling shared by every command.

Exit codes are the contract in :mod:`aima_gate.core.exit_codes`. Every user-fixable problem is an
:class:`AimaGateError` (exit 2, message names file and line); anything else is a bug (exit 3).
"""

from __future__ import annotations

import errno
import functools
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

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


def _fail(message: str, code: ExitCode) -> NoReturn:
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
        except KeyboardInterrupt:
            # Not click's "Aborted!" and exit 1, which reads as a policy failure: an interrupted run has no verdict.
            _no_verdict("aima-gate: error: interrupted before the run finished: there is no verdict", debug)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except OSError as exc:
            if exc.errno not in _NO_SPACE:
                _internal(exc, debug)
            # A full disk (or quota) under what a command writes is the machine's state, not a bug: exit 2, named.
            where = f" {exc.filename}" if exc.filename else " the output"
            _no_verdict(escape_terminal(f"aima-gate: error: cannot write{where}: {exc.strerror or exc}") +
                        "\n  hint: free the space, or write the output somewhere else", debug)
        except Exception as exc:
            _internal(exc, debug)
        return None

    return wrapper  # type: ignore[return-value]


def _internal(exc: Exception, debug: bool) -> NoReturn:
    if debug:
        traceback.print_exc()
    # Escaped: an exception's text may quote the repository under test (a file name, a value).
    _fail(
        escape_terminal(f"aima-gate: internal error: {type(exc).__name__}: {exc}") + "\n"
        f"This is a bug in aima-gate {__version__}. Please report it at {BUG_URL} "
        "with the output of the same command run with --debug.",
        ExitCode.INTERNAL_ERROR,
    )


def _no_verdict(message: str, debug: bool) -> NoReturn:
    """Exit 2 with ``message`` for a run stopped by its machine, not by its input or a bug (an interrupt, a full
    disk); standard output is let go if what it holds cannot be written."""
    if debug:
        traceback.print_exc()
    _drop_unwritable_stdout()
    _fail(message, ExitCode.CANNOT_EVALUATE)


_NO_SPACE = frozenset(getattr(errno, name) for name in ("ENOSPC", "EDQUOT") if hasattr(errno, name))


def _drop_unwritable_stdout() -> None:
    """Point standard output at the null device when what it holds cannot be written: the interpreter's last
    flush would fail again and turn the exit status into 120."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        stdout_to_devnull()


def stdout_to_devnull() -> None:
    """Point standard output's descriptor at the null device (what is still buffered then goes nowhere)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


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


# Sources of evidence: every source `check` reads, `score` reads too (one definition, so they never drift apart).
def source_options(fn: F) -> F:
    """``--mlflow-uri``, ``--run-scanners`` and ``--scanner-dir``; :func:`source_settings` turns their values into
    the run's ``cli`` settings."""
    fn = click.option("--scanner-dir", "scanner_dirs", multiple=True, metavar="DIR",
                      type=click.Path(file_okay=False, exists=True, resolve_path=True),
                      help="Look up scanner executables only in this folder (repeatable; default: the gate's own "
                           "virtualenv, then its PATH). Never a folder inside the repository.")(fn)
    fn = click.option("--run-scanners", is_flag=True,
                      help="Run the dependency scanners the config lists (`scanners:`). Without it the repository's "
                           "config never starts a program; listed scanners are then an error.")(fn)
    return click.option("--mlflow-uri", metavar="URI",
                        help="Read model subjects from this MLflow tracking/registry URI too: http(s)://, "
                             "sqlite:///FILE or file:PATH (a file store inside the repository).")(fn)


def source_settings(mlflow_uri: str | None, run_scanners: bool, scanner_dirs: tuple[str, ...]) -> dict[str, Any]:
    """The run's ``cli`` settings (RunOptions.cli) for the values of :func:`source_options`."""
    out: dict[str, Any] = {"mlflow_uri": mlflow_uri} if mlflow_uri else {}
    if run_scanners:  # keys of aima_gate.collectors.scans.running (RUN_SCANNERS, SCANNER_DIRS)
        out.update(run_scanners=True, scanner_dirs=list(scanner_dirs))
    return out


ENV_PREFIX = "AIMA_GATE_"


def name_environment_variables(command: click.Command) -> None:
    """Every option of every command can also be set as AIMA_GATE_<OPTION>, named after its long flag
    (``--fail-on`` -> ``AIMA_GATE_FAIL_ON``, ``--skip-policy`` -> ``AIMA_GATE_SKIP_POLICY``; repeatable options take
    space-separated values; flags take 1/0, true/false). The command line wins over the environment. Eager
    options (--help, --version) are not settable: an environment variable must never replace the run."""
    for param in command.params:
        if isinstance(param, click.Option) and param.envvar is None and not param.is_eager:
            long = next((o for o in param.opts if o.startswith("--")), None)
            if long is not None:
                param.envvar = ENV_PREFIX + long[2:].upper().replace("-", "_")
                param.show_envvar = True
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            name_environment_variables(sub)


def project_path(path: Path, config_path: Path | None) -> Path:
    """PATH as given. Left to its default, in a folder with no config of its own but inside a git work tree,
    the nearest folder up to the work tree's root that holds a config (as pre-commit and ruff find theirs): the
    search never leaves the repository."""
    from click.core import ParameterSource

    from aima_gate.config.repo_config import find_config

    ctx = click.get_current_context()
    if config_path is not None or ctx.get_parameter_source("path") is not ParameterSource.DEFAULT:
        return path
    here = path.resolve()
    chain = [here, *here.parents]
    roots = [i for i, folder in enumerate(chain) if (folder / ".git").exists()]
    if find_config(here) is not None or not roots:
        return path
    for folder in chain[1: roots[0] + 1]:
        found = find_config(folder)
        if found is not None:
            click.echo(f"aima-gate: using {found} (the nearest config above this folder); evaluating {folder}",
                       err=True)
            return folder
    return path


def color_option(fn: F) -> F:
    return click.option("--color/--no-color", "color", default=None,
                        help="Colour the text output (default: only on a terminal, and never with NO_COLOR set).")(fn)


def wants_color(color: bool | None) -> bool:
    import os

    if color is not None:
        return color
    if os.environ.get("NO_COLOR"):  # https://no-color.org: any non-empty value
        return False
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


_STATUS_STYLE = {"FAIL": "red", "ERROR": "magenta", "PASS": "green", "WAIVED": "yellow"}


def colorize(text: str) -> str:
    """Colour the status words our text reporter writes at fixed places (finding lines and the verdict line).
    Repository-controlled strings never start a line (the reporter escapes newlines), so nothing they contain
    is coloured as a status."""
    import re

    def finding(m: re.Match[str]) -> str:
        word = m.group(2)
        return m.group(1) + click.style(word, fg=_STATUS_STYLE.get(word), bold=word != "PASS") + m.group(3)

    text = re.sub(r"^(  )(FAIL|ERROR|PASS|WAIVED)(\s)", finding, text, flags=re.M)
    return re.sub(r"^(Verdict: )(PASS|FAIL|ERROR)(\b)", finding, text, flags=re.M)


def terminal_progress() -> Callable[[str], None] | None:
    """A progress line on stderr, rewritten in place, when stderr is a terminal and this is not a CI job (CI logs
    and machine formats never see it); None otherwise."""
    import os

    if not sys.stderr.isatty() or os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return None
    width = 0

    def show(message: str) -> None:
        nonlocal width
        line = f"aima-gate: {message}..."
        sys.stderr.write("\r" + line.ljust(width))
        sys.stderr.flush()
        width = len(line)

    return show


def clear_progress() -> None:
    if sys.stderr.isatty():
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()
