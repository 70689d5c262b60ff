"""``aima-gate init``: look at the repository and prepare a starter ``.aima-gate.yml``, a registry file prefilled
with every model discovered (:mod:`aima_gate.onboarding.starter_registry`) and a short plan.

Nothing here writes: :func:`prepare` returns the files and the text to print; ``cli/init.py`` writes them through
the no-follow writer. Idempotent: a file that exists is kept (``--force`` rewrites it), so running init twice
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aima_gate.collectors import COLLECTORS, load_collector
from aima_gate.config.repo_config import CONFIG_NAMES
from aima_gate.core.errors import ConfigError

TEMPLATE = """\
# aima-gate configuration. Reference: https://github.com/aima-gate/aima-gate/blob/main/docs/config.md
version: 1
# Lowest severity of a failing policy that fails the gate (exit 1): info, low, medium, high, critical.
fail_on: low
# The AIMA maturity level you are working to (1-3). Failures of policies above it are reported as advisory, not
# blocking: start at 1, raise it as the team gets there. `aima-gate baseline` records today's failures as debt.
target_level: 1
policies:
  builtin: true          # the built-in AIMA pack
  # paths: [policies/]   # your own policies (YAML, one per file)
  # disable: []          # policy ids to skip
{artifacts}# parameters:           # override policy parameters, see `aima-gate explain POLICY_ID`
#   max_bias_report_age_days: 180
# waivers:               # accepted exceptions: all fields required, expired waivers fail again
#   - policy: model.owner-and-risk-tier
#     subject: legacy-model@0.9
#     reason: Owner being assigned after the re-org (TICKET-123)
#     owner: ml-platform@example.com
#     expires: "2026-12-31"
"""
SUGGESTED_PARAMETERS = ("max_bias_report_age_days",)
"""Parameters the template suggests (tests check each is declared by a built-in policy)."""


@dataclass(frozen=True)
class Prepared:
    writes: tuple[tuple[Path, str], ...]
    """(file, content) to write: files that do not exist yet, or every file with ``--force``."""
    kept: tuple[Path, ...]
    """Files that exist and were left as they are."""
    lines: tuple[str, ...]
    """What to print before the plan (what was found)."""
    plan: tuple[str, ...]


def _config_text(root: Path, found: dict[str, tuple[str, ...]], dev_files: list[str]) -> str:
    from aima_gate.onboarding.dev_dependencies import suggestion_lines

    artifact_lines = []
    for kind in sorted(COLLECTORS):
        extra = suggestion_lines(dev_files) if kind == "dependency_scan" else []
        if kind not in found:
            artifact_lines.append("\n".join([f"#  {kind}:\n#    paths: {list(load_collector(kind).default_paths)}  # "
                                             f"{load_collector(kind).description}", *extra]))
        elif extra:
            artifact_lines.append("\n".join([f"#  {kind}:", *extra]))
    artifacts = ""
    if artifact_lines:
        artifacts = ("# Artifacts not found at the default paths (set where they live) and development-only\n"
                     "# requirement files (declare them):\n# artifacts:\n" if dev_files else
                     "# Artifacts not found at the default paths; set where they live:\n# artifacts:\n")
        artifacts += "\n".join(artifact_lines) + "\n"
    return TEMPLATE.format(artifacts=artifacts)


def prepare(root: Path, *, force: bool = False) -> Prepared:
    from aima_gate.onboarding.inventory import take_inventory
    from aima_gate.onboarding.plan import loaded_policies, next_steps
    from aima_gate.onboarding.starter_registry import HEADER, REGISTRY_FILE, render_registry

    if not root.is_dir():
        raise ConfigError(f"{root} is not a directory")
    config = next((root / n for n in CONFIG_NAMES if (root / n).exists() or (root / n).is_symlink()), None)
    registry = root / REGISTRY_FILE
    # --force rewrites a registry init wrote, never one a person wrote (it would lose their entries).
    rewrite_registry = force and registry.is_file() and not registry.is_symlink() and registry.read_bytes(
    ).startswith(HEADER.encode())
    inv = take_inventory(root, ignore=frozenset({REGISTRY_FILE}) if rewrite_registry else frozenset())
    from aima_gate.onboarding.dev_dependencies import dev_looking_files, found_note
    from aima_gate.safeio.repo import Repo

    dev_files = dev_looking_files(Repo(root))
    writes: list[tuple[Path, str]] = []
    kept: list[Path] = []
    if config is None or force:
        target = root / CONFIG_NAMES[0] if config is None else config
        writes.append((target, _config_text(root, dict(inv.found), dev_files)))
    else:
        kept.append(config)
    policies = loaded_policies(root)
    tiers = list(policies["model.owner-and-risk-tier"].params["risk_tiers"]["default"]) \
        if "model.owner-and-risk-tier" in policies else ["low", "medium", "high", "critical"]
    discovered = inv.discovered
    registry_written = None
    if discovered:
        if registry.exists() or registry.is_symlink():
            if rewrite_registry:
                writes.append((registry, render_registry(discovered, inv.found, tiers)))
                registry_written = REGISTRY_FILE
            else:
                kept.append(registry)
        else:
            writes.append((registry, render_registry(discovered, inv.found, tiers)))
            registry_written = REGISTRY_FILE
    lines = _found_lines(inv)
    if discovered and registry_written is None:
        lines.append(f"{len(discovered)} discovered model(s) are in no registry; {REGISTRY_FILE} exists, so it was "
                     "kept: add them to it (`location:` ties an entry to a model); --force rewrites it only if "
                     "init wrote it")
        lines.extend(f"  not registered: {m.name} ({m.file})" for m in discovered[:10])
    note = found_note(dev_files)
    if note:
        lines.append(note)
    plan = next_steps(inv, policies, registry=registry_written, path=str(root))
    return Prepared(tuple(writes), tuple(kept), tuple(lines), tuple(plan))


def _found_lines(inv: object) -> list[str]:
    from aima_gate.onboarding.inventory import Inventory

    assert isinstance(inv, Inventory)
    lines = []
    if inv.models:
        lines.append(f"models: {len(inv.models)} found")
        for model in inv.models[:15]:
            routes = ", ".join(sorted({str(r.get("route")) for r in model.data.get("found_by") or []
                                       if isinstance(r, dict)}))
            lines.append(f"  {model.name}: {model.file} ({routes or model.data.get('source')})")
        if len(inv.models) > 15:
            lines.append(f"  ... and {len(inv.models) - 15} more")
    else:
        lines.append("models: none found")
    evidence = [f"  {kind}: {len(files)} file(s), e.g. {files[0]}" for kind, files in inv.found.items()]
    lines += ["found:", *evidence] if evidence else ["found no artifacts at the default paths"]
    if inv.errors:
        lines.append(f"could not read {len(inv.errors)} file(s) while looking (check reports each): "
                     + ", ".join(sorted({e.file or '?' for e in inv.errors})[:5]))
    return lines
