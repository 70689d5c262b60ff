"""Orchestration (the I/O shell around the pure engine): config -> policies -> collection -> evaluation.

Collection never stops at the first bad file: every unreadable artifact becomes an error finding naming its
file and line, and the other artifacts are still evaluated, so one parse error never hides other results and
never yields exit 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from aima_gate import __version__
from aima_gate.collectors import CollectContext, load_collector
from aima_gate.config.policy_packs import LoadedPolicies, load_policies
from aima_gate.config.repo_config import Config, check_against_policies, find_config, parse_config
from aima_gate.core.clock import Clock
from aima_gate.core.errors import AimaGateError, ArtifactError, ConfigError, InputError, pointer_to_path
from aima_gate.core.model import EMPTY_REPOSITORY, INPUT_ERROR, Artifact, Evidence, Finding, Severity, Status, Subject
from aima_gate.core.report import Report
from aima_gate.engine.evaluate import evaluate
from aima_gate.engine.policy import resolve_params
from aima_gate.safeio.loaders import decode_text
from aima_gate.safeio.repo import Repo


@dataclass(frozen=True)
class RunOptions:
    root: Path
    config_path: Path | None = None
    fail_on: Severity | None = None
    clock: Clock = field(default_factory=Clock.current)
    """The evaluation date and the time stamped on evidence made during the run (scanner runs)."""
    cli: Mapping[str, Any] = field(default_factory=dict)
    only_policies: frozenset[str] | None = None
    """Evaluate only these policy ids (``--policy``); overrides the config's ``policies.only``."""
    changed_files: frozenset[str] | None = None
    """Evaluate only subjects whose file or referenced files are in this set (``--changed``; see changed.py)."""


def load_config(root: Path, config_path: Path | None) -> Config:
    path = config_path or find_config(root)
    if path is None:
        return Config(file=None)
    if not path.is_file():
        raise ConfigError("config file does not exist", file=str(config_path))
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = str(path)
    return parse_config(decode_text(path.read_bytes(), rel), rel)


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


def _needed_kinds(loaded: LoadedPolicies) -> list[str]:
    needed: set[str] = set()
    for policy in loaded.policies:
        needed.add(policy.kind)
        needed.update(loaded.join_kinds.get(policy.id, ()))
    return sorted(needed)


def collect(repo: Repo, config: Config, kinds: Iterable[str], clock: Clock,
            cli: Mapping[str, Any]) -> tuple[list[Artifact], list[AimaGateError]]:
    """Collect every artifact of ``kinds``: globbed files, external sources, then referenced files, in rounds.

    Each round's files are parsed in parallel (:mod:`aima_gate.core.parallel`); results keep input order, so the
    outcome is the same as a sequential run.
    """
    from aima_gate.core.parallel import map_in_order

    needed = sorted(set(kinds))
    collectors = {kind: load_collector(kind) for kind in needed}
    contexts = {kind: CollectContext(repo, config.artifacts.get(kind, {}), config.raw, clock, cli) for kind in needed}
    artifacts: list[Artifact] = []
    errors: list[AimaGateError] = []
    parsed: set[tuple[str, str]] = set()

    def parse_one(pair: tuple[str, str]) -> list[Any]:
        kind, file = pair
        out: list[Any] = []
        try:
            out.extend(collectors[kind].parse(contexts[kind], file))
        except AimaGateError as exc:
            out.append(exc)
        return out

    def absorb(results: Iterable[Any]) -> None:
        for item in results:
            (artifacts if isinstance(item, Artifact) else errors).append(item)

    def parse_batch(pairs: Iterable[tuple[str, str]]) -> None:
        todo = []
        for pair in pairs:
            if pair not in parsed:
                parsed.add(pair)
                todo.append(pair)
        for results in map_in_order(parse_one, todo):
            absorb(results)

    parse_batch((kind, file) for kind in needed
                for file in repo.glob(contexts[kind].options.get("paths") or collectors[kind].default_paths))
    for kind in needed:
        try:
            absorb(collectors[kind].collect_external(contexts[kind]))
        except AimaGateError as exc:
            errors.append(exc)
    # Follow references until nothing new: a referenced file of a kind some loaded policy evaluates is collected
    # even outside the globs; a missing referenced file (of any kind) is an error at the line that references it.
    done = 0
    while done < len(artifacts):
        batch: list[tuple[str, str]] = []
        for art in artifacts[done:]:
            for kind, path, pointer in art.references:
                if not repo.exists(path):
                    errors.append(ArtifactError(
                        f"{pointer_to_path(pointer)} references {path}, which does not exist",
                        file=art.file, line=art.line_of(pointer), pointer=pointer,
                        hint="fix the path (relative to the file that references it) or add the file"))
                elif kind in collectors:
                    batch.append((kind, path))
        done = len(artifacts)
        parse_batch(batch)
    return artifacts, errors


