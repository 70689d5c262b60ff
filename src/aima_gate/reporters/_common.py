"""Helpers shared by the CI report formats (sarif, junit, gitlab, markdown, github).

Every format names a finding by the same key: :attr:`Finding.identity` (sha256 of policy id, subject file,
subject kind and subject name; never a line number). If two findings of one report share a key (e.g. two
input errors in one file), the later ones are re-hashed with the previous key as salt until unique, as ruff
does for GitLab fingerprints, so consumers that deduplicate by key (GitHub code scanning, the GitLab MR widget,
JUnit readers) never collapse distinct findings. See docs/reports.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, compress, islice
from operator import attrgetter, lt
from pathlib import Path, PurePosixPath
from typing import Any

from aima_gate.core.model import (
    EMPTY_REPOSITORY,
    INPUT_ERROR,
    NO_SUBJECTS,
    UNUSED_WAIVER,
    Evidence,
    Finding,
    Severity,
    Status,
)
from aima_gate.core.report import DistinctFindings, Report
from aima_gate.core.report import scope_notes as scope_notes  # re-exported: one wording in every format
from aima_gate.core.terminal import escape_terminal as escape_terminal  # re-exported for every terminal format

INFORMATION_URI = "https://github.com/aima-gate/aima-gate"
SHORT_KEY = 16
"""Hex digits of the key shown where space is tight (JUnit test names, Markdown anchors)."""

GATE_RULES: Mapping[str, tuple[str, str, str]] = {
    INPUT_ERROR: (
        "Cannot evaluate an artifact",
        "An artifact could not be read or parsed, or references a file that does not exist. aima-gate fails "
        "closed: what it cannot read is an error, never a skip or a pass.",
        "Fix the file named in the evidence so that it can be read; the message says what is wrong and where."),
    NO_SUBJECTS: (
        "A policy selected nothing",
        "A required policy found no artifact of its kind, so it could not be checked.",
        "Add the artifacts the policy expects, point the config's `artifacts` paths at them, or mark the "
        "policy optional."),
    UNUSED_WAIVER: (
        "A waiver matches nothing",
        "A waiver in the config matched no failing finding; stale waivers hide future failures.",
        "Remove the waiver or fix its policy id / subject pattern."),
    EMPTY_REPOSITORY: (
        "Empty repository",
        "The repository has no files to evaluate.",
        "Run aima-gate on the repository root that holds your models and their evidence."),
}


def finding_keys(report: Report) -> list[str]:
    """One unique key per finding, aligned with ``report.findings`` (see the module docstring)."""
    if _distinct_in_order(report.findings):
        return list(map(_IDENTITY, report.findings))
    fast = _sorted_keys(report.findings)
    if fast is not None:
        return fast
    seen: set[str] = set()
    keys: list[str] = []
    for f in report.findings:
        key = f.identity
        while key in seen:
            key = hashlib.sha256(f"{key}\0{f.identity}".encode()).hexdigest()
        seen.add(key)
        keys.append(key)
    return keys


def _sorted_keys(findings: Sequence[Finding]) -> list[str] | None:
    """The same keys without a set of every key (tens of megabytes at hundreds of thousands of findings), or None.

    When findings are in (policy id, subject file, kind, name) order, as a run reports them, and no such field
    holds a NUL (the identity hashes them NUL-joined), findings that share an identity are exactly a run of
    adjacent ones with equal fields: each run is re-hashed on its own, as the set would have done."""
    keys: list[str] = []
    run: list[str] = []
    prev: tuple[str, str, str, str] | None = None
    for f in findings:
        s = f.subject
        cur = (f.policy_id, s.file, s.kind, s.name)
        if "\0" in f.policy_id or "\0" in s.file or "\0" in s.kind or "\0" in s.name:
            return None
        key = f.identity
        if cur == prev:
            while key in run:
                key = hashlib.sha256(f"{key}\0{f.identity}".encode()).hexdigest()
            run.append(key)
        elif prev is not None and cur < prev:
            return None
        else:
            run = [key]
        keys.append(key)
        prev = cur
    return keys


def keyed(report: Report) -> Iterator[tuple[Finding, str]]:
    return zip(report.findings, finding_keys(report), strict=True)


NOT_PASSING = frozenset({Status.FAIL, Status.ERROR, Status.WAIVED})


_IDENTITY_FIELDS = attrgetter("policy_id", "subject.file", "subject.kind", "subject.name")
_IDENTITY, _STATUS = attrgetter("identity"), attrgetter("status")
_NOT_PASSING_IDS = frozenset(map(id, NOT_PASSING))
_CHUNK = 4096


def _distinct_in_order(findings: Sequence[Finding]) -> bool:
    """Whether the findings are in strictly increasing (policy id, subject file, kind, name) order, no such field
    holding a NUL: then each is alone in its run (see :func:`_sorted_keys`) and keys to its own identity.

    The usual case (a run reports findings in that order, and findings sharing all four fields are rare), checked
    without Python code per finding: attrgetter, map and tuple comparison run in C, a chunk at a time so the
    field tuples of only a few thousand findings are held at once. Findings the run's sort found so are known to
    be (:class:`~aima_gate.core.report.DistinctFindings`)."""
    if type(findings) is DistinctFindings:
        return True
    prev: tuple[str, str, str, str] | None = None
    for start in range(0, len(findings), _CHUNK):
        fields = list(map(_IDENTITY_FIELDS, findings[start:start + _CHUNK]))
        if "\0" in "".join(chain.from_iterable(fields)):
            return False
        if (prev is not None and not prev < fields[0]) or not all(map(lt, fields, islice(fields, 1, None))):
            return False
        prev = fields[-1]
    return True


def keyed_not_passing(report: Report) -> list[tuple[Finding, str]]:
    """``[(f, k) for f, k in keyed(report) if f.status in NOT_PASSING]``, hashing only what it must.

    Findings alone in their runs (:func:`_distinct_in_order`) are selected and keyed to their identities without
    Python code per finding (a loop over every finding, mostly passes, cost more than all else the Markdown
    summary does); otherwise :func:`_keyed_not_passing_runs`."""
    findings = report.findings
    if not _distinct_in_order(findings):
        return _keyed_not_passing_runs(report)
    wanted = list(compress(findings, map(_NOT_PASSING_IDS.__contains__, map(id, map(_STATUS, findings)))))
    return list(zip(wanted, map(_IDENTITY, wanted), strict=True))


def _keyed_not_passing_runs(report: Report) -> list[tuple[Finding, str]]:
    """:func:`keyed_not_passing` for findings that share a run or are out of order.

    A finding's key depends only on the findings before it in its run of equal identity fields (see
    :func:`_sorted_keys`), so in report order a finding alone in its run keys to its identity and a passing one
    is never hashed: at hundreds of thousands of findings, mostly passes, the identities (a 64-character string
    kept on each finding) were the Markdown and SARIF renderers' largest working set."""
    out: list[tuple[Finding, str]] = []
    run: list[str] = []  # keys of the current run, once it holds two findings
    first: Finding | None = None  # the current run's first finding, while it is alone
    prev: tuple[str, str, str, str] | None = None
    for f in report.findings:
        s = f.subject
        cur = (f.policy_id, s.file, s.kind, s.name)
        if "\0" in f.policy_id or "\0" in s.file or "\0" in s.kind or "\0" in s.name or (
                prev is not None and cur != prev and cur < prev):
            return [(f, k) for f, k in keyed(report) if f.status in NOT_PASSING]
        if cur == prev:
            if first is not None:  # the run grows to two: its first key is its identity
                run = [first.identity]
                first = None
            key = f.identity
            while key in run:
                key = hashlib.sha256(f"{key}\0{f.identity}".encode()).hexdigest()
            run.append(key)
        else:
            first, run = f, []
            key = ""
        if f.status in NOT_PASSING:
            out.append((f, key or f.identity))
        prev = cur
    return out


