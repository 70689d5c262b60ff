"""``check`` asks the run for passing findings' evidence only when a requested output shows it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aima_gate.cli.main import main
from aima_gate.pipeline import runner
from tests.conftest import EXAMPLES, TODAY


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
    seen: list[bool] = []
    original = runner.run_check

    def spy(options: Any) -> Any:
        seen.append(options.pass_evidence)
        return original(options)

    monkeypatch.setattr(runner, "run_check", spy)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main, ["check", str(EXAMPLES / "credit-scoring"), "--today", TODAY.isoformat(), "--no-cache", *args]
    )
    assert result.exit_code == 0, result.output
    assert seen == [wanted]
