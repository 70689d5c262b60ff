"""SARIF 2.1.0 for GitHub code scanning (``upload-sarif``) and GitLab SARIF ingestion.

Choices (docs/reports.md has the full table):

* one run; one rule per evaluated policy (plus the gate's own rules that produced findings), with name, short
  and full description, help (remediation and AIMA mapping), ``security-severity``, tags, AIMA mapping and
  cross-mappings in ``properties``;
* a result per failing, erroring or waived finding; waived ones carry ``suppressions`` (kind ``external``);
* every result points at an existing repository file with ``startLine >= 1`` (findings about a whole file or
  about nothing in particular are anchored at line 1 of the most relevant existing file); a finding with no
  existing file at all (empty repository) becomes a ``toolExecutionNotification`` instead;
* at most one result per (rule, file, start line): GitHub and GitLab silently merge such results, so we merge
  them ourselves and list every merged finding key in ``properties.findings``;
* ``partialFingerprints``: ``aimaGateFinding/v1`` is the finding key and ``primaryLocationLineHash`` is derived
  from it, so an alert keeps its identity when unrelated lines move;
* at most 5,000 results (GitHub keeps 5,000 per run, GitLab rejects more): the lowest severities are dropped
  first and a notification says how many.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aima_gate.core.model import Finding, Severity, Status
from aima_gate.core.report import VERDICT_ERROR, Report, per_kind
from aima_gate.integrity.import_report import KEY
from aima_gate.reporters._common import (
    INFORMATION_URI,
    SCOPE_RULE,
    SHORT_KEY,
    anchor,
    display_path,
    file_check,
    finding_message,
    found_detail,
    help_uri,
    keyed_not_passing,
    path_prefix,
    rule_meta,
    scope_notes,
    severity_sort_key,
)
from aima_gate.reporters._json_indent import dumps_indented

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_RESULTS = 5000
LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note",
         Severity.INFO: "note"}
# Midpoints of GitHub's and GitLab's buckets, as trivy uses them (never a boundary value such as 9.0).
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "2.0",
                     Severity.INFO: "0.5"}
FRAMEWORK_TAGS = {"nist_ai_rmf": "nist-ai-rmf", "iso_42001": "iso-42001", "eu_ai_act": "eu-ai-act",
                  "owasp_llm": "owasp-llm-top-10"}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rule(report: Report, meta: dict[str, Any]) -> dict[str, Any]:
    severity: Severity = meta["severity"]
    aima = meta["aima"]
    tags = ["aima-gate", "security", f"severity-{severity.value}"]
    help_md = [meta["remediation"]]
    props: dict[str, Any] = {"precision": "very-high", "security-severity": SECURITY_SEVERITY[severity],
                             "severity": severity.value}
    if aima is not None:
        tags += ["aima", f"aima-{aima.domain}", f"aima-{aima.practice}"]
        props["aima"] = {"domain": aima.domain, "practice": aima.practice, "stream": aima.stream,
                         "level": aima.level}
        help_md.append(f"**OWASP AIMA:** {aima.domain} / {aima.practice}, stream {aima.stream}, "
                       f"level {aima.level}")
    mappings = {k: list(v) for k, v in sorted(meta["mappings"].items()) if v}
    if mappings:
        props["mappings"] = mappings
        tags += [FRAMEWORK_TAGS.get(k, k) for k in mappings]
        help_md.append("**Also maps to:** " + "; ".join(f"{k}: {', '.join(v)}" for k, v in mappings.items()))
    props["tags"] = tags[:10]
    rule: dict[str, Any] = {
        "id": meta["id"],
        "name": _cut(meta["id"].replace(".", "-").replace("_", "-"), 255),
        "shortDescription": {"text": _cut(meta["title"], 1024)},
        "fullDescription": {"text": _cut(meta["description"], 2048)},
        "help": {"text": _cut("\n\n".join(help_md).replace("**", ""), 2048),
                 "markdown": "\n\n".join(["**How to fix:** " + help_md[0], *help_md[1:]])},
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": props,
    }
    uri = help_uri(report, meta["file"])
    if uri:
        rule["helpUri"] = uri
    return rule


def _text(report: Report, group: list[tuple[Finding, str]], prefix: str) -> str:
    first = group[0][0]
    lead = f"{first.title}: {first.subject.name} does not comply." if first.status is not Status.ERROR \
        else f"Cannot evaluate {first.subject.name}: {first.evidence[0].message if first.evidence else first.title}."
    if len(group) > 1:
        lead = f"{first.title}: {len(group)} subjects do not comply at this location."
    lines = [lead]
    for f, _key in group:
        lines.append(finding_message(f))
        for ev in f.evidence:
            lines.append(f"  {display_path(report, ev.file, prefix)}:{ev.line}: {ev.message} (expected {ev.expected})")
            detail = found_detail(ev)
            if detail:
                lines.append(f"    found: {detail}")
        if f.waiver:
            lines.append(f"  waived by {f.waiver.get('owner')} until {f.waiver.get('expires')}: "
                         f"{f.waiver.get('reason')}")
    lines.append(f"Fix: {first.remediation}")
    return _cut("\n".join(lines), 2048)


def _result(report: Report, group: list[tuple[Finding, str]], rule_index: int, file: str, line: int,
            exact: bool, prefix: str) -> dict[str, Any]:
    finding, key = group[0]
    worst = max((f for f, _ in group), key=lambda f: f.severity.rank)
    level = "error" if any(f.status is Status.ERROR for f, _ in group) else LEVEL[worst.severity]
    location: dict[str, Any] = {"physicalLocation": {
        "artifactLocation": {"uri": quote(display_path(report, file, prefix)), "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": line}}}
    if not exact:
        location["message"] = {"text": f"The finding concerns {finding.subject.kind} {finding.subject.name}; "
                                       f"anchored at line 1 of {display_path(report, file, prefix)}."}
    result: dict[str, Any] = {
        "ruleId": finding.policy_id,
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": _text(report, group, prefix)},
        "locations": [location],
        "partialFingerprints": {"aimaGateFinding/v1": key, "primaryLocationLineHash": f"{key[:SHORT_KEY]}:1"},
        "properties": {
            "findings": [k for _, k in group],
            "status": sorted({f.status.value for f, _ in group}),
            "severity": worst.severity.value,
            "blocking": any(report.is_blocking(f) for f, _ in group),
            "subjects": [{"kind": f.subject.kind, "name": f.subject.name,
                          "file": display_path(report, f.subject.file, prefix)} for f, _ in group],
        },
    }
    if all(f.status is Status.WAIVED for f, _ in group):
        result["suppressions"] = [{
            "kind": "external", "status": "accepted",
            "justification": _cut("; ".join(
                f"{f.subject.name}: {(f.waiver or {}).get('reason', '')} (owner {(f.waiver or {}).get('owner', '?')},"
                f" until {(f.waiver or {}).get('expires', '?')})" for f, _ in group), 2048)}]
    return result


def sarif_dict(report: Report) -> dict[str, Any]:
    metas = rule_meta(report)
    rules = [_rule(report, m) for m in metas.values()]
    index = {rule_id: i for i, rule_id in enumerate(metas)}
    wanted = keyed_not_passing(report)
    exists = file_check(report)
    prefix = path_prefix(report)  # once: it resolves the working directory
    notifications: list[dict[str, Any]] = []
    groups: dict[tuple[str, str, int], list[tuple[Finding, str]]] = {}
    exactness: dict[tuple[str, str, int], bool] = {}
    for f, k in wanted:
        where = anchor(report, f, exists)
        if where is None:
            notifications.append({
                "level": "error" if f.status is Status.ERROR else LEVEL[f.severity],
                "message": {"text": _cut(f"{finding_message(f)} (no repository file to anchor this finding to)",
                                         2048)},
                "descriptor": {"id": f.policy_id},
                "properties": {"findings": [k], "status": [f.status.value]}})
            continue
        group_key = (f.policy_id, where.file, where.line)
        groups.setdefault(group_key, []).append((f, k))
        exactness[group_key] = exactness.get(group_key, True) and where.exact
    ordered = list(groups.items())
    dropped: list[tuple[Finding, str]] = []
    if len(ordered) > MAX_RESULTS:
        # tens of thousands of results, a few hundred kinds: severity_sort_key reads nothing else of a finding
        rank = per_kind(lambda f: severity_sort_key(report, f))
        ranked = sorted(range(len(ordered)), key=lambda i: (rank(ordered[i][1][0][0]), i))
        keep = set(ranked[:MAX_RESULTS])
        dropped = [m for i, (_, members) in enumerate(ordered) if i not in keep for m in members]
        ordered = [g for i, g in enumerate(ordered) if i in keep]
    if dropped:
        notifications.append({
            "level": "warning",
            "message": {"text": f"{len(dropped)} findings were left out of this SARIF file: code scanning keeps at "
                                f"most {MAX_RESULTS} results per run. The JSON report lists every finding."},
            "properties": {"findings": [k for _, k in dropped], "status": ["omitted"]}})
    results = [_result(report, members, index[rule_id], file, line, exactness[(rule_id, file, line)], prefix)
               for (rule_id, file, line), members in ordered]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "aima-gate",
                "organization": "aima-gate",
                "informationUri": INFORMATION_URI,
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "rules": rules,
            }},
            "automationDetails": {"id": "aima-gate/"},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {
                "text": "The directory aima-gate ran in (the repository checkout)"
                        + (f"; the scanned root is {prefix.rstrip('/')}" if prefix else "")
            }}},
            "invocations": [{
                "executionSuccessful": report.verdict != VERDICT_ERROR,
                "exitCode": int(report.exit_code),
                "toolExecutionNotifications": notifications,
                # What the run did not evaluate (pipeline/scope.py): configuration notes, one per narrowing.
                **({"toolConfigurationNotifications": [
                    {"level": "note", "message": {"text": _cut(note, 2048)}, "descriptor": {"id": SCOPE_RULE}}
                    for note in scope_notes(report)]} if scope_notes(report) else {}),
            }],
            "properties": {
                "verdict": report.verdict,
                "exitCode": int(report.exit_code),
                "failOn": report.fail_on.value,
                "summary": report.summary,
                "policyPackDigest": report.policy_pack_digest,
                **({"modelFileImports": report.extra[KEY]} if KEY in report.extra else {}),
                **({"scope": report.extra["scope"]} if "scope" in report.extra else {}),
            },
            "results": results,
        }],
    }


def render(report: Report) -> str:
    return dumps_indented(sarif_dict(report)) + "\n"  # json.dumps(..., indent=2, ensure_ascii=False), faster