def path_prefix(report: Report) -> str:
    """The scanned root relative to the working directory, so paths resolve from where the tool ran.

    CI platforms resolve report paths against the checkout (``GITHUB_WORKSPACE``, ``CI_PROJECT_DIR``), where
    the gate runs; ``aima-gate check services/ml`` thus reports ``services/ml/registry/models.yml``.
    An absolute root outside the working directory gets no prefix.
    """
    root = Path(report.root)
    if root.is_absolute():
        try:
            root = root.resolve().relative_to(Path.cwd().resolve())
        except (ValueError, OSError):
            return ""
    parts = [p for p in PurePosixPath(root.as_posix()).parts if p != "."]
    if not parts or ".." in parts:
        return ""
    return "/".join(parts) + "/"


def display_path(report: Report, file: str, prefix: str | None = None) -> str:
    file = file.removeprefix("./")
    if file in ("", "."):
        return (prefix if prefix is not None else path_prefix(report)).rstrip("/") or "."
    return (prefix if prefix is not None else path_prefix(report)) + file


@dataclass(frozen=True)
class Anchor:
    file: str
    """Repo-relative path of an existing file."""
    line: int
    exact: bool
    """False when the finding is about a whole file or the repository and line 1 stands in."""


def _exists(report: Report, file: str) -> bool:
    if not file or file == "." or file.startswith("/") or ".." in PurePosixPath(file).parts:
        return False
    path = Path(report.root) / file
    return path.is_file() and not path.is_symlink()


