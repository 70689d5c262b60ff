"""``aima-gate check``: evaluate the policies and write the reports."""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from aima_gate.cli.options import (
    SEVERITIES,
    clear_progress,
    color_option,
    colorize,
    common,
    guarded,
    project_path,
    source_options,
    source_settings,
    stdout_to_devnull,
    terminal_progress,
    today_option,
    wants_color,
)
from aima_gate.core.clock import Clock
from aima_gate.core.errors import ConfigError
from aima_gate.core.exit_codes import ExitCode
from aima_gate.core.model import Severity, Status
from aima_gate.reporters import RENDER_COST, REPORTERS, STREAMED

if TYPE_CHECKING:
    from aima_gate.reporters.text import Started


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


def _render(fmt: str, report: Any, verbose: bool = False, findings: str = "summary") -> str:
    """Render with the format's reporter; text output of a framework view is grouped by that framework, and text
    lists passing and not-applicable findings only when ``verbose``."""
    from aima_gate.reporters import get_renderer

    if fmt == "json":
        return "".join(_pieces(fmt, report, findings))
    if fmt == "text" and "framework_view" in report.extra:
        from aima_gate.aima.frameworks import framework_text

        return framework_text(report, report.extra["framework_view"])
    if fmt == "text":
        from aima_gate.reporters.text import render

        return render(report, verbose=verbose)
    return get_renderer(fmt)(report)


def _pieces(fmt: str, report: Any, findings: str, verbose: bool = False) -> Iterator[str]:
    """The rendered report piece by piece: the JSON, text and :data:`STREAMED` reports stream (tens of megabytes
    on large repositories); text pieces are whole lines."""
    if fmt == "json":
        from aima_gate.reporters.json_report import iter_render

        yield from iter_render(report, findings=findings)
    elif fmt in STREAMED:
        from aima_gate.reporters import get_piece_renderer

        yield from get_piece_renderer(fmt)(report)
    elif fmt == "text" and "framework_view" not in report.extra:
        from aima_gate.reporters.text import iter_render as iter_text

        yield from iter_text(report, verbose=verbose)
    else:
        yield _render(fmt, report, verbose, findings)


def _changed_files(path: Path, changed: bool, since: str | None, files: tuple[str, ...]) -> frozenset[str] | None:
    if not changed and not files:
        return None
    from aima_gate.pipeline.changed import git_changed_files, relative_files

    return (git_changed_files(path, since) if changed else frozenset()) | relative_files(path, files)


@click.command()
@common
@click.option("--format", "fmt", type=click.Choice(sorted(REPORTERS)), default="text", show_default=True,
              help="Format written to standard output (or to --output).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the --format output to this file instead of standard output.")
@click.option("-q", "--quiet", is_flag=True, help="Text: print only the verdict line.")
@click.option("-v", "--verbose", is_flag=True,
              help="Text: also list every passing and not-applicable finding (machine formats always hold them).")
@click.option("--soft-fail", "--exit-zero", "soft_fail", is_flag=True,
              help="Exit 0 when policies fail (1); evaluation errors (2) and bugs (3) still fail.")
@click.option("--skip-policy", "skip", multiple=True, metavar="ID",
              help="Do not evaluate this policy (repeatable); listed in every report.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Recorded failures (aima-gate baseline) do not block; overrides the config's baseline:.")
@click.option("--min-severity", type=click.Choice(SEVERITIES),
              help="Evaluate only policies of at least this severity; the others are listed in every report.")
@color_option
@click.option("--report", "reports", multiple=True, metavar="FORMAT=FILE",
              help="Also write a report file (repeatable), e.g. --report json=aima.json.")
@click.option("--findings", "findings", type=click.Choice(["summary", "all"]), default="summary",
              show_default=True, envvar="AIMA_GATE_FINDINGS",
              help="JSON report: 'summary' lists every finding that is not a pass in full and counts the passes per "
                   "policy with their subjects; 'all' lists every finding with its evidence (env AIMA_GATE_FINDINGS).")
@click.option("--fail-on", type=click.Choice(SEVERITIES), help="Lowest failing severity that fails the gate.")
@today_option
@click.option("--policy", "only", multiple=True, metavar="ID", help="Evaluate only this policy (repeatable).")
@click.option("--framework", type=click.Choice(["aima", "nist-ai-rmf", "iso-42001", "eu-ai-act", "owasp-llm"]),
              help="Group findings by this framework's identifiers (text, JSON and Markdown output).")
@click.option("--changed", is_flag=True,
              help="Evaluate only subjects whose files, or files they reference, changed in git (staged, unstaged, "
                   "untracked). Config or policy changes evaluate everything.")
