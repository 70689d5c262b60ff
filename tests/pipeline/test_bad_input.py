"""Bad input of the issue-7 kinds: each is an error (exit 2) or a finding naming the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from aima_gate.core.clock import Clock
from aima_gate.core.model import INPUT_ERROR, Status
from aima_gate.pipeline.runner import RunOptions, run_check
from tests.conftest import TODAY, check_json, write

DOC = """---
kind: {kind}
title: Runbook
owner: ops@example.org
approvers: [Head of Ops]
last_reviewed: {reviewed}
next_review: 2027-06-01
covers: [scorer]
---

## Detection

Alerts and complaints open an incident for the model.
"""


def _errors(root: Path, policy: str) -> list[tuple[str, int, str]]:
    report = run_check(RunOptions(root=root, clock=Clock.at(TODAY), only_policies=frozenset({policy})))
    return [(f.evidence[0].file, f.evidence[0].line, f.evidence[0].message)
            for f in report.findings if f.policy_id == INPUT_ERROR]


def test_document_without_front_matter(tmp_path: Path) -> None:
    write(tmp_path, "governance/runbook.md", "# Runbook\n\n## Detection\n\nAlerts open incidents.\n")
    assert _errors(tmp_path, "document.owner-and-approval") == [
        ("governance/runbook.md", 1, "document has no YAML front matter (kind, owner, approvers, review dates)")]


@pytest.mark.parametrize(("value", "message"), [
    ("next spring", "last_reviewed 'next spring' is not a date"),
    ("2026-13-45", "month must be in 1..12"),
    ("'2026-02-30'", "last_reviewed '2026-02-30' is not a date"),
])
def test_document_with_unparseable_date(tmp_path: Path, value: str, message: str) -> None:
    write(tmp_path, "governance/runbook.md", DOC.format(kind="incident-runbook", reviewed=value))
    [(file, line, got)] = _errors(tmp_path, "document.review-fresh")
    assert (file, line) == ("governance/runbook.md", 6)
    assert message in got


def test_document_with_unknown_kind(tmp_path: Path) -> None:
    write(tmp_path, "governance/runbook.md", DOC.format(kind="incident-playbook", reviewed="2026-06-01"))
    code, report = check_json(tmp_path, "--policy", "document.owner-and-approval")
    assert code == 2
    [err] = [f for f in report["findings"] if f["policy_id"] == INPUT_ERROR]
    assert err["evidence"][0]["file"] == "governance/runbook.md"
    assert err["evidence"][0]["line"] == 2
    assert "unknown document kind 'incident-playbook'" in err["evidence"][0]["message"]


def test_document_kinds_can_be_extended_in_config(tmp_path: Path) -> None:
    write(tmp_path, "governance/runbook.md", DOC.format(kind="incident-playbook", reviewed="2026-06-01"))
    write(tmp_path, ".aima-gate.yml", "artifacts:\n  document:\n    kinds: {incident-playbook: Our playbooks}\n")
    assert _errors(tmp_path, "document.owner-and-approval") == []


def test_document_front_matter_never_closed(tmp_path: Path) -> None:
    write(tmp_path, "governance/runbook.md", "---\nkind: ai-policy\n\n# Policy\n")
    [(file, line, message)] = _errors(tmp_path, "document.owner-and-approval")
    assert (file, line) == ("governance/runbook.md", 1) and "never closed" in message


THREAT_MODEL = """system: scorer
models: [scorer]
llm: true
stride:
  spoofing:
    - id: S1
      threat: impersonation
      mitigations: [{{control: mTLS, owner: sec@example.org}}]
  {category}:
    - id: X1
      threat: something
owasp_llm:
  LLM01: {{applicable: true, reason: free text input}}
  {llm_id}: {{applicable: false, reason: no tools}}
