"""Orchestration (the I/O shell around the pure engine): config -> policies -> collection -> evaluation.

Collection never stops at the first bad file: every unreadable artifact becomes an error finding naming its
file and line, and the other artifacts are still evaluated, so one parse error never hides other results and
never yields exit 0.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aima_gate import __version__
from aima_gate.collectors import CollectContext, load_collector, parse_file
from aima_gate.config.policy_packs import LoadedPolicies, load_policies
from aima_gate.config.repo_config import (
    Config,
    SchemaMemo,
    check_against_policies,
    confined_file,
    find_config,
    lexically_inside,
    parse_config,
)
from aima_gate.core.clock import Clock
from aima_gate.core.errors import AimaGateError, ArtifactError, ConfigError, InputError, pointer_to_path
from aima_gate.core.model import EMPTY_REPOSITORY, Artifact, Evidence, Finding, Severity, Status, Subject
from aima_gate.core.report import Report
from aima_gate.engine.policy import resolve_params
from aima_gate.pipeline.run_findings import duplicate_subject_errors, error_finding, missing_kinds_once, sorted_findings
from aima_gate.safeio.loaders import decode_text
from aima_gate.safeio.repo import Repo

if TYPE_CHECKING:
    from aima_gate.pipeline.cache import ArtifactCache


KEPT_AFTER_EVALUATION = frozenset({"model", "model_file", "attestation"})
"""The kinds the run reads after evaluation (where_to_add, inventory_extra, report_extra, maturity)."""
ARTIFACTS = "a hook run's artifacts"
"""What a hook run sets aside (core/kept.py) instead of freeing it."""


def _silent(_message: str) -> None:
    return None


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
    skip_policies: frozenset[str] = frozenset()
    """Policy ids not to evaluate (``--skip-policy``); listed in every report with the config's disabled ones."""
    baseline: Path | None = None
    """Baseline file (``check --baseline``); else the config's ``baseline:`` (repo-relative); else none."""
    min_severity: Severity | None = None
    """Evaluate only policies of at least this severity (``--min-severity``); the rest are listed as skipped."""
    progress: Callable[[str], None] = _silent
    """Told what the run is doing (``check`` shows it on a terminal's stderr, never in CI logs or reports)."""
    policies: LoadedPolicies | None = None
    """A policy set loaded elsewhere, used instead of the one the repository's config names (``aima-gate test``
    evaluates a project's policies against case folders); ``only_policies`` still narrows it."""
    cache_dir: Path | None = None
    """Read unchanged files' artifacts from the artifact cache in this folder (pipeline/cache.py); None: off."""
    pass_evidence: bool = True
    """False when no requested output shows a passing finding's evidence (reporters.needs_pass_evidence):
    passing findings then carry none, and evaluation does not build it. Statuses are the same either way."""
    na_evidence: bool = True
    """The same for not-applicable findings (reporters.needs_na_evidence); a full run only."""
    walk_aside: bool = False
    """With the cache on, walk the repository and stat its files in a forked child while the cache opens
    (pipeline/walk_aside.py); without it, walk and glob there while the policies load (pipeline/globs_aside.py).
    Set by the CLI, a process of its own; the same results either way."""


def load_config(root: Path, config_path: Path | None, memo: SchemaMemo | None = None) -> Config:
    path = config_path or find_config(root)
    if path is None:
        return Config(file=None)
    if config_path is None or lexically_inside(root, path):
        # A config inside the repository is the repository's own input: confined like any artifact.
        rel = confined_file(root, path, what="config file")
    else:  # --config outside the repository is the operator's own file, chosen on the command line
        if not path.is_file():
            raise ConfigError("config file does not exist", file=str(config_path))
        rel = str(path)
    return parse_config(decode_text(path.read_bytes(), rel), rel, memo)


def _needed_kinds(loaded: LoadedPolicies) -> list[str]:
    needed: set[str] = set()
    for policy in loaded.policies:
        needed.add(policy.kind)
        needed.update(loaded.join_kinds.get(policy.id, ()))
    return sorted(needed)