@click.option("--changed-since", metavar="REF",
              help="Also count files changed in commits since REF (implies --changed).")
@source_options
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Artifact cache folder (default: $XDG_CACHE_HOME/aima-gate or ~/.cache/aima-gate); never inside "
                   "the checked repository. Cached artifacts are verified and never change a verdict.")
@click.option("--no-cache", is_flag=True, help="Parse every file; neither read nor write the artifact cache.")
@click.argument("files", nargs=-1, type=click.Path(path_type=str))
@guarded
def check(path: Path, config_path: Path | None, fmt: str, reports: tuple[str, ...], fail_on: str | None,
          clock: Clock, mlflow_uri: str | None, only: tuple[str, ...], debug: bool,
          framework: str | None = None, changed: bool = False, changed_since: str | None = None,
          output: Path | None = None, quiet: bool = False, soft_fail: bool = False,
          skip: tuple[str, ...] = (), min_severity: str | None = None, color: bool | None = None,
          baseline_file: Path | None = None, run_scanners: bool = False, scanner_dirs: tuple[str, ...] = (),
          files: tuple[str, ...] = (), verbose: bool = False, findings: str = "summary",
          cache_dir: Path | None = None, no_cache: bool = False) -> None:
    """Evaluate the policies against the repository at PATH (default: the current folder).

    FILES (optional, e.g. passed by pre-commit) restrict the check to subjects whose files or referenced files
    are among them, like --changed.
    """
    from aima_gate.core import parallel
    from aima_gate.pipeline.runner import RunOptions, run_check

    parallel.FREEZE_AFTER_LARGE_STEPS = True  # this process exits after one run
    path = project_path(path, config_path)
    report_files = _parse_reports(reports) + ([(fmt, output)] if output is not None else [])
    cli_opts = source_settings(mlflow_uri, run_scanners, scanner_dirs)
    progress = terminal_progress()
    options = RunOptions(root=path, config_path=config_path, fail_on=Severity(fail_on) if fail_on else None,
                         clock=clock, cli=cli_opts,
                         only_policies=frozenset(only) if only else None, skip_policies=frozenset(skip),
                         min_severity=Severity(min_severity) if min_severity else None, baseline=baseline_file,
                         changed_files=_changed_files(path, changed or bool(changed_since), changed_since, files))
    if progress is not None:
        options = replace(options, progress=progress)
    from aima_gate.pipeline.cache_files import cache_folder

    options = replace(options, cache_dir=cache_folder(cache_dir, no_cache), walk_aside=True)
    from aima_gate.reporters import shown_evidence

    # Evidence of the statuses no requested output shows is never built (a framework view reads every finding's).
    formats = [report_fmt for report_fmt, _ in report_files] + ([fmt] if output is None else [])
    shown = set(Status) if framework is not None else {
        status for f in formats for status in shown_evidence(f, findings=findings, verbose=verbose)}
    options = replace(options, pass_evidence=Status.PASS in shown, na_evidence=Status.NOT_APPLICABLE in shown)
    try:
        # The whole run with the collector paused (parsing, evaluation and reporting pause it anyway): what is left
        # between them (config, policies, model merging, sorting, the scorecard) builds no garbage cycles either,
        # and collections there only walked the young objects (10 ms of a 0.35 s hook run at 5,000 models).
        with parallel.no_gc():
            report = run_check(options)
    finally:
        if progress:
            clear_progress()
    if framework:
        from aima_gate.aima.frameworks import with_framework_view

        report = with_framework_view(report, framework)
    # Standard output last, after the report files, as always.
    outputs: list[tuple[str, Path | None]] = [*report_files, *([(fmt, None)] if output is None else [])]

    many = len(report.findings) >= ASIDE_MIN_FINDINGS
    split = _split_outputs(formats) if many else 0
    # Text last, alone or alone in the child: it is split itself instead (reporters/text.Started), the child making
    # most of its findings (alone) or all of them and its next steps (behind outputs made here).
    text_aside = many and formats[-1] == "text" and split in (0, len(formats) - 1) \
        and "framework_view" not in report.extra and not (quiet and output is None)
    split = 0 if text_aside else split
    started: Started | None = None

    def produce(n: int) -> Callable[[], Iterator[bytes]]:
        out_fmt, target = outputs[n]
        text = started if n == len(outputs) - 1 else None
        if target is None:
            return lambda: _stdout_bytes(fmt, report, findings, verbose, quiet, color, text)
        if text is not None:
            return text.written
        return lambda: (_encoded(piece) for piece in _pieces(out_fmt, report, findings, verbose))

    from aima_gate.core.aside import Aside, aside_all

    # The last outputs are made on the second core while this process makes the first ones (core/aside.py): the
    # same bytes, written in the same order.
    # Rendering makes many short-lived tuples and lists and no garbage cycles: the collector would only walk them
    # (90 ms of a text and Markdown run at 5,000 models). Paused here, and so in the child making the others.
    with parallel.no_gc():
        if text_aside:
            from aima_gate.reporters.text import ALONE, BEHIND, Started

            started = Started(report, verbose=verbose, plan=ALONE if len(outputs) == 1 else BEHIND)
        made: list[Aside] = [Aside(produce(n)) for n in range(split)] + aside_all(
            [produce(n) for n in range(split, len(outputs))], worth=split > 0)
        try:
            for (out_fmt, target), out in zip(outputs, made, strict=True):
                if target is not None:
                    write_report(target, out.pieces(), out_fmt, path)
                    continue
                try:
                    _write_stdout(out.pieces())
                except _StdoutUnwritable as unwritable:
                    # Standard output now points at /dev/null so the interpreter's final flush cannot fail again.
                    stdout_to_devnull()
                    if not isinstance(unwritable.error, BrokenPipeError):  # a full disk, a closed descriptor
                        raise ConfigError(f"cannot write the {out_fmt} report to standard output: "
                                          f"{unwritable.error.strerror or unwritable.error}",
                                          hint="write it to a file with --output, or free the space") from None
                    # else the reader went away (`| head`): the verdict stands and is the exit code
        finally:
            for out in made:
                out.cancel()  # nothing once read; a report that failed leaves the child's other outputs unwanted
            if started is not None:
                started.cancel()
    code = report.exit_code
    if soft_fail and code is ExitCode.POLICY_FAILURE:
        click.echo("aima-gate: --soft-fail: policies failed, exiting 0", err=True)
        code = ExitCode.PASS
    sys.exit(int(code))


