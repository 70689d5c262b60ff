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
from collections.abc import Callable, Iterator

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
from aima_gate.reporters._xml_indent import Node, indented, start_tag

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
    return "".join(iter_render(report))


_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_CASE_INDENT = "\n    "
"""Test cases are the suite's children, at level 2."""


def iter_render(report: Report) -> Iterator[str]:
    """The report piece by piece: what ``ET.indent`` + ``ET.tostring`` give for the whole tree (one test case per
    finding: 180,000 at 5,000 models), written one test case at a time (reporters/_xml_indent.py)."""
    summary = report.summary
    skipped = summary["waived"] + summary["not_applicable"]
    counts = (("tests", str(summary["total"])), ("failures", str(summary["fail"])), ("errors", str(summary["error"])))
    suites = Node("testsuites", (("name", "aima-gate"), *counts, ("time", "0")))
    suite = Node("testsuite", (("name", "aima-gate"), *counts, ("skipped", str(skipped)), ("time", "0")))
    properties = [Node("property", (("name", name), ("value", _clean(value)))) for name, value in (
        ("aima-gate.version", report.tool_version), ("aima-gate.verdict", report.verdict),
        ("aima-gate.exit-code", str(int(report.exit_code))),
        ("aima-gate.fail-on", report.fail_on.value),
        ("aima-gate.blocking", str(summary["blocking"])),
        ("aima-gate.policy-pack-digest", report.policy_pack_digest),
        *((f"aima-gate.model-file-imports.{i}", line.strip())
          for i, line in enumerate(summary_lines(report.extra), 1)))]
    # Narrowings as suite properties (CI test views show them), never as test cases: counts stay the findings'.
    properties += [Node("property", (("name", f"aima-gate.scope.{i}"), ("value", _clean(note))))
                   for i, note in enumerate(scope_notes(report), 1)]
    # The suite always has its properties as a child, so it and the root are indented as parents.
    yield _DECLARATION + start_tag(suites) + ">\n  " + start_tag(suite) + ">" + _CASE_INDENT
    yield indented(Node("properties", children=properties), 2)
    exists = file_check(report)
    prefix = path_prefix(report)  # once: it resolves the working directory
    for finding, key in keyed(report):
        yield _CASE_INDENT + indented(_case(report, finding, key, exists, prefix), 2)
    yield "\n  </testsuite>\n</testsuites>\n"


def _case(report: Report, finding: Finding, key: str, exists: Callable[[str], bool], prefix: str | None) -> Node:
    where = anchor(report, finding, exists)
    pid = finding.policy_id
    classname = pid if pid.startswith("aima-gate.") else f"aima-gate.{pid}"
    attrs = (("classname", classname), ("name", case_name(finding, key)), ("time", "0"))
    file = display_path(report, where.file if where else finding.subject.file, prefix)
    message = _clean(finding_message(finding))
    children = []
    if finding.status is Status.FAIL:
        children.append(Node("failure", (("type", finding.policy_id), ("message", message)),
                             _body(report, finding, prefix)))
    elif finding.status is Status.ERROR:
        children.append(Node("error", (("type", finding.policy_id), ("message", message)),
                             _body(report, finding, prefix)))
    elif finding.status is Status.WAIVED:
        w = finding.waiver or {}
        children.append(Node("skipped", (("message", _clean(
            f"waived until {w.get('expires', '?')} by {w.get('owner', '?')}: {w.get('reason', '')}")),)))
    elif finding.status is Status.NOT_APPLICABLE:
        children.append(Node("skipped", (("message", _clean(f"not applicable: {message}")),)))
    children.append(Node("system-out", (), _clean(f"file: {file}")))
    return Node("testcase", attrs, None, children)
