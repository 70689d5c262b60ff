"""Load policy files (built-in pack and the config's ``policies.paths``) and compile them.

An empty policy set, a duplicate id, or a policy that does not compile is a :class:`PolicyError` (exit 2).
The pack digest is a sha256 over the sorted (id, file bytes) pairs of every loaded policy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aima_gate.aima.catalog import load_catalog
from aima_gate.collectors import kinds
from aima_gate.config.repo_config import Config, SchemaMemo, confined_file
from aima_gate.core.errors import PolicyError
from aima_gate.core.resources import builtin_policies_dir
from aima_gate.engine.assertions import AllOf, AnyOf, Join, Leaf, Node, Not, Quantifier
from aima_gate.engine.policy import Policy, compile_policy
from aima_gate.safeio.loaders import decode_text, load_yaml

POLICY_SUFFIXES = (".yml", ".yaml")
MAX_POLICY_BYTES = 256 * 1024


@dataclass(frozen=True)
class LoadedPolicies:
    policies: tuple[Policy, ...]
    """Selected policies (after ``disable``/``only``), sorted by id."""
    all_ids: tuple[str, ...]
    declared_params: Mapping[str, tuple[tuple[str, Mapping[str, Any]], ...]]
    """Parameter name -> (policy id, declaration) of every loaded policy declaring it."""
    join_kinds: Mapping[str, tuple[str, ...]]
    digest: str


def _policy_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    # Symlinks are listed even when dangling or pointing at a folder, so confined_file() refuses them by name
    # instead of the walk dropping them silently.
    return sorted(p for p in path.rglob("*") if p.suffix in POLICY_SUFFIXES and (p.is_file() or p.is_symlink()))


def join_kinds_of(node: Node | None) -> set[str]:
    if node is None:
        return set()
    if isinstance(node, (AllOf, AnyOf)):
        return set().union(*(join_kinds_of(c) for c in node.children))
    if isinstance(node, (Not, Quantifier)):
        return join_kinds_of(node.child)
    if isinstance(node, Join):
        return {node.kind} | join_kinds_of(node.child) | join_kinds_of(node.where)
    if isinstance(node, Leaf):
        return set()
    # Staged evaluation and partial runs give a policy only the kinds named here: a node this function does not
    # know could read another kind, so it is a bug to report, never an empty answer.
    raise TypeError(f"join_kinds_of: unknown node type {type(node).__name__}")


def load_policy_file(path: Path, display: str, memo: SchemaMemo | None = None) -> tuple[Policy, bytes]:
    raw_bytes = path.read_bytes()
    if len(raw_bytes) > MAX_POLICY_BYTES:
        raise PolicyError(f"policy file is over {MAX_POLICY_BYTES} bytes", file=display)
    # Bytes that passed the schema before (the cache's schema marks) come with the document they parsed to.
    known = memo.parsed("policy.schema.json", raw_bytes) if memo is not None else None
    if known is not None:
        doc, lines = known
        policy = compile_policy(doc, file=display, lines=lines, catalog=load_catalog(), kinds=kinds(),
                                schema_checked=True)
        return policy, raw_bytes
    doc, lines = load_yaml(decode_text(raw_bytes, display), display)
    checked = memo is not None and memo.holds("policy.schema.json", raw_bytes)  # marked, document not kept
    policy = compile_policy(doc, file=display, lines=lines, catalog=load_catalog(), kinds=kinds(),
                            schema_checked=checked)
    if memo is not None and not checked:
        memo.note("policy.schema.json", raw_bytes, (doc, lines))  # compiled, so it passed (compiling reads only)
    return policy, raw_bytes


def check_policy_ids(ids: Iterable[str], all_ids: Sequence[str], source: str, file: str | None = None) -> None:
    """A policy id that names no loaded policy is a typo until proven otherwise: an error with the closest ids,
    never a silently smaller (or empty) policy set."""
    unknown = sorted(set(ids) - set(all_ids))
    if unknown:
        import difflib

        close = {u: difflib.get_close_matches(u, all_ids, n=3, cutoff=0.6) for u in unknown}
        hints = "; ".join(f"for {u!r} did you mean {', '.join(c)}?" for u, c in close.items() if c)
        raise PolicyError(f"{source}: no policy with id {', '.join(repr(u) for u in unknown)}", file=file,
                          hint=hints or "run `aima-gate controls` to list the policy ids")


def load_policies(config: Config, root: Path, *, allow_empty: bool = False,
                  memo: SchemaMemo | None = None) -> LoadedPolicies:
    """The policy set; ``memo`` (the cache's schema marks) skips the schema check of files that passed it before."""
    sources: list[tuple[Path, str]] = []
    if config.builtin_policies:
        builtin = builtin_policies_dir()
        sources += [(p, f"<builtin>/{p.relative_to(builtin).as_posix()}") for p in _policy_files(builtin)]
    for rel in config.policy_paths:
        target = (root / rel).resolve()
        if not target.is_relative_to(root.resolve()):
            raise PolicyError(f"policy path {rel!r} leaves the repository", file=config.file)
        if not target.exists():
            raise PolicyError(f"policy path {rel!r} does not exist", file=config.file,
                              line=config.line_of("/policies/paths"))
        # Each file is confined on its own: a policy folder inside the repository may still hold a file symlink
        # that points outside it.
        sources += [(p, confined_file(root, p, what="policy file", error=PolicyError)) for p in _policy_files(target)]
    compiled: dict[str, tuple[Policy, bytes]] = {}
    for path, display in sources:
        policy, raw = load_policy_file(path, display, memo)
        if policy.id in compiled:
            other = compiled[policy.id][0].file
            raise PolicyError(f"duplicate policy id {policy.id!r} (also in {other})", file=display, line=policy.line)
        compiled[policy.id] = (policy, raw)
    all_ids = tuple(sorted(compiled))
    if config.only is not None:
        check_policy_ids(config.only, all_ids, "policies.only / --policy", config.file)
    selected = [
        compiled[i][0] for i in all_ids
        if i not in config.disabled and (config.only is None or i in config.only)
    ]
    if not selected and not allow_empty:
        raise PolicyError(
            "no policies to evaluate: the policy set is empty",
            file=config.file,
            hint="enable the built-in pack (policies.builtin: true) or point policies.paths at policy files; "
                 "an empty policy set would pass everything",
        )
    digest = hashlib.sha256()
    for pid in all_ids:
        digest.update(pid.encode() + b"\0" + compiled[pid][1] + b"\0")
    declared: dict[str, tuple[tuple[str, Mapping[str, Any]], ...]] = {}
    for pid in all_ids:
        for name, spec in compiled[pid][0].params.items():
            declared[name] = (*declared.get(name, ()), (pid, spec))
    return LoadedPolicies(
        policies=tuple(selected),
        all_ids=all_ids,
        declared_params=declared,
        join_kinds={p.id: tuple(sorted(join_kinds_of(p.assertion) | join_kinds_of(p.where))) for p in selected},
        digest="sha256:" + digest.hexdigest(),
    )


def policy_summary(policy: Policy) -> dict[str, Any]:
    return {
        "id": policy.id,
        "title": policy.title,
        "severity": policy.severity.value,
        "kind": policy.kind,
        "aima": {"domain": policy.aima.domain, "practice": policy.aima.practice,
                 "stream": policy.aima.stream, "level": policy.aima.level},
        "mappings": {k: list(v) for k, v in policy.mappings.items()},
        "file": policy.file,
    }
