"""``aima-gate init``: look at the repository and write a starter ``.aima-gate.yml``."""

from __future__ import annotations

from pathlib import Path

from aima_gate.collectors import COLLECTORS, load_collector
from aima_gate.config.repo_config import CONFIG_NAMES
from aima_gate.core.errors import ConfigError
from aima_gate.safeio.repo import Repo

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


def write_starter_config(root: Path, *, force: bool = False) -> str:
    if not root.is_dir():
        raise ConfigError(f"{root} is not a directory")
    existing = [root / n for n in CONFIG_NAMES if (root / n).exists()]
    if existing and not force:
        raise ConfigError(f"{existing[0].name} already exists", file=str(existing[0]),
                          hint="use --force to overwrite it")
    from aima_gate.onboarding.dev_dependencies import dev_looking_files, found_note, suggestion_lines

    repo = Repo(root)
    found: list[str] = []
    artifact_lines: list[str] = []
    dev_files = dev_looking_files(repo)
    for kind in sorted(COLLECTORS):
        collector = load_collector(kind)
        files = repo.glob(collector.default_paths)
        extra = suggestion_lines(dev_files) if kind == "dependency_scan" else []
        if files:
            found.append(f"  {kind}: {len(files)} file(s), e.g. {files[0]}")
            if extra:
                artifact_lines.append("\n".join([f"#  {kind}:", *extra]))
        else:
            artifact_lines.append("\n".join([f"#  {kind}:",
                                             f"#    paths: {list(collector.default_paths)}  # {collector.description}",
                                             *extra]))
    artifacts = ""
    if artifact_lines:
        artifacts = ("# Artifacts not found at the default paths (set where they live) and development-only\n"
                     "# requirement files (declare them):\n# artifacts:\n" if dev_files else
                     "# Artifacts not found at the default paths; set where they live:\n# artifacts:\n")
        artifacts += "\n".join(artifact_lines) + "\n"
    target = root / CONFIG_NAMES[0]
    target.write_text(TEMPLATE.format(artifacts=artifacts), encoding="utf-8")
    lines = [f"wrote {target}"]
    lines += ["found:", *found] if found else ["found no artifacts at the default paths"]
    note = found_note(dev_files)
    if note:
        lines.append(note)
    lines.append("next: aima-gate check " + str(root))
    return "\n".join(lines)
