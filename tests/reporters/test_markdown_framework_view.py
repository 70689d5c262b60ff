"""`check --framework X --format markdown` groups findings by that framework's identifiers, as text and JSON do."""

from __future__ import annotations

from tests.conftest import EXAMPLES, TODAY, run_cli


def test_markdown_groups_findings_by_the_chosen_framework() -> None:
    proc = run_cli("check", str(EXAMPLES / "llm-assistant"), "--today", TODAY.isoformat(), "--format", "markdown",
                   "--framework", "owasp-llm")
    assert proc.returncode == 1, proc.stderr
    assert "## Findings by OWASP Top 10 for LLM Applications 2025" in proc.stdout
    assert "### LLM01:2025: Prompt Injection" in proc.stdout


def test_markdown_without_framework_has_no_framework_section() -> None:
    proc = run_cli("check", str(EXAMPLES / "llm-assistant"), "--today", TODAY.isoformat(), "--format", "markdown")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("## ❌ aima-gate: FAIL") and "### ❌ Failures by AIMA domain" in proc.stdout
    assert "## Findings by" not in proc.stdout
