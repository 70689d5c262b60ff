"""``check`` asks the run for passing (and not-applicable) findings' evidence only when a requested output shows
it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aima_gate.cli.main import main
from aima_gate.pipeline import runner
from tests.conftest import EXAMPLES, TODAY


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
    seen: list[tuple[bool, bool]] = []
    original = runner.run_check

    def spy(options: Any) -> Any:
        seen.append((options.pass_evidence, options.na_evidence))
        return original(options)

    monkeypatch.setattr(runner, "run_check", spy)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main, ["check", str(EXAMPLES / "credit-scoring"), "--today", TODAY.isoformat(), "--no-cache", *args]
    )
    assert result.exit_code == 0, result.output
    assert seen == [(wanted, wanted_na)]
