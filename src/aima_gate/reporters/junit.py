"""JUnit XML for GitLab unit test reports and Jenkins (surefire/xUnit shape; docs/reports.md).

One ``testcase`` per (policy, subject), passes included so GitLab can show resolved failures. The test name is
``<policy id> <subject name> [<key>]`` (first 16 hex digits of the finding key: unique, stable, no line
numbers); ``classname`` is ``aima-gate.<policy id>`` (GitLab shows it as the suite). The repository file is in
``<system-out>`` (``file: <path>``), not in a ``testcase/@file`` attribute: Jenkins' xUnit plugin validates
reports against ``junit-10.xsd``, which has no such attribute and rejects the whole report. Failures carry the
evidence, errors mark findings the gate could not evaluate, waived and not-applicable findings are ``skipped``.
Deterministic: ``time`` is 0 and there is no timestamp.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from aima_gate.core.model import Finding, Status
from aima_gate.core.report import Report
from aima_gate.integrity.import_report import summary_lines
from aima_gate.reporters._common import (
    SHORT_KEY,
    anchor,
    display_path,
    evidence_lines,
    file_check,
    finding_message,
    keyed,
    path_prefix,
    scope_notes,
)

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _ILLEGAL_XML.sub("\ufffd", text)


def _body(report: Report, finding: Finding, prefix: str | None = None) -> str:
    lines = [f"Policy: {finding.policy_id} - {finding.title} (severity: {finding.severity.value}"
             + (", blocking" if report.is_blocking(finding) else ", not blocking") + ")",
             f"Subject: {finding.subject.kind} {finding.subject.name} "
             f"({display_path(report, finding.subject.file, prefix)})"]
    if finding.aima is not None:
        a = finding.aima
        lines.append(f"AIMA: {a.domain} / {a.practice}, stream {a.stream}, level {a.level}")
    lines.append("Evidence:")
    lines += [f"  {line}" for line in evidence_lines(report, finding, prefix)]
    lines.append(f"Fix: {finding.remediation}")
    return _clean("\n".join(lines))


def case_name(finding: Finding, key: str) -> str:
    return _clean(f"{finding.policy_id} {finding.subject.name} [{key[:SHORT_KEY]}]")


def render(report: Report) -> str:
    summary = report.summary
    skipped = summary["waived"] + summary["not_applicable"]
    counts = {"tests": str(summary["total"]), "failures": str(summary["fail"]), "errors": str(summary["error"])}
    suites = ET.Element("testsuites", {"name": "aima-gate", **counts, "time": "0"})
    suite = ET.SubElement(suites, "testsuite", {"name": "aima-gate", **counts, "skipped": str(skipped), "time": "0"})
    props = ET.SubElement(suite, "properties")
    for name, value in (("aima-gate.version", report.tool_version), ("aima-gate.verdict", report.verdict),
                        ("aima-gate.exit-code", str(int(report.exit_code))),
                        ("aima-gate.fail-on", report.fail_on.value),
                        ("aima-gate.blocking", str(summary["blocking"])),
                        ("aima-gate.policy-pack-digest", report.policy_pack_digest),
                        *((f"aima-gate.model-file-imports.{i}", line.strip())
                          for i, line in enumerate(summary_lines(report.extra), 1))):
        ET.SubElement(props, "property", {"name": name, "value": _clean(value)})
    # Narrowings as suite properties (CI test views show them), never as test cases: counts stay the findings'.
    for i, note in enumerate(scope_notes(report), 1):
        ET.SubElement(props, "property", {"name": f"aima-gate.scope.{i}", "value": _clean(note)})
    exists = file_check(report)
    prefix = path_prefix(report)  # once: it resolves the working directory
    for finding, key in keyed(report):
        where = anchor(report, finding, exists)
        pid = finding.policy_id
        classname = pid if pid.startswith("aima-gate.") else f"aima-gate.{pid}"
        attrs = {"classname": classname, "name": case_name(finding, key), "time": "0"}
        case = ET.SubElement(suite, "testcase", attrs)
        file = display_path(report, where.file if where else finding.subject.file, prefix)
        message = _clean(finding_message(finding))
        if finding.status is Status.FAIL:
            el = ET.SubElement(case, "failure", {"type": finding.policy_id, "message": message})
            el.text = _body(report, finding, prefix)
        elif finding.status is Status.ERROR:
            el = ET.SubElement(case, "error", {"type": finding.policy_id, "message": message})
            el.text = _body(report, finding, prefix)
        elif finding.status is Status.WAIVED:
            w = finding.waiver or {}
            ET.SubElement(case, "skipped", {"message": _clean(
                f"waived until {w.get('expires', '?')} by {w.get('owner', '?')}: {w.get('reason', '')}")})
        elif finding.status is Status.NOT_APPLICABLE:
            ET.SubElement(case, "skipped", {"message": _clean(f"not applicable: {message}")})
        ET.SubElement(case, "system-out").text = _clean(f"file: {file}")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