def _context(repo: Repo, config: Config, kind: str, clock: Clock, cli: Mapping[str, Any]) -> CollectContext:
    return CollectContext(repo, config.artifacts.get(kind, {}), config.collector_settings, clock, cli)


def collect(repo: Repo, config: Config, kinds: Iterable[str], clock: Clock,
            cli: Mapping[str, Any], progress: Callable[[str], None] = _silent,
            cache: ArtifactCache | None = None, *,
            compact: Callable[[str], bool] | None = None) -> tuple[list[Artifact], list[AimaGateError]]:
    """Collect every artifact of ``kinds``: globbed files, external sources, then referenced files, in rounds.

    Each round's files are parsed in parallel (:mod:`aima_gate.core.parallel`); results keep input order, so the
    outcome is the same as a sequential run. Parsed artifacts of the kinds ``compact`` accepts come back with their
    data and lines still encoded where they encode exactly (pipeline/compact.py), as the cache's read-back ones do.
    """
    from aima_gate.core.parallel import imap_in_order
    from aima_gate.pipeline.cache import CACHEABLE_KINDS, parse_recorded
    from aima_gate.pipeline.cache_entries import run_batch
    from aima_gate.pipeline.compact import Encoded, expanded

    needed = sorted(set(kinds))
    collectors = {kind: load_collector(kind) for kind in needed}
    contexts = {kind: _context(repo, config, kind, clock, cli) for kind in needed}
    artifacts: list[Artifact] = []
    errors: list[AimaGateError] = []
    parsed: dict[tuple[str, str], list[Any]] = {}

    def parse_one(pair: tuple[str, str]) -> list[Any]:
        kind, file = pair
        if cache is not None and kind in CACHEABLE_KINDS:
            out = parse_recorded(lambda ctx: parse_file(collectors[kind], ctx, file), contexts[kind], repo)
            record = out[-1]
            if compact is not None and compact(kind) and record.items is not None:
                return [Encoded(record.items, record.blobs), record]  # encoded for the pack: only that travels
            return out
        return parse_file(collectors[kind], contexts[kind], file)

    def absorb(results: Iterable[Any]) -> None:
        for item in results:
            (artifacts if isinstance(item, Artifact) else errors).append(item)

    artifact, add_artifact, add_error = Artifact, artifacts.append, errors.append

    def parse_batch(pairs: Iterable[tuple[str, str]]) -> None:
        todo = []
        for pair in pairs:
            if pair not in parsed:
                parsed[pair] = []
                todo.append(pair)
        if todo:
            progress(f"reading {len(todo)} file(s)")
        # One file of each kind is parsed here before the workers fork: they inherit its one-time set-up.
        outcomes = run_batch(cache, todo, parse_one, lambda task, items: imap_in_order(task, items, lambda p: p[0]))
        for pair, results in zip(todo, outcomes, strict=True):
            parsed[pair] = results = expanded(results) if compact is not None else results
            for item in results:  # absorb(), inlined: once per file (20,000 in a warm hook run at 5,000 models)
                if isinstance(item, artifact):
                    add_artifact(item)
                else:
                    add_error(item)

    glob = repo.glob if cache is None else cache.glob
    if cache is None:  # every kind's list globbed at once, on all cores (the cache globs with its own memo)
        repo.glob_all([contexts[kind].options.get("paths") or collectors[kind].default_paths for kind in needed])
    parse_batch((kind, file) for kind in needed
                for file in glob(contexts[kind].options.get("paths") or collectors[kind].default_paths))
    for kind in needed:
        try:
            progress(f"reading external sources of {kind}")
            absorb(collectors[kind].collect_external(replace(contexts[kind], parsed=parsed)))
        except AimaGateError as exc:
            errors.append(exc)
    # Follow references until nothing new: a referenced file of a kind some loaded policy evaluates is collected
    # even outside the globs; a missing referenced file (of any kind) is an error at the line that references it.
    done = 0
    listed = repo.walked()  # most references name a file the walk found: exists() asked only for the others
    while done < len(artifacts):
        batch: list[tuple[str, str]] = []
        for art in artifacts[done:]:
            for kind, path, pointer in art.references:
                if path not in listed and not repo.exists(path):
                    errors.append(ArtifactError(
                        f"{pointer_to_path(pointer)} references {path}, which does not exist",
                        file=art.file, line=art.line_of(pointer), pointer=pointer,
                        hint="fix the path (relative to the file that references it) or add the file"))
                elif kind in collectors:
                    batch.append((kind, path))
        done = len(artifacts)
        parse_batch(batch)
    return artifacts, errors