def anchor(report: Report, finding: Finding, exists: Callable[[str], bool] | None = None) -> Anchor | None:
    """The most relevant existing file and line for a finding, or None if there is no file to point at.

    ``exists`` (from :func:`file_check`) answers for a file already asked about, for reports anchoring many
    findings in the same files."""
    exists = exists or (lambda file: _exists(report, file))
    for ev in finding.evidence:
        if exists(ev.file):
            return Anchor(ev.file, max(ev.line, 1), True)
    if exists(finding.subject.file):
        return Anchor(finding.subject.file, 1, False)
    return None


def file_check(report: Report) -> Callable[[str], bool]:
    """Whether a repository file exists (:func:`_exists`), asking the file system once per file: one render
    anchors tens of thousands of findings in a few thousand files, each ask was two system calls and
    half a dozen path objects."""
    known: dict[str, bool] = {}

    def exists(file: str) -> bool:
        found = known.get(file)
        if found is None:
            found = known[file] = _exists(report, file)
        return found

    return exists


def rule_meta(report: Report) -> dict[str, dict[str, Any]]:
    """Rule metadata by policy id: every evaluated policy, plus the gate's own rules that produced findings."""
    out: dict[str, dict[str, Any]] = {}
    for p in report.policies:
        out[p.id] = {
            "id": p.id, "title": p.title, "description": p.description.strip(), "severity": p.severity,
            "remediation": p.remediation.strip(), "aima": p.aima, "mappings": dict(p.mappings), "file": p.file,
        }
    for f in report.findings:
        if f.policy_id not in out:
            title, description, remediation = GATE_RULES.get(f.policy_id, (f.title, f.title, f.remediation))
            out[f.policy_id] = {
                "id": f.policy_id, "title": title, "description": description, "severity": f.severity,
                "remediation": remediation, "aima": f.aima, "mappings": dict(f.mappings), "file": None,
            }
    return dict(sorted(out.items()))


def help_uri(report: Report, policy_file: str | None) -> str | None:
    """Link to a built-in policy's source at the released tag; user policies have no public URL."""
    if policy_file and policy_file.startswith("<builtin>/"):
        return f"{INFORMATION_URI}/blob/v{report.tool_version}/policies/{policy_file.removeprefix('<builtin>/')}"
    return None


def is_reported(finding: Finding) -> bool:
    """Findings that need attention: failures (blocking or not) and errors."""
    return finding.status in (Status.FAIL, Status.ERROR)


def severity_sort_key(report: Report, finding: Finding) -> tuple[int, int, int]:
    """Errors first, then blocking failures, then by severity (highest first)."""
    return (0 if finding.status is Status.ERROR else 1, 0 if report.is_blocking(finding) else 1,
            -finding.severity.rank)


def first_sentence(text: str) -> str:
    text = " ".join(text.split())
    for end in (". ", "; "):
        if end in text:
            return text.split(end, 1)[0] + "."
    return text


def finding_message(finding: Finding) -> str:
    """One self-contained line: subject, what failed and where (the first evidence item)."""
    head = f"{finding.policy_id}: {finding.subject.name}"
    if not finding.evidence:
        return f"{head}: {finding.title}"
    ev = finding.evidence[0]
    more = f" (+{len(finding.evidence) - 1} more)" if len(finding.evidence) > 1 else ""
    return f"{head}: {ev.message}{more}"


def found_detail(ev: Evidence) -> str | None:
    """What was found, when the message alone does not say it: a vulnerability's one-line ``summary``
    (installed version, CVSS, fixed versions, stale pin), which a policy's fixed message replaces."""
    if ev.pointer.endswith("/summary") and isinstance(ev.actual, str) and ev.actual not in ev.message:
        return ev.actual
    return None


def evidence_lines(report: Report, finding: Finding, prefix: str | None = None) -> list[str]:
    """``prefix``: :func:`path_prefix`, for a render calling this per finding (it resolves the working directory)."""
    out = []
    for ev in finding.evidence:
        expected = f" (expected {ev.expected})" if ev.expected and finding.status is not Status.PASS else ""
        out.append(f"{display_path(report, ev.file, prefix)}:{ev.line}: {ev.message}{expected}")
        detail = found_detail(ev)
        if detail:
            out.append(f"  found: {detail}")
    return out


SCOPE_RULE = "aima-gate.scope"
"""Pseudo-rule id under which formats that only carry issues (GitLab Code Quality) list narrowings."""
def severity_values() -> list[str]:
    return [s.value for s in sorted(Severity, key=lambda s: -s.rank)]
