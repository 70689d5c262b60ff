"""Findings the pipeline adds around the engine's: an input error as a finding, one error per artifact kind that
nothing was found of, and the error for a subject defined twice; and the order every report lists them in
(:func:`sorted_findings`). Pure functions of what collection and evaluation returned (no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice
from operator import attrgetter, lt

from aima_gate.collectors import load_collector
from aima_gate.config.repo_config import Config
from aima_gate.core.errors import AimaGateError, ArtifactError
from aima_gate.core.model import INPUT_ERROR, NO_SUBJECTS, Artifact, Evidence, Finding, Severity, Status, Subject
from aima_gate.core.parallel import no_gc
from aima_gate.core.report import DistinctFindings, by_policy


def error_finding(err: AimaGateError) -> Finding:
    file = err.file or "."
    ev = Evidence(file, err.line or 1, err.pointer or "", None, "a readable, valid artifact", err.diagnosis)
    return Finding(
        policy_id=INPUT_ERROR,
        title=f"Cannot evaluate: {err.kind} error",
        status=Status.ERROR,
        severity=Severity.HIGH,
        subject=Subject(kind=err.kind, name=file, file=file),
        aima=None,
        evidence=(ev,),
        remediation=err.hint or "Fix the file so it can be read; aima-gate does not skip what it cannot read.",
    )


def missing_kinds_once(findings: Sequence[Finding], config: Config, anchor: str) -> list[Finding]:
    """One error per artifact kind that nothing was found of, naming every policy it left unchecked, where it was
    looked for and how to start, instead of one error per policy (28 for a repository with no model)."""
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        if f.status is Status.ERROR and f.subject.name == f"(no {f.subject.kind} found)":
            groups.setdefault(f.subject.kind, []).append(f)
    out = [f for f in findings if f.subject.kind not in groups or f.subject.name != f"(no {f.subject.kind} found)"]
    for kind, group in groups.items():
        if len(group) == 1:
            out.extend(group)
            continue
        options = config.artifacts.get(kind, {})
        paths = list(options.get("paths") or load_collector(kind).default_paths)
        where = ", ".join(paths[:6]) + (f" and {len(paths) - 6} more" if len(paths) > 6 else "")
        ids = sorted(f.policy_id for f in group)
        start = ("register each model you ship in a registry file (e.g. registry/models.yml with name, version, "
                 "owner and risk_tier per entry) or point --mlflow-uri at your MLflow registry; `aima-gate init` "
                 "lists what it finds and writes a starter config" if kind == "model" else
                 f"commit the {kind} evidence at one of those paths, or set `artifacts.{kind}.paths` in "
                 ".aima-gate.yml")
        message = (f"no {kind} was found (looked for {where}"
                   + (", MLflow file stores (mlruns/models/) and --mlflow-uri" if kind == "model" else "")
                   + f"), so {len(ids)} policies could not be checked: {', '.join(ids)}")
        worst = max(group, key=lambda f: f.severity.rank)
        ev = Evidence(anchor, 1, "", 0, f"at least one {kind}", message)
        out.append(Finding(NO_SUBJECTS, f"No {kind} found", Status.ERROR, worst.severity,
                           Subject(kind, f"(no {kind} found)", anchor), None, (ev,), f"To start: {start}."))
    return out


def duplicate_subject_errors(artifacts: Sequence[Artifact]) -> list[AimaGateError]:
    seen: dict[tuple[str, str, str], Artifact] = {}
    errors: list[AimaGateError] = []
    for art in artifacts:  # 20,000 in a hook run at 5,000 models: each field read once
        kind = art.kind
        if kind == "model":
            # Models: once per source (a registry file and MLflow may list the same version; one MLflow file
            # store may not, but two stores in one repository are two registries).
            data = art.data
            store = str((data.get("mlflow") or {}).get("store", ""))
            key = (kind, art.name, f"{data.get('source', '')}|{store}")
        else:
            key = (kind, art.name, art.file)
        first = seen.get(key)
        if first is not None:
            errors.append(ArtifactError(
                f"{art.kind} {art.name} is defined twice (first at {first.file}:{first.line})",
                file=art.file, line=art.line, hint="keep one entry per name and version"))
        else:
            seen[key] = art
    return errors


def sorted_findings(*parts: Iterable[Finding]) -> tuple[Finding, ...]:
    """Every finding of ``parts``, sorted by policy, file, subject and first evidence: one policy at a time, so that
    the sort keys of one policy's findings (not of every finding: 720,000 at 20,000 models) are alive at once.
    The same order as one stable sort of them all: the policy id leads the key, and each policy's findings keep
    their order of arrival into its group. A group whose (file, kind, name) strictly increase (the engine's order,
    one finding per subject) is already in that order, with no ties for the evidence to break: it is not sorted.
    When every group's do, and no field holds a NUL, the findings are returned as :class:`DistinctFindings`."""
    groups = by_policy(*parts)
    out: list[Finding] = []
    distinct = True  # so far: every group's subjects strictly increase, no field holding a NUL (DistinctFindings)
    # Subject sequences found strictly increasing, with whether a field holds a NUL, by (length, first and last
    # subject's id): the policies of one kind list the engine's same subject objects in the same order, and a
    # sequence equal to one seen (compared at C speed: the same objects) needs no key tuple per finding again.
    seen: dict[tuple[int, int, int], tuple[list[Subject], bool]] = {}
    with no_gc():  # a key tuple per finding, and no garbage cycles: collections would only walk them (25 ms)
        for policy_id in sorted(groups):
            group = groups.pop(policy_id)
            subjects = list(map(_SUBJECT, group))
            known = seen.get((len(subjects), id(subjects[0]), id(subjects[-1]))) if subjects else None
            if known is not None and known[0] == subjects:
                clean = known[1]  # (strictly increasing, and whether no field holds a NUL)
            else:
                keys = list(map(_KEY, subjects))
                if all(map(lt, keys, islice(keys, 1, None))):
                    clean = not any("\0" in "".join(fields) for fields in keys)  # (quicker than one join or a map)
                    if subjects:
                        seen[(len(subjects), id(subjects[0]), id(subjects[-1]))] = (subjects, clean)
                else:
                    group.sort(key=lambda f: (f.subject.file, f.subject.kind, f.subject.name,
                                              f.evidence[0].line if f.evidence else 0,
                                              f.evidence[0].message if f.evidence else ""))
                    keys = list(map(_SUBJECT_KEY, group)) if distinct else []
                    clean = distinct and all(map(lt, keys, islice(keys, 1, None))) and not any(
                        "\0" in "".join(fields) for fields in keys)
            distinct = distinct and clean and "\0" not in policy_id
            out += group
    return DistinctFindings(out) if distinct else tuple(out)


_SUBJECT, _KEY = attrgetter("subject"), attrgetter("file", "kind", "name")
_SUBJECT_KEY = attrgetter("subject.file", "subject.kind", "subject.name")
