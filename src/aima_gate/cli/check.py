"""``aima-gate check``: evaluate the policies and write the reports."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from aima_gate.cli.options import SEVERITIES, common, guarded, today_option
from aima_gate.core.clock import Clock
from aima_gate.core.errors import ConfigError
from aima_gate.core.model import Severity
from aima_gate.reporters import REPORTERS


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
        from aima_gate.aima.frameworks import framework_text

        return framework_text(report, report.extra["framework_view"])
    return get_renderer(fmt)(report)


def _changed_files(path: Path, changed: bool, since: str | None, files: tuple[str, ...]) -> frozenset[str] | None:
    if not changed and not files:
        return None
    from aima_gate.pipeline.changed import git_changed_files, relative_files

    return (git_changed_files(path, since) if changed else frozenset()) | relative_files(path, files)


@click.command()
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
@click.option("--run-scanners", is_flag=True,
              help="Run the dependency scanners the config lists (`scanners:`). Without it the repository's config "
                   "never starts a program; listed scanners are then an error.")
@click.option("--scanner-dir", "scanner_dirs", multiple=True, metavar="DIR",
              type=click.Path(file_okay=False, exists=True, resolve_path=True),
              help="Look up scanner executables only in this folder (repeatable; default: the gate's own "
                   "virtualenv, then its PATH). Never a folder inside the repository.")
@click.argument("files", nargs=-1, type=click.Path(path_type=str))
@guarded
def check(path: Path, config_path: Path | None, fmt: str, reports: tuple[str, ...], fail_on: str | None,
          clock: Clock, mlflow_uri: str | None, only: tuple[str, ...], debug: bool,
          framework: str | None = None, changed: bool = False, changed_since: str | None = None,
          run_scanners: bool = False, scanner_dirs: tuple[str, ...] = (), files: tuple[str, ...] = ()) -> None:
    """Evaluate the policies against the repository at PATH (default: the current folder).

    FILES (optional, e.g. passed by pre-commit) restrict the check to subjects whose files or referenced files
    are among them, like --changed.
    """
    from aima_gate.core import parallel
    from aima_gate.pipeline.runner import RunOptions, run_check

    parallel.FREEZE_AFTER_LARGE_STEPS = True  # this process exits after one run
    report_files = _parse_reports(reports)
    cli_opts: dict[str, Any] = {"mlflow_uri": mlflow_uri} if mlflow_uri else {}
    if run_scanners:  # keys of aima_gate.collectors.scans.running (RUN_SCANNERS, SCANNER_DIRS)
        cli_opts.update(run_scanners=True, scanner_dirs=list(scanner_dirs))
    options = RunOptions(root=path, config_path=config_path, fail_on=Severity(fail_on) if fail_on else None,
                         clock=clock, cli=cli_opts,
                         only_policies=frozenset(only) if only else None,
                         changed_files=_changed_files(path, changed or bool(changed_since), changed_since, files))
    report = run_check(options)
    if framework:
        from aima_gate.aima.frameworks import with_framework_view

        report = with_framework_view(report, framework)
    for report_fmt, file in report_files:
        write_report(file, _encoded(_render(report_fmt, report)), report_fmt, path)
    sys.stdout.flush()
    sys.stdout.buffer.write(_encoded(_render(fmt, report)))
    sys.stdout.buffer.flush()
    sys.exit(int(report.exit_code))


def _encoded(text: str) -> bytes:
    # backslashreplace: a lone surrogate that reached a report (no loader lets one through, but a file name or a
    # tool's output might) is written as the text "\udcff" instead of crashing the run after evaluation.
    return text.encode("utf-8", "backslashreplace")


def write_report(file: Path, data: bytes, fmt: str, repo: Path) -> None:
    """Write a report file without following symlinks, replacing whatever file was there.

    The report folder may lie inside the repository under test, whose committed symlinks would otherwise redirect
    the write anywhere the gate can write: the folders are created one by one and none may be a symlink, and the
    file is opened with O_NOFOLLOW after removing a previous file (a committed stale report is never kept).
    """
    try:
        _make_folders(file.parent, (repo.absolute(), Path.cwd()), fmt)
        if file.is_symlink():
            raise ConfigError(f"cannot write the {fmt} report: {file} is a symlink (reports never follow links)",
                              file=str(file))
        if file.exists() and not file.is_file():
            raise ConfigError(f"cannot write the {fmt} report: {file} exists and is not a regular file",
                              file=str(file))
        file.unlink(missing_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(file, flags, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise ConfigError(f"cannot write the {fmt} report: {exc.strerror or exc}", file=str(file)) from None


def _make_folders(folder: Path, guarded: tuple[Path, ...], fmt: str) -> None:
    """Create ``folder`` and its missing parents, refusing a symlink anywhere below a ``guarded`` folder (the
    repository and the current folder, where the repository under test can commit links)."""
    parts = folder.absolute().parts
    for i in range(1, len(parts) + 1):
        step = Path(*parts[:i])
        below = any(step != g and step.is_relative_to(g) for g in guarded)
        if below and step.is_symlink():
            raise ConfigError(f"cannot write the {fmt} report under {step}: it is a symlink (reports never "
                              "follow links)", file=str(folder))
        if not step.exists():
            step.mkdir()
        elif not step.is_dir():
            raise ConfigError(f"cannot write the {fmt} report under {step}: it is not a folder", file=str(folder))
