"""What narrowed the evaluation: every setting that makes the gate look at less than everything.

A pass means "these policies held for these subjects". Whoever reads the verdict must see when the repository's
own config (which the repository under test controls) or the command line shrank that set: ``policies.only`` or
``--policy``, ``policies.builtin: false``, ``policies.disable``, ``exclude:`` globs, ``artifacts.<kind>.paths``
replacing the default globs, ``artifacts.dependency_scan.development`` (what is declared development-only),
``--changed`` / FILES. Each becomes one entry of the report's ``scope`` section
(``report.extra["scope"]``, schemas/report.schema.json), which every report format lists
(reporters/_common.py:scope_notes). No narrowing, no section: an unnarrowed run's reports are unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from aima_gate.config.policy_packs import LoadedPolicies, check_policy_ids
from aima_gate.config.repo_config import Config
from aima_gate.core.errors import PolicyError
from aima_gate.core.model import Severity


@dataclass(frozen=True)
class Narrowing:
    setting: str
    """The setting as a user writes it (``policies.only``, ``--policy``, ``exclude``...)."""
    file: str | None
    """The config file that set it, or None for the command line."""
    line: int | None
    description: str
    items: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"setting": self.setting, "file": self.file, "line": self.line, "description": self.description,
                "items": list(self.items)}


def narrowings(config: Config, *, cli_only: frozenset[str] | None, changed_files: frozenset[str] | None,
               disabled: Sequence[str], skipped: Mapping[str, Sequence[str]] | None = None,
               excluded_folders: Sequence[tuple[str, str]] = ()) -> list[Narrowing]:
    """Every narrowing in effect, config settings first (in config order), then the command line."""
    file = config.file

    def at(pointer: str) -> int | None:
        return config.lines.line_of(pointer) if file else None

    out: list[Narrowing] = []
    if cli_only is None and config.only is not None:
        out.append(Narrowing("policies.only", file, at("/policies/only"),
                             "only these policies are evaluated; every other policy is skipped",
                             tuple(sorted(config.only))))
    if not config.builtin_policies:
        out.append(Narrowing("policies.builtin", file, at("/policies/builtin"),
                             "the built-in policy pack is switched off; only the repository's own policies run"))
    if disabled:
        out.append(Narrowing("policies.disable", file, at("/policies/disable"),
                             "these policies are switched off", tuple(disabled)))
    if config.exclude:
        out.append(Narrowing("exclude", file, at("/exclude"),
                             "files matching these globs are never read", config.exclude))
    for kind, options in sorted(config.artifacts.items()):
        paths = options.get("paths") if isinstance(options, dict) else None
        if paths:
            out.append(Narrowing(f"artifacts.{kind}.paths", file, at(f"/artifacts/{kind}/paths"),
                                 f"{kind} artifacts are read only from these globs (the defaults are replaced)",
                                 tuple(str(p) for p in paths)))
    development = (config.artifacts.get("dependency_scan") or {}).get("development")
    if isinstance(development, dict):
        out.append(Narrowing("artifacts.dependency_scan.development", file,
                             at("/artifacts/dependency_scan/development"),
                             "dependencies declared only in these files or groups are development-only; policies "
                             "on runtime dependencies (vulnerability_scopes, default runtime) skip them",
                             tuple([f"file {f}" for f in development.get("files") or ()]
                                   + [f"group {g}" for g in development.get("groups") or ()])))
    if cli_only is not None:
        out.append(Narrowing("--policy", None, None, "only these policies are evaluated (command line)",
                             tuple(sorted(cli_only))))
    for option, ids in (skipped or {}).items():  # --skip-policy, --min-severity LEVEL
        out.append(Narrowing(option, None, None, "these policies are not evaluated (command line)", tuple(ids)))
    if excluded_folders:
        out.append(Narrowing("default_exclusions", file, at("/default_exclusions"),
                             "these folders are not read (virtualenvs, installed packages, caches, build outputs)",
                             tuple(f"{path}/ ({why})" for path, why in excluded_folders)))
    if changed_files is not None:
        out.append(Narrowing("--changed", None, None,
                             "only subjects whose files, or files they reference, are among these changed files",
                             tuple(sorted(changed_files))))
    return out


def scope_extra(found: Sequence[Narrowing]) -> dict[str, Any]:
    return {"narrowings": [n.as_dict() for n in found]}


def narrowed(loaded: LoadedPolicies, skip: frozenset[str], low: Severity | None
             ) -> tuple[LoadedPolicies, dict[str, list[str]]]:
    """Apply ``--skip-policy`` and ``--min-severity``: (what is left, skipped ids by the option that skipped them).
    An unknown id is an error, and so is narrowing the set to nothing (an empty policy set passes everything)."""
    check_policy_ids(skip, loaded.all_ids, "--skip-policy")
    skipped: dict[str, list[str]] = {}
    selected = {p.id for p in loaded.policies}
    if skip & selected:
        skipped["--skip-policy"] = sorted(skip & selected)
    if low is not None:
        below = sorted(p.id for p in loaded.policies if p.severity.rank < low.rank and p.id not in skip)
        if below:
            skipped[f"--min-severity {low.value}"] = below
    gone = {i for ids in skipped.values() for i in ids}
    if not gone:
        return loaded, skipped
    left = tuple(p for p in loaded.policies if p.id not in gone)
    if not left:
        raise PolicyError("no policies left to evaluate after " + " and ".join(skipped),
                          hint="an empty policy set would pass everything; skip fewer policies")
    return replace(loaded, policies=left), skipped