"""


@pytest.mark.parametrize(("category", "llm_id", "line", "message"), [
    ("tempering", "LLM02", 9, "unknown STRIDE category 'tempering'"),
    ("tampering", "LLM11", 14, "unknown OWASP Top 10 for LLM 2025 id 'LLM11'"),
    ("tampering", "ASI01", 14, "unknown OWASP Top 10 for LLM 2025 id 'ASI01'"),
])
def test_threat_model_unknown_ids(tmp_path: Path, category: str, llm_id: str, line: int, message: str) -> None:
    write(tmp_path, "threat-models/scorer.yml", THREAT_MODEL.format(category=category, llm_id=llm_id))
    [(file, got_line, got)] = _errors(tmp_path, "threat_model.stride-coverage")
    assert (file, got_line) == ("threat-models/scorer.yml", line)
    assert message in got


def test_threat_model_accepts_id_with_year(tmp_path: Path) -> None:
    write(tmp_path, "threat-models/scorer.yml", THREAT_MODEL.format(category="tampering", llm_id="LLM02:2025"))
    assert _errors(tmp_path, "threat_model.stride-coverage") == []


def test_threat_model_missing_evidence_file(tmp_path: Path) -> None:
    write(tmp_path, "threat-models/scorer.yml", THREAT_MODEL.format(category="tampering", llm_id="LLM02").replace(
        "owner: sec@example.org}", "owner: sec@example.org, evidence: ../tests/mtls.txt}"))
    [(file, line, message)] = _errors(tmp_path, "threat_model.stride-coverage")
    assert (file, line) == ("threat-models/scorer.yml", 8)
    assert "references tests/mtls.txt, which does not exist" in message


ATTESTATIONS = """attestations:
  - cell: governance/strategy-and-metrics/A/1
    answer: yes
    owner: cto@example.org
    date: 2026-10-01
    evidence: https://wiki.example.org/strategy
    expires: 2027-10-01
  - cell: governance/strategy-and-metrics/A/4
    answer: yes
    owner: cto@example.org
    date: 2026-10-01
    evidence: https://wiki.example.org/strategy
    expires: 2027-10-01