def _collected(repo: Repo, config: Config, kinds: list[str], options: RunOptions, cache: ArtifactCache | None,
               full: bool) -> tuple[list[Artifact], list[AimaGateError], ArtifactCache | None]:
    """:func:`collect`, reading back from ``cache``, which is then saved; collected again without it (the pack
    removed, nothing saved: the cache returned is None) when the pack's blobs are not the ones its index names
    (cache_blobs.CheckedView): a tampered or corrupted pack costs time, never a verdict."""
    from aima_gate.pipeline.cache_blobs import BlobsNotChecked

    compact = (lambda kind: kind not in KEPT_AFTER_EVALUATION) if full and cache is not None else None
    collect_kinds = functools.partial(collect, repo, config, kinds, options.clock, options.cli, options.progress)
    try:
        with contextlib.suppress(BlobsNotChecked):  # (raised by the first blob read from such a pack)
            artifacts, errors = collect_kinds(cache, compact=compact)
            if cache is None or cache.blobs_hold():
                return artifacts, errors, cache
        assert cache is not None
        cache.close(drop=True)
        cache = None
        return (*collect_kinds(), None)
    finally:
        if cache is not None:
            cache.save(free=full)  # a hook run's index is set aside, not freed entry by entry (cache.close)


def _open_cache(options: RunOptions, config: Config, repo: Repo) -> ArtifactCache | None:
    if options.cache_dir is None:
        return None
    from aima_gate.pipeline.cache import ArtifactCache

    # No date: a pack serves every day's runs (cache_recording.RecordedClock keeps the date out of what it holds).
    # No policy, and only the config that collectors see: they see the files, the command line and that, never a
    # policy, a waiver or fail_on (editing one's own policies or adding a waiver reads the pack back).
    return ArtifactCache.open(options.cache_dir, repo, [
        config.collector_settings, dict(options.cli), str(repo.root), repo.max_bytes, list(repo.exclude),
        repo.default_exclusions])


