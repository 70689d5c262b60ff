"""``check`` asks the run for passing (and not-applicable) findings' evidence only when a requested output shows
it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from aima_gate.cli.main import main
from aima_gate.pipeline import runner
from tests.conftest import EXAMPLES, TODAY
from tests.spies import record_first_args


@pytest.mark.parametrize(
    ("args", "wanted", "wanted_na"),
    [
        (["--format", "json"], False, True),
        (["--format", "text", "--report", "markdown=out.md", "--report", "sarif=out.sarif"], False, False),
        (["--format", "text", "--report", "html=out.html", "--report", "gitlab=out.json"], False, False),
        (["--format", "github"], False, False),
        (["--format", "text", "--report", "json=out.json"], False, True),
        (["--format", "json", "--findings", "all"], True, True),
        (["--format", "text", "--verbose"], True, True),
        (["--format", "json", "--report", "junit=out.xml"], True, True),
        (["--format", "text", "--framework", "nist-ai-rmf"], True, True),
    ],
)
def test_check_builds_pass_evidence_only_for_outputs_that_show_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], wanted: bool, wanted_na: bool
) -> None:
    runs = record_first_args(monkeypatch, runner, "run_check")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main, ["check", str(EXAMPLES / "credit-scoring"), "--today", TODAY.isoformat(), "--no-cache", *args]
    )
    assert result.exit_code == 0, result.output
    assert [(options.pass_evidence, options.na_evidence) for options in runs] == [(wanted, wanted_na)]