"""


def test_attestation_for_unknown_cell_is_a_finding_with_line(tmp_path: Path) -> None:
    write(tmp_path, "attestations.yml", ATTESTATIONS)
    code, report = check_json(tmp_path, "--policy", "attestation.known-cell")
    assert code == 1
    [bad] = [f for f in report["findings"] if f["status"] == "fail"]
    assert bad["subject"]["name"] == "governance/strategy-and-metrics/A/4"
    assert (bad["evidence"][0]["file"], bad["evidence"][0]["line"]) == ("attestations.yml", 8)


@pytest.mark.parametrize(("old", "new", "line", "message"), [
    ("    answer: yes\n    owner: cto@example.org\n    date: 2026-10-01\n    evidence: https://wiki.example.org/strategy\n"
     "    expires: 2027-10-01\n  - cell: governance/strategy-and-metrics/A/4",
     "    answer: maybe\n    owner: cto@example.org\n    date: 2026-10-01\n    evidence: https://wiki.example.org/strategy\n"
     "    expires: 2027-10-01\n  - cell: governance/strategy-and-metrics/A/4", 3, "answer must be yes or no"),
    ("expires: 2027-10-01\n  - cell: governance/strategy-and-metrics/A/4", "expires: next year\n  - cell: x", 7,
     "expires 'next year' is not a date"),
])
def test_attestation_bad_values_are_errors(tmp_path: Path, old: str, new: str, line: int, message: str) -> None:
    write(tmp_path, "attestations.yml", ATTESTATIONS.replace(old, new, 1))
    errors = _errors(tmp_path, "attestation.known-cell")
    assert [(f, ln) for f, ln, _ in errors] == [("attestations.yml", line)]
    assert message in errors[0][2]


def test_expired_attestation_and_missing_owner_are_findings(tmp_path: Path) -> None:
    text = ATTESTATIONS.replace("expires: 2027-10-01\n  - cell", "expires: 2026-01-31\n  - cell", 1)
    text = text.replace("A/4\n    answer: yes\n    owner: cto@example.org\n", "A/2\n    answer: yes\n")
    write(tmp_path, "attestations.yml", text)
    only = frozenset({"attestation.not-expired", "attestation.owned-and-evidenced"})
    report = run_check(RunOptions(root=tmp_path, clock=Clock.at(TODAY), only_policies=only))
    failing = {(f.policy_id, f.subject.name, f.evidence[0].file, f.evidence[0].line, f.evidence[0].message)
               for f in report.findings if f.status is Status.FAIL}
    assert failing == {
        ("attestation.not-expired", "governance/strategy-and-metrics/A/1", "attestations.yml", 7,
         "the attestation has expired"),
        ("attestation.owned-and-evidenced", "governance/strategy-and-metrics/A/2", "attestations.yml", 8,
         "the attestation has no owner"),
    }


@pytest.mark.parametrize(("rel", "text", "line", "message"), [
    ("monitoring/drift/scorer/new.json", '{"metrics": [{"id": "1", "metric_id": "DriftedColumnsCount(drift_share=0.5)",'
     ' "value": {"count": 1, "share": 0.1}},\n {"metric_id": "ValueDrift(column=age)", "value": 0.2}]}', 2,
     "Evidently ValueDrift without column, threshold"),
    ("monitoring/drift-report-scorer.yml", "model: scorer\ndate: last tuesday\ndataset_drift: false\n", 2,
     "date 'last tuesday' is not a date"),
    ("monitoring/drift-report-scorer.yml", "model: scorer\ndate: 2026-11-01\n", 1, "dataset_drift (true/false)"),
    ("data-validation/apps/run.json", '{"success": true, "results": [], "meta": {"dataset": "apps",\n'
     ' "run_id": {"run_time": "yesterday"}}}', 2, "validation run time 'yesterday'"),
    ("data-validation/apps/run.json", '{"run_results": {}}', 1, "not a Great Expectations validation result"),
    ("reports/robustness-scorer.yml", "model: scorer\nmodel_version: '1'\ndate: 2026-11-01\nattacks:\n"
     "  - attack: PGD\n    robust_accuracy: 84.6\n", 6, "robust_accuracy must be a fraction between 0 and 1"),
    ("reports/robustness-scorer.yml", "model: scorer\nmodel_version: '1'\ndate: 2026-11-01\nattacks:\n"
     "  - attack: PGD\n    clean_accuracy: 0.9\n", 5, "has neither robust_accuracy nor attack_success_rate"),
])
def test_report_kinds_bad_input(tmp_path: Path, rel: str, text: str, line: int, message: str) -> None:
    write(tmp_path, rel, text)
    policy = {"monitoring": "drift_report.no-unaddressed-drift", "data-validation": "data_validation.latest-succeeded",
              "reports": "robustness_report.recent"}[rel.split("/")[0]]
    code, report = check_json(tmp_path, "--policy", policy)
    assert code == 2
    [err] = [f for f in report["findings"] if f["policy_id"] == INPUT_ERROR]
    assert (err["evidence"][0]["file"], err["evidence"][0]["line"]) == (rel, line)
    assert message in err["evidence"][0]["message"]


def test_attestations_and_threat_models_under_governance_are_not_documents(tmp_path: Path) -> None:
    write(tmp_path, "governance/attestations.yml", ATTESTATIONS)
    write(tmp_path, "governance/threat-models/scorer.yml", THREAT_MODEL.format(category="tampering", llm_id="LLM02"))
    write(tmp_path, "governance/runbook.md", DOC.format(kind="incident-runbook", reviewed="2026-06-01"))
    only = frozenset({"document.owner-and-approval", "attestation.known-cell", "threat_model.stride-coverage"})
    report = run_check(RunOptions(root=tmp_path, clock=Clock.at(TODAY), only_policies=only))
    assert not [f for f in report.findings if f.status is Status.ERROR]
    assert {f.subject.kind for f in report.findings} == {"document", "attestation", "threat_model"}