def run_check(options: RunOptions) -> Report:
    root = options.root
    if not root.is_dir():
        raise ConfigError(f"{root} is not a directory")
    from aima_gate.pipeline import globs_aside
    from aima_gate.pipeline.cache_marks import schema_marks
    from aima_gate.pipeline.walk_aside import NamedParses, WalkAside, opened_alongside, start

    aside: WalkAside | None = None
    globbing: globs_aside.GlobsAside | None = None
    try:
        with schema_marks(options.cache_dir, root) as marks:  # schema checks passed before (None: cache off)
            config = load_config(root, options.config_path, marks)
            if options.only_policies is not None:
                config = replace(config, only=options.only_policies)
            repo = Repo(root, max_bytes=config.max_file_bytes, exclude=config.exclude,
                        default_exclusions=config.default_exclusions)
            # The walk's child is forked before the policies load: in a hook run it is the longer side until the
            # join. A hook run's child parses named files after its walk (told the kinds then: walk_aside.go).
            if options.walk_aside and options.cache_dir is not None:
                aside = start(repo, None if options.changed_files is None else NamedParses(
                    options.changed_files, lambda kind, r: (load_collector(kind),
                                                            _context(r, config, kind, options.clock, options.cli))))
            elif options.walk_aside:  # without the cache, the child walks and globs (pipeline/globs_aside.py)
                globbing = globs_aside.start(repo, functools.partial(globs_aside.every_kinds_globs, config))
            loaded = load_policies(config, root, memo=marks) if options.policies is None else options.policies
        today = options.clock.today
        if options.policies is not None:
            only = options.only_policies
            loaded = replace(loaded, policies=tuple(p for p in loaded.policies if only is None or p.id in only))
        check_against_policies(config, loaded.all_ids, loaded.declared_params)
        from aima_gate.pipeline.scope import narrowed

        loaded, skipped = narrowed(loaded, options.skip_policies, options.min_severity)
        policies = loaded.policies
        fail_on = options.fail_on or config.fail_on
        anchor = config.file or "."
        kinds = _needed_kinds(loaded)  # (their collectors imported while the walk's child finishes: collect's)
        cache = opened_alongside(repo, lambda: _open_cache(options, config, repo), aside, kinds,
                                 lambda: [load_collector(kind) for kind in kinds])
        if globbing is not None:
            for collector in map(load_collector, kinds):  # (set up while the child globs: collect's)
                collector.warm()
            globbing.join(repo)
    except BaseException:
        for child in (aside, globbing):  # (a child already let go, by opened_alongside or join, is let go once)
            if child is not None:
                child.finish()
        raise
    if repo.is_empty():
        if cache is not None:
            cache.close()
        ev = Evidence(".", 1, "", 0, "at least one file", "the repository has no files to evaluate")
        finding = Finding(EMPTY_REPOSITORY, "Empty repository", Status.ERROR, Severity.HIGH,
                          Subject("repository", ".", "."), None, (ev,),
                          "Run aima-gate on the repository root that holds your models and their evidence; "
                          "`aima-gate init` there writes a starter config and a registry of the models it finds.")
        return Report(__version__, loaded.digest, fail_on, (finding,), tuple(policies), str(root))
    full = options.changed_files is None  # a full run holds cached artifacts encoded until their stage (compact.py)
    artifacts, errors, cache = _collected(repo, config, _needed_kinds(loaded), options, cache, full)
    materialize: Callable[[Artifact], Artifact] | None = None
    if cache is not None:
        # The engine and reporters see plain data, parsed or read back alike. Decoded now: the kinds read after
        # evaluation; the other kinds of a full run are decoded by staged.py just before their first stage (their
        # bytes copied out of the pack first, so that the pack can go), those of a partial run by changed.py.
        from aima_gate.pipeline.cache_codec import materialized
        from aima_gate.pipeline.compact import detached

        materialize = materialized
        kept = KEPT_AFTER_EVALUATION if full else ("attestation", "model_file")
        artifacts = [materialized(a) if a.kind in kept else a for a in artifacts]
        if full:
            detached(artifacts)
    errors.extend(
        InputError(f"{link}/ is a symlinked folder that leaves the repository (-> {target}); nothing under it "
                   "was read, so evidence there would go unchecked", file=link,
                   hint="remove the link, or add it to `exclude:` in .aima-gate.yml if it holds no evidence")
        for link, target in repo.escaping_folder_links())
    errors.extend(
        InputError(f"the name of {name} is not valid UTF-8, so it was not read and cannot be reported as is",
                   file=name, hint="rename it to a UTF-8 name, or remove it")
        for name in repo.undecodable_names())
    from aima_gate.aima.maturity import compute as maturity
    from aima_gate.integrity.import_report import report_extra
    from aima_gate.pipeline.inventory import inventory_extra, merge_models, nothing_to_govern, where_to_add
    from aima_gate.pipeline.scope import narrowings, scope_extra

    artifacts = merge_models(artifacts)  # one subject per model, however many routes found it
    errors.extend(duplicate_subject_errors(artifacts))
    # Two kinds reading the same file (e.g. a scan report and the vulnerabilities merged from it) may both
    # report it unreadable; one error per problem is enough.
    errors = list({(e.kind, e.file, e.line, e.pointer, e.diagnosis): e for e in errors}.values())
    params = resolve_params(policies, config.parameters)
    unreadable = {e.file: e.diagnosis for e in errors if e.file}
    options.progress(f"evaluating {len(policies)} policies against {len(artifacts)} artifacts")
    if options.changed_files is None:
        from aima_gate.pipeline.staged import evaluate_staged

        # Kinds are released as soon as no policy left reads them (staged.py): ``artifacts`` keeps only the kinds
        # read below (models, model files, attestations).
        result = evaluate_staged(policies, artifacts, loaded.join_kinds, keep=KEPT_AFTER_EVALUATION, params=params,
                                 waivers=config.waivers, today=today, anchor_file=anchor, unreadable=unreadable,
                                 pass_evidence=options.pass_evidence, na_evidence=options.na_evidence,
                                 materialize=materialize)
    else:
        from aima_gate.pipeline.changed import evaluate_changed

        result, errors = evaluate_changed(options.changed_files, loaded, config, artifacts, errors, params=params,
                                          today=today, anchor_file=anchor, unreadable=unreadable,
                                          pass_evidence=options.pass_evidence)
    discovery = config.artifacts.get("model", {}).get("discover", True) is not False
    # One step at a time, each list let go once the next is made (720,000 findings at 20,000 models: 6 MB a list).
    evaluated = nothing_to_govern(result.findings, anchor, discovery=discovery)
    del result
    evaluated = missing_kinds_once(evaluated, config, anchor)
    evaluated = where_to_add(evaluated, artifacts)
    # What reports need from the artifacts, taken now: the artifacts (documents, line maps) are let go before
    # the findings are sorted and summarised, so that memory is reused rather than added to.
    inventory = inventory_extra(artifacts)
    imports = report_extra(artifacts, config.raw)  # pickle allowlist additions, listed like waivers
    attestations = [a for a in artifacts if a.kind == "attestation"]
    from aima_gate.core.kept import release, set_aside

    if full:
        release(ARTIFACTS)
    else:  # a hook run's 20,000 artifacts are not freed one by one (4 ms at 5,000 models): core/kept.py
        set_aside(ARTIFACTS, artifacts)
    del artifacts
    findings = sorted_findings(evaluated, (error_finding(e) for e in errors))
    del evaluated
    extra: dict[str, Any] = {}
    baseline = None
    if options.baseline is not None or config.baseline is not None:  # (the usual case: nothing to import)
        from aima_gate.pipeline.baseline import load_baseline

        baseline = load_baseline(options.baseline, config.baseline, config, repo)
    if baseline is not None:
        from aima_gate.pipeline.baseline import apply_baseline

        baselined, extra["baseline"] = apply_baseline(findings, baseline, today)
        findings = tuple(baselined)
    if inventory:
        extra["inventory"] = inventory
    skipped_folders = repo.excluded_folders()
    if skipped_folders:  # never read, so listed: a reader must see what the verdict did not look at
        extra["excluded_folders"] = [{"path": p, "why": why} for p, why in skipped_folders]
    extra["maturity"] = maturity(policies, findings, attestations, today)
    if config.target_level is not None:
        advisory = sum(1 for f in findings if f.status is Status.FAIL and f.aima is not None
                       and f.aima.level > config.target_level)
        extra["target_level"] = {"level": config.target_level, "file": config.file, "advisory": advisory}
    disabled = sorted(set(loaded.all_ids) & config.disabled)
    if disabled or skipped:  # a policy switched off by the config or the command line is shown in every report
        sources = [*([config.file or ".aima-gate.yml"] if disabled else []), *skipped]
        names = sorted({*disabled, *(i for ids in skipped.values() for i in ids)})
        extra["disabled_policies"] = {"file": ", ".join(sources), "policies": names}
    extra.update(imports)
    # Every narrowing of what was evaluated (config or command line) is listed in every report format.
    found = narrowings(config, cli_only=options.only_policies, changed_files=options.changed_files,
                       disabled=disabled, skipped=skipped, excluded_folders=skipped_folders)
    if found:
        extra["scope"] = scope_extra(found)
    return Report(__version__, loaded.digest, fail_on, findings, tuple(policies), str(root), extra=extra,
                  target_level=config.target_level)
