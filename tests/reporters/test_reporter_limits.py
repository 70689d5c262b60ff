"""Reporter edge cases built from in-memory reports: merged locations, colliding keys, huge reports, findings
with no file to anchor to."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aima_gate.core.model import INPUT_ERROR, AimaRef, Evidence, Finding, Severity, Status, Subject
from aima_gate.core.report import Report
from aima_gate.reporters import get_renderer
from aima_gate.reporters._common import finding_keys
from tests.reporters.test_reporters import assert_valid_sarif, junit_schema

AIMA = AimaRef("governance", "policy-and-compliance", "B", 1)


def finding(policy: str, name: str, file: str, line: int, status: Status = Status.FAIL,
            severity: Severity = Severity.HIGH, message: str = "owner is missing") -> Finding:
    return Finding(policy, "Every model has an owner", status, severity, Subject("model", name, file), AIMA,
                   (Evidence(file, line, "/owner", None, "present", message),), "Add an owner.")


def report(root: Path, *findings: Finding) -> Report:
    return Report("0.1.0", "sha256:" + "0" * 64, Severity.LOW, tuple(findings), (), str(root))


def test_one_result_per_rule_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "card.md").write_text("x\n", encoding="utf-8")
    rep = report(tmp_path, finding("p.card", "a@1", "card.md", 1), finding("p.card", "b@1", "card.md", 1),
                 finding("p.other", "a@1", "card.md", 1))
    run = assert_valid_sarif(get_renderer("sarif")(rep))["runs"][0]
    assert len(run["results"]) == 2
    merged = next(r for r in run["results"] if r["ruleId"] == "p.card")
    assert len(merged["properties"]["findings"]) == 2
    assert "2 subjects" in merged["message"]["text"]


def test_colliding_identities_get_distinct_keys(tmp_path: Path) -> None:
    (tmp_path / "models.yml").write_text("a\nb\n", encoding="utf-8")
    errors = [finding(INPUT_ERROR, "models.yml", "models.yml", line, Status.ERROR, message=f"bad at {line}")
              for line in (1, 2)]
    rep = report(tmp_path, *errors)
    keys = finding_keys(rep)
    assert len(set(keys)) == 2 and keys[0] == errors[0].identity
    quality = json.loads(get_renderer("gitlab")(rep))
    assert [q["fingerprint"] for q in quality] == keys
    sarif = assert_valid_sarif(get_renderer("sarif")(rep))
    assert len({r["partialFingerprints"]["primaryLocationLineHash"] for r in sarif["runs"][0]["results"]}) == 2
    junit_schema().validate(get_renderer("junit")(rep))


def test_finding_without_any_file_becomes_a_notification(tmp_path: Path) -> None:
    rep = report(tmp_path, finding("aima-gate.empty-repository", ".", ".", 1, Status.ERROR))
    run = assert_valid_sarif(get_renderer("sarif")(rep))["runs"][0]
    assert run["results"] == []
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["level"] == "error" and run["invocations"][0]["executionSuccessful"] is False


def test_markdown_stays_under_one_mebibyte(tmp_path: Path) -> None:
    big = "evidence " * 200
    rep = report(tmp_path, *(finding("p.owner", f"model-{i:05d}", "registry.yml", i + 1, message=big)
                             for i in range(20000)))
    md = get_renderer("markdown")(rep)
    assert len(md.encode()) < 1024 * 1024
    assert "findings were left out" in md and md.count("<details>") == md.count("</details>")
    assert md.rstrip().endswith("</sub>")


def test_annotations_respect_github_limits(tmp_path: Path) -> None:
    (tmp_path / "registry.yml").write_text("x\n", encoding="utf-8")
    rep = report(tmp_path, *(finding("p.owner", f"m{i}", "registry.yml", 1, message="a,b:c%\nd") for i in range(25)),
                 *(finding("p.low", f"m{i}", "registry.yml", 1, severity=Severity.INFO) for i in range(3)))
    lines = get_renderer("github")(rep).splitlines()
    assert sum(line.startswith("::error ") for line in lines) == 10
    assert sum(line.startswith("::warning ") for line in lines) == 3
    notice = next(line for line in lines if line.startswith("::notice"))
    assert "15 more findings" in notice
    # A line break inside a message is shown as \n (escape_terminal), never a new line of the annotation.
    assert "a,b:c%25\\nd" in lines[0]


def test_sarif_caps_results(tmp_path: Path) -> None:
    (tmp_path / "r.yml").write_text("x\n", encoding="utf-8")
    rep = report(tmp_path, *(finding("p.owner", f"m{i}", "r.yml", i + 1, severity=Severity.LOW) for i in range(5003)),
                 finding("p.crit", "m", "r.yml", 1, severity=Severity.CRITICAL))
    run = json.loads(get_renderer("sarif")(rep))["runs"][0]
    assert len(run["results"]) == 5000
    assert any(r["ruleId"] == "p.crit" for r in run["results"])
    assert "4 findings were left out" in run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]


def test_annotations_and_summary_do_not_compare_or_render_every_finding(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """20,000 failing findings: the GitHub annotations keep 10 of each level without comparing findings pairwise
    (that took minutes), and the Markdown summary stops rendering once its budget is spent, with the count."""
    from aima_gate.reporters import markdown

    findings = [finding("p.owner", f"m{i:05d}@1", f"registry/m{i:05d}.yml", 2,
                        severity=Severity.HIGH if i % 2 else Severity.INFO) for i in range(20_000)]
    rep = report(tmp_path, *findings)

    def no_eq(self: Finding, other: object) -> bool:
        raise AssertionError("findings compared with ==")

    monkeypatch.setattr(Finding, "__eq__", no_eq)
    lines = get_renderer("github")(rep).splitlines()
    assert sum(line.startswith("::error ") for line in lines) == 10
    assert sum(line.startswith("::warning ") for line in lines) == 10
    assert "19980 more findings were not annotated" in "\n".join(lines)
    blocks: list[str] = []
    original = markdown._finding_block
    def counting(*args: Any) -> str:
        blocks.append(args[1].subject.name)
        return original(*args)

    monkeypatch.setattr(markdown, "_finding_block", counting)
    text = get_renderer("markdown")(rep)
    assert len(text.encode("utf-8")) < 1024 * 1024
    shown = text.count("<a id=\"finding-")
    assert len(blocks) == shown + 1  # the one that did not fit, then no more
    assert f"{20_000 - shown} findings were left out" in text