def _encoded(text: str) -> bytes:
    # backslashreplace: a lone surrogate that reached a report (no loader lets one through, but a file name or a
    # tool's output might) is written as the text "\udcff" instead of crashing the run after evaluation.
    return text.encode("utf-8", "backslashreplace")


ASIDE_MIN_FINDINGS = 20_000
"""From this many findings (a few tenths of a second per report) outputs are shared with the second core."""


def _split_outputs(formats: list[str]) -> int:
    """Where the outputs made here end and those made by the child begin: the split whose larger share costs
    least (a tie keeps more here). 0 when there is nothing to share (fewer than two outputs)."""
    if len(formats) < 2:
        return 0
    costs = [RENDER_COST.get(f, 1.0) for f in formats]
    total = sum(costs)
    return min(range(1, len(formats)), key=lambda k: (max(sum(costs[:k]), total - sum(costs[:k])), -k))


def _stdout_bytes(fmt: str, report: Any, findings: str, verbose: bool, quiet: bool,
                  color: bool | None, started: Started | None = None) -> Iterator[bytes]:
    """What ``check`` writes to standard output, piece by piece (``started``: the text report, already started;
    never quiet)."""
    # Text pieces are whole lines, so colouring them one by one colours what colouring the whole text would.
    paint = colorize if fmt == "text" and wants_color(color) else None
    if started is not None:
        yield from started.written(paint)
        return
    pieces = _pieces(fmt, report, findings, verbose)
    if fmt == "text" and quiet:  # the verdict line, always the last line of the last piece
        last = "".join(deque(pieces, maxlen=1))
        pieces = iter([last.rstrip("\n").rpartition("\n")[2] + "\n"])
    for piece in pieces:
        yield _encoded(paint(piece) if paint else piece)


class _StdoutUnwritable(Exception):
    """A write to standard output failed (``error``); an error made while producing the pieces is not one."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error


def _write_stdout(pieces: Iterable[bytes]) -> None:
    out = sys.stdout.buffer
    try:
        sys.stdout.flush()
    except OSError as exc:
        raise _StdoutUnwritable(exc) from None
    for piece in pieces:  # (an error producing a piece is raised as it is)
        try:
            out.write(piece)
        except OSError as exc:
            raise _StdoutUnwritable(exc) from None
    try:
        out.flush()
    except OSError as exc:
        raise _StdoutUnwritable(exc) from None


def write_report(file: Path, data: bytes | Iterable[bytes], fmt: str, repo: Path) -> None:
    """Write a report file without following symlinks, replacing whatever file was there.

    ``data`` may be a stream of pieces (written as they come); if producing them fails, the partial file is
    removed, so a half-written report is never left to be read as a result.

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
            try:
                for piece in [data] if isinstance(data, bytes) else data:
                    fh.write(piece)
            except BaseException:
                file.unlink(missing_ok=True)
                raise
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
