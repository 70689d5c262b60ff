"""The GitLab CI job template: schema (header and interpolated body) and a real run with gitlab-ci-local."""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.reporters.test_reporters import junit_schema
from tests.surfaces.tools import python_tool

pytestmark = pytest.mark.slow
TEMPLATE = REPO_ROOT / ".gitlab-ci-template.yml"


def interpolate(text: str, inputs: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Split the header from the body and replace ``$[[ inputs.x ]]`` as GitLab does (defaults + given)."""
    header, body = text.split("\n---\n", 1)
    spec = yaml.safe_load(header)["spec"]["inputs"]
    values = {name: s.get("default") for name, s in spec.items()}
    values.update(inputs)
    missing = [name for name, v in values.items() if v is None]
    assert not missing, f"inputs without default must be given: {missing}"

    def value(m: re.Match[str]) -> str:
        v = values[m.group(1)]
        return str(v).lower() if isinstance(v, bool) else str(v)

    return yaml.safe_load(header), re.sub(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]", value, body)


@pytest.mark.parametrize("inputs", [{}, {"job-name": "governance", "allow-failure": True, "fail-on": "high",
                                         "extra-args": "--changed-since origin/main"}])
def test_template_is_valid_gitlab_ci(inputs: dict[str, Any], tmp_path: Path) -> None:
    header, body = interpolate(TEMPLATE.read_text(encoding="utf-8"), inputs)
    assert set(header) == {"spec"}
    doc = yaml.safe_load(body)
    job = doc[inputs.get("job-name", "aima-gate")]
    assert job["artifacts"]["reports"] == {"junit": "aima-gate-reports/aima-gate.junit.xml",
                                           "codequality": "aima-gate-reports/aima-gate.codequality.json"}
    assert job["artifacts"]["when"] == "always"
    assert job["allow_failure"] is inputs.get("allow-failure", False)
    assert not {"stages", "default", "workflow", "variables", "image"} & set(doc)  # a job template
    out = tmp_path / "interpolated.yml"
    out.write_text(body, encoding="utf-8")
    proc = subprocess.run([python_tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_job_on_compliant_example(gitlab_run: Callable[[str], Any]) -> None:
    run = gitlab_run("credit-scoring")
    assert run.passed, run.log[-4000:]
    report = json.loads((run.reports / "aima-gate.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "pass"
    # No finding to fix; only the narrowing the example's config declares (development-only requirements), which
    # every format lists as an info-level scope note.
    quality = json.loads((run.reports / "aima-gate.codequality.json").read_text(encoding="utf-8"))
    assert [(q["check_name"], q["severity"]) for q in quality] == [("aima-gate.scope", "info")], quality
    html = (run.reports / "aima-gate.html").read_text(encoding="utf-8")  # for people who do not read job logs
    assert html.startswith("<!DOCTYPE html>") and "aima-gate" in html


def test_job_on_failing_example(gitlab_run: Callable[[str], Any]) -> None:
    run = gitlab_run("llm-assistant")
    assert not run.passed and "FAIL  aima-gate" in run.log, run.log[-4000:]
    report = json.loads((run.reports / "aima-gate.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "fail" and report["exit_code"] == 1  # the example fails on purpose, no error
    assert f"aima-gate exit code: {report['exit_code']}" in run.log
    # The report artifacts gitlab-ci-local exported are the ones GitLab would read.
    exported = run.state / "artifacts" / "aima-gate" / "aima-gate-reports"
    assert exported.is_dir(), sorted(str(p) for p in run.state.rglob("*"))[:50]
    junit = (exported / "aima-gate.junit.xml").read_text(encoding="utf-8")
    junit_schema().validate(junit)
    suite = ET.fromstring(junit).find("testsuite")
    assert suite is not None and int(suite.get("failures", 0)) == report["summary"]["fail"]
    quality = json.loads((exported / "aima-gate.codequality.json").read_text(encoding="utf-8"))
    findings = [q for q in quality if q["check_name"] != "aima-gate.scope"]  # scope notes: one per narrowing
    assert len(findings) == report["summary"]["fail"] + report["summary"]["error"]
    assert len(quality) - len(findings) == len(report["scope"]["narrowings"]), report["scope"]
    for issue in quality:
        assert (run.project / issue["location"]["path"]).is_file()
    assert (exported / "aima-gate.sarif").is_file() and (exported / "aima-gate.md").is_file()


def test_findings_input_reaches_the_gate_as_its_environment_variable() -> None:
    spec, body = TEMPLATE.read_text(encoding="utf-8").split("\n---\n", 1)
    inputs = yaml.safe_load(spec)["spec"]["inputs"]
    assert inputs["findings"]["default"] == "summary" and inputs["findings"]["options"] == ["summary", "all"]
    assert 'AIMA_GATE_FINDINGS: "$[[ inputs.findings ]]"' in body


def test_the_job_runs_without_the_artifact_cache_by_default() -> None:
    """The job's container starts with an empty cache folder and throws it away: the gate is told not to write
    one (a job variable that the user's own job can override)."""
    _, body = TEMPLATE.read_text(encoding="utf-8").split("\n---\n", 1)
    assert 'AIMA_GATE_NO_CACHE: "1"' in body