def duplicate_subject_errors(artifacts: Sequence[Artifact]) -> list[AimaGateError]:
    seen: dict[tuple[str, str, str], Artifact] = {}
    errors: list[AimaGateError] = []
    for art in artifacts:
        key = (art.kind, art.name, art.file) if art.kind != "model" else (art.kind, art.name,
                                                                           str(art.data.get("source", "")))
        if key in seen:
            first = seen[key]
            errors.append(ArtifactError(
                f"{art.kind} {art.name} is defined twice (first at {first.file}:{first.line})",
                file=art.file, line=art.line, hint="keep one entry per name and version"))
        else:
            seen[key] = art
    return errors


def run_check(options: RunOptions) -> Report:
    root = options.root
    if not root.is_dir():
        raise ConfigError(f"{root} is not a directory")
    config = load_config(root, options.config_path)
    if options.only_policies is not None:
        config = replace(config, only=options.only_policies)
    today = options.clock.today
    loaded = load_policies(config, root)
    check_against_policies(config, loaded.all_ids, loaded.declared_params)
    policies = loaded.policies
    repo = Repo(root, max_bytes=config.max_file_bytes, exclude=config.exclude)
    fail_on = options.fail_on or config.fail_on
    anchor = config.file or "."
    if repo.is_empty():
        ev = Evidence(".", 1, "", 0, "at least one file", "the repository has no files to evaluate")
        finding = Finding(EMPTY_REPOSITORY, "Empty repository", Status.ERROR, Severity.HIGH,
                          Subject("repository", ".", "."), None, (ev,),
                          "Run aima-gate on the repository root that holds your models and their evidence.")
        return Report(__version__, loaded.digest, fail_on, (finding,), tuple(policies), str(root))
    artifacts, errors = collect(repo, config, _needed_kinds(loaded), options.clock, options.cli)
    errors.extend(
        InputError(f"{link}/ is a symlinked folder that leaves the repository (-> {target}); nothing under it "
                   "was read, so evidence there would go unchecked", file=link,
                   hint="remove the link, or add it to `exclude:` in .aima-gate.yml if it holds no evidence")
        for link, target in repo.escaping_folder_links())
    errors.extend(duplicate_subject_errors(artifacts))
    # Two kinds reading the same file (e.g. a scan report and the vulnerabilities merged from it) may both
    # report it unreadable; one error per problem is enough.
    errors = list({(e.kind, e.file, e.line, e.pointer, e.diagnosis): e for e in errors}.values())
    params = resolve_params(policies, config.parameters)
    if options.changed_files is None:
        result = evaluate(policies, artifacts, params=params, waivers=config.waivers, today=today,
                          anchor_file=anchor)
    else:
        from aima_gate.pipeline.changed import evaluate_changed

        result, errors = evaluate_changed(options.changed_files, loaded, config, artifacts, errors, params=params,
                                          today=today, anchor_file=anchor)
    findings = tuple(sorted((*result.findings, *(error_finding(e) for e in errors)),
                            key=lambda f: (f.policy_id, f.subject.file, f.subject.kind, f.subject.name,
                                           f.evidence[0].line if f.evidence else 0,
                                           f.evidence[0].message if f.evidence else "")))
    from aima_gate.aima.maturity import compute as maturity

    extra: dict[str, Any] = {
        "maturity": maturity(policies, findings, [a for a in artifacts if a.kind == "attestation"], today)}
    disabled = sorted(set(loaded.all_ids) & config.disabled)
    if disabled:  # a policy switched off in the repository's own config is shown in every report, never hidden
        extra["disabled_policies"] = {"file": config.file, "policies": disabled}
    from aima_gate.pipeline.scope import narrowings, scope_extra

    # Every narrowing of what was evaluated (config or command line) is listed in every report format.
    found = narrowings(config, cli_only=options.only_policies, changed_files=options.changed_files,
                       disabled=disabled)
    if found:
        extra["scope"] = scope_extra(found)
    return Report(__version__, loaded.digest, fail_on, findings, tuple(policies), str(root), extra=extra)
