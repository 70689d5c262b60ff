"""``check`` asks the run for passing findings' evidence only when a requested output shows it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from aima_gate.cli.main import main
from aima_gate.pipeline import runner
from tests.conftest import EXAMPLES, TODAY
from tests.spies import record_first_args


@pytest.mark.parametrize(
    ("args", "wanted"),
    [
        (["--format", "json"], False),
        (["--format", "text", "--report", "markdown=out.md", "--report", "sarif=out.sarif"], False),
        (["--format", "json", "--findings", "all"], True),
        (["--format", "text", "--verbose"], True),
        (["--format", "json", "--report", "junit=out.xml"], True),
        (["--format", "json", "--framework", "nist-ai-rmf"], True),
    ],
)
def test_check_builds_pass_evidence_only_for_outputs_that_show_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], wanted: bool
) -> None:
    runs = record_first_args(monkeypatch, runner, "run_check")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main, ["check", str(EXAMPLES / "credit-scoring"), "--today", TODAY.isoformat(), "--no-cache", *args]
    )
    assert result.exit_code == 0, result.output
    assert [options.pass_evidence for options in runs] == [wanted]
