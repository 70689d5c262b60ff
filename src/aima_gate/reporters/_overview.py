"""What a person reads first: what the run found (inventory) and the few next steps worth most.

Both are derived from the report's findings alone (every evaluated subject has a finding, passing or not
applicable), so they hold for every source of subjects and never disagree with the findings listed. Lines are
plain text; the caller escapes them for a terminal (repository-chosen names pass through here unescaped).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress, groupby, repeat
from operator import attrgetter

from aima_gate.aima.catalog import load_catalog
from aima_gate.core.model import Finding, Status, Subject
from aima_gate.core.report import Report, finding_kinds
from aima_gate.reporters._common import GATE_RULES

_SHOWN_NAMES = 4
_NAME, _POLICY, _SUBJECT = attrgetter("subject.name"), attrgetter("policy_id"), attrgetter("subject")
_STATUS, _AIMA_POLICY = attrgetter("status"), attrgetter("aima", "policy_id")
_FAILING_IDS = frozenset(map(id, (Status.FAIL, Status.ERROR)))
_STORE_VERSION = re.compile(r"^(?:(.*)/)?models/[^/]+/version-[^/]+/meta\.yaml$")
# A sentence ends at ". " unless the dot closes an abbreviation ("e.g. ", "i.e. ", "etc. ", "vs. ").
_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\betc)(?<!\bvs)\.\s")


def first_sentence(text: str) -> str:
    text = " ".join(text.split())
    end = _SENTENCE_END.search(text)
    return text[: end.start() + 1] if end else text


def _missing_kind(f: Finding) -> str | None:
    """The artifact kind a "(no KIND found)" finding says was not found, else None."""
    name = f.subject.name
    if not name.startswith("(no "):  # (asked of every finding: the expected name is made only when it may match)
        return None
    return f.subject.kind if name == f"(no {f.subject.kind} found)" else None


def _names(items: Sequence[str], limit: int = _SHOWN_NAMES) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


def model_source(file: str) -> str:
    """Where a model subject came from, as a reader knows it: the registry file, the MLflow file store's folder,
    the MLflow registry read with --mlflow-uri or mlflow.enabled, or the file it was discovered from."""
    if file.startswith("models:/"):
        return "MLflow registry"
    store = _STORE_VERSION.match(file)
    if store and store.group(1):
        return f"MLflow file store {store.group(1)}/"
    return file


def inventory_lines(report: Report, *, verbose: bool = False) -> list[str]:
    """Models by source, other artifact kinds found (counted by subject), and required kinds not found."""
    missing_required: set[str] = set()
    missing_optional: set[str] = set()
    # Each Subject object once (the engine shares one per artifact; alive as long as the report, so ids are unique),
    # gathered a policy's run of findings at a time at C speed; the gate's own findings (few) looked at one by one.
    found: dict[int, Subject] = {}
    special: list[Finding] = []
    for policy_id, run in groupby(report.findings, _POLICY):
        if policy_id.startswith("aima-gate."):
            special += run
        else:
            subs = list(map(_SUBJECT, run))
            found.update(zip(map(id, subs), subs, strict=True))
    # A "(no KIND found)" subject (few) counts as found only through a finding that does not say KIND is missing.
    unfound = {key for key, subject in found.items() if subject.name.startswith("(no ")}
    if unfound:
        for key in unfound:
            del found[key]
        special += compress(report.findings, map(unfound.__contains__, map(id, map(_SUBJECT, report.findings))))
    for f in special:
        kind = _missing_kind(f)
        if kind is not None:
            (missing_required if f.status is Status.ERROR else missing_optional).add(kind)
        elif not f.policy_id.startswith("aima-gate."):
            found[id(f.subject)] = f.subject
    subjects: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for subject in found.values():
        subjects[subject.kind].add((subject.name, subject.file))
    missing_optional -= missing_required | set(subjects)
    lines = []
    models = subjects.pop("model", set())
    if models:
        by_source: dict[str, list[str]] = defaultdict(list)
        for name, file in sorted(models):
            by_source[model_source(file)].append(name)
        parts = [f"{source}: {_names(names)}" for source, names in sorted(by_source.items())]
        lines.append(f"Found {len(models)} model(s): " + "; ".join(parts))
    elif any(getattr(p, "kind", None) == "model" for p in report.policies):  # else models were not looked for
        lines.append("Found no model" + (" (see the error below)" if "model" in missing_required else ""))
    if subjects:
        lines.append("Evidence found: " + ", ".join(f"{len(v)} {kind}" for kind, v in sorted(subjects.items())))
    if missing_required:
        lines.append("Not found, so the policies needing it could not be checked: "
                     + ", ".join(sorted(missing_required)))
    if missing_optional and verbose:
        lines.append("Not found (optional, their policies are not applicable): " + ", ".join(sorted(missing_optional)))
    return lines


@dataclass
class _Step:
    title: str
    level: int = 0
    findings: list[Finding] = field(default_factory=list)

    def weight(self, report: Report) -> tuple[int, int, int, int, str]:
        kinds = finding_kinds(self.findings)  # what it reads of a finding: once per kind
        errors = sum(n for f, n in kinds if f.status is Status.ERROR)
        blocking = [(f, n) for f, n in kinds if report.is_blocking(f)]
        severity = sum(n * 2 ** f.severity.rank for f, n in blocking)  # one critical outweighs three medium
        # Errors first (nothing else can be trusted while evidence is unreadable), then what blocks, worst and
        # most widespread first, foundations (low AIMA levels) before refinements.
        return (0 if errors else 1, 0 if blocking else 1, -severity, self.level, self.title)


def _steps(report: Report) -> list[_Step]:
    catalog = load_catalog()
    practices = {(p.domain, p.slug): (d.name, p.name) for d in catalog.domains for p in d.practices}
    steps: dict[str, _Step] = {}
    by_aima: dict[int, tuple[str, str, int]] = {}  # id(AimaRef) -> its step (policies share one; alive with report)
    failing = compress(report.findings, map(_FAILING_IDS.__contains__, map(id, map(_STATUS, report.findings))))
    for (aima, _policy_id), same in groupby(failing, _AIMA_POLICY):  # runs of one policy's failures
        run = list(same)
        if aima is None or any(map(str.startswith, map(_NAME, run), repeat("(no "))):
            for f in run:  # the gate's own findings and missing kinds: each may belong to its own step
                key, title, level = _step_of(f, practices, by_aima)
                _add(steps, key, title, level, [f])
        else:  # every finding of the run is in its practice's step
            _add(steps, *_step_of(run[0], practices, by_aima), run)
    return sorted(steps.values(), key=lambda s: s.weight(report))


def _step_of(f: Finding, practices: dict[tuple[str, str], tuple[str, str]],
             by_aima: dict[int, tuple[str, str, int]]) -> tuple[str, str, int]:
    """The (key, title, AIMA level) of the step a failure or error belongs to."""
    aima = f.aima
    if _missing_kind(f) is not None:  # nothing of a kind was found: one step for every missing kind
        return "gate:missing", "Evidence not found", 0
    if aima is None:
        return f"gate:{f.policy_id}", GATE_RULES.get(f.policy_id, (f.title,))[0], 0
    known = by_aima.get(id(aima))  # (id: policies share one AimaRef; alive with the report)
    if known is None:
        domain, practice = practices.get((aima.domain, aima.practice), (aima.domain, aima.practice))
        known = by_aima[id(aima)] = (f"{aima.domain}/{aima.practice}", f"{domain} / {practice}", aima.level)
    return known


def _add(steps: dict[str, _Step], key: str, title: str, level: int, findings: list[Finding]) -> None:
    step = steps.get(key)
    if step is None:  # (not setdefault: that made a _Step for every failure, tens of thousands at scale)
        step = steps[key] = _Step(title, level)
    step.level = min(step.level, level) if step.findings else level
    step.findings.extend(findings)


def _step_lines(report: Report, index: int, step: _Step) -> list[str]:
    kinds = finding_kinds(step.findings)
    blocking = sum(n for f, n in kinds if report.is_blocking(f))
    errors = sum(n for f, n in kinds if f.status is Status.ERROR)
    counts = [f"{errors} error(s)" if errors else "", f"{blocking - errors} blocking failure(s)"
              if blocking > errors else "", f"{len(step.findings) - blocking} not blocking" if len(step.findings) >
              blocking else ""]
    level = f" (AIMA level {step.level})" if step.level else ""
    out = [f"  {index}. {step.title}{level}: " + ", ".join(c for c in counts if c)]
    by_policy: dict[str, list[Finding]] = defaultdict(list)
    for policy_id, same in groupby(step.findings, _POLICY):
        by_policy[policy_id].extend(same)
    rows = sorted(by_policy.items(), key=lambda kv: (-max(f.severity.rank for f, _ in finding_kinds(kv[1])),
                                                     -len(kv[1]), kv[0]))
    if step.findings[0].aima is None or _missing_kind(step.findings[0]):  # each says what to do for its file or kind
        items = [_gate_item(f) for _, fs in rows for f in fs]
    else:
        items = [(f"{pid} on {_names(sorted(set(map(_NAME, fs))), 2)}", fs[0].remediation)
                 for pid, fs in rows]
    for what, fix in items[:3]:
        out.append(f"     - {what}: {first_sentence(fix)}")
    if len(items) > 3:
        out.append(f"     - and {len(items) - 3} more (listed above)")
    return out


def _gate_item(f: Finding) -> tuple[str, str]:
    kind = _missing_kind(f)
    if kind is None:
        return f.subject.name, f.remediation
    if f.aima is None:  # run_findings.missing_kinds_once wrote how to start
        return f"no {kind} found", f.remediation
    return (f"no {kind} found (needed by {f.policy_id})",
            f"commit the {kind} evidence, or point `artifacts.{kind}.paths` in .aima-gate.yml at it.")


def next_steps_lines(report: Report, limit: int = 5) -> list[str]:
    """The few fixes worth most, grouped by AIMA practice (the gate's own errors by kind of problem)."""
    steps = _steps(report)
    if not steps:
        return []
    more = len(steps) - limit
    head = "Next steps (highest value first" + (f"; {more} more practice(s) in the findings above" if more > 0
                                                else "") + "):"
    out = [head]
    for i, step in enumerate(steps[:limit], start=1):
        out.extend(_step_lines(report, i, step))
    return out


def passing_line(report: Report, shown_domains: Iterable[str], verbose: bool) -> str | None:
    """One line counting the passing findings of the domains that have nothing to show."""
    shown = set(shown_domains)
    passed: dict[str, int] = defaultdict(int)
    for f, n in report.kinds:  # (status, severity, aima) kinds: all it reads of a finding
        if f.status is Status.PASS and f.aima is not None and f.aima.domain not in shown:
            passed[f.aima.domain] += n
    counts = [f"{d.name} {passed[d.slug]}" for d in load_catalog().domains if passed.get(d.slug)]
    if not counts:
        return None
    tail = "" if verbose else "; -v lists every passing and not-applicable finding"
    return "Passing, nothing to fix: " + ", ".join(counts) + tail
