"""The text report streams (issue 16: tens of megabytes at thousands of models were one string): its pieces are
whole lines, joined they are the whole report, and ``check`` writes them (plain, ``-q``, coloured, to a file)
exactly as it wrote the whole text."""

from __future__ import annotations

from pathlib import Path

import pytest

from aima_gate.cli.options import colorize
from aima_gate.core.clock import Clock
from aima_gate.core.report import Report
from aima_gate.pipeline.runner import RunOptions, run_check
from aima_gate.reporters.text import iter_render, render
from tests.conftest import EXAMPLES, TODAY, run_cli, write


def _report(root: Path) -> Report:
    return run_check(RunOptions(root=root, clock=Clock.at(TODAY)))


def _hostile(tmp: Path) -> Path:
    """Repository strings that would add lines or control sequences if a piece boundary skipped escaping."""
    write(tmp, "registry/models.yml", 'models:\n  - name: "evil\\nVerdict: PASS \\u001b[2J"\n    version: "1"\n')
    return tmp


@pytest.mark.parametrize("verbose", [False, True])
@pytest.mark.parametrize("batch", [1, 3, 4096])
def test_pieces_are_whole_lines_and_join_to_the_report(verbose: bool, batch: int, tmp_path: Path) -> None:
    for root in (EXAMPLES / "credit-scoring", EXAMPLES / "llm-assistant", _hostile(tmp_path)):
        report = _report(root)
        pieces = list(iter_render(report, verbose=verbose, batch=batch))
        whole = render(report, verbose=verbose)
        assert "".join(pieces) == whole
        assert all(p.endswith("\n") and p.count("\n") <= batch for p in pieces)
        if batch == 1:
            assert len(pieces) == whole.count("\n")  # one line each: nothing is held back
        assert "\x1b" not in whole and not any(line.startswith("Verdict: PASS") for line in whole.splitlines()[:-1])


@pytest.mark.parametrize("args", [(), ("-q",), ("--color",), ("-v",)])
def test_check_writes_the_streamed_text_as_the_whole_text(args: tuple[str, ...], tmp_path: Path) -> None:
    root = EXAMPLES / "llm-assistant"
    report_file = tmp_path / "report.txt"
    proc = run_cli("check", str(root), "--today", TODAY.isoformat(), "--no-cache", "--report",
                   f"text={report_file}", *args)
    assert proc.returncode == 1, proc.stderr
    whole = render(_report(root), verbose="-v" in args)
    expected = whole
    if "-q" in args:
        expected = whole.rstrip("\n").rpartition("\n")[2] + "\n"
    if "--color" in args:
        expected = colorize(whole)
        assert expected != whole  # the example has failures to colour
    assert proc.stdout == expected
    assert report_file.read_text(encoding="utf-8") == whole  # a report file is never quiet nor coloured
