"""``aima-gate check --changed`` / ``check PATH FILE...``: evaluate only the subjects whose evidence changed.

A subject is *changed* when its own file, or any file it references (directly or through referenced artifacts),
is in the changed set. Everything is still collected, so references are followed and parse errors are found as
usual, and joins still see every artifact; the fail-closed rules hold for the changed subjects: their errors,
missing references and failures are reported exactly as in a full run. What is left out: subjects whose files
did not change, errors in unchanged files, and unused-waiver findings (a partial run cannot tell). A change to
the config or to a policy file evaluates everything. A policy whose kind has no artifacts at all is still an
error (unless optional), as in a full run.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from aima_gate.config.policy_packs import LoadedPolicies
from aima_gate.config.repo_config import Config
from aima_gate.core.errors import AimaGateError, ConfigError
from aima_gate.core.model import Artifact, Finding
from aima_gate.engine.evaluate import Evaluation, evaluate
from aima_gate.engine.policy import Policy


def _git(root: Path, *args: str) -> list[str]:
    import subprocess  # only for --changed: a hook run names its files

    try:
        proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"--changed needs git: {exc}",
                          hint="install git, or list the changed files instead") from None
    if proc.returncode != 0:
        raise ConfigError(f"--changed: git {' '.join(args)} failed: {proc.stderr.strip() or proc.returncode}",
                          hint="run inside a git work tree, or list the changed files on the command line")
    return [line for line in proc.stdout.split("\0") if line]


def git_changed_files(root: Path, base: str | None = None) -> frozenset[str]:
    """Files changed in the work tree and index (vs HEAD), untracked files, and commits since ``base``.

    Paths are relative to ``root`` (git's ``--relative``), POSIX style.
    """
    files = set(_git(root, "diff", "--name-only", "-z", "--relative", "HEAD"))
    files.update(_git(root, "ls-files", "-z", "--others", "--exclude-standard"))
    if base:
        files.update(_git(root, "diff", "--name-only", "-z", "--relative", f"{base}...HEAD"))
    return frozenset(files)


def relative_files(root: Path, files: Iterable[str]) -> frozenset[str]:
    """Command-line file names (relative to the working directory) as paths relative to ``root``.

    Lexically, as git and pre-commit name them: a named file that is a symbolic link (to anywhere), or that lies
    under a linked folder, is the repository path named, never where the link points. Resolving it made a card
    replaced by a link out of the repository fall outside, so a hook run naming it evaluated nothing and passed,
    where a full run fails it. A name that is outside lexically is tried with its folders resolved (a repository
    reached through a linked path)."""
    base = root.resolve()
    as_named = Path(os.path.abspath(root))  # noqa: PTH100 - normalised, its links kept (resolve() follows them)
    out = set()
    for name in files:
        given = Path(os.path.abspath(name))  # noqa: PTH100 - as above
        for path, under in ((given, base), (given, as_named), (given.parent.resolve() / given.name, base)):
            if path.is_relative_to(under):
                out.add(path.relative_to(under).as_posix())
                break
        # else: outside the checked repository, so it cannot concern any of its subjects
    return frozenset(out)


def changed_subjects(changed: frozenset[str], artifacts: Sequence[Artifact]) -> list[Artifact]:
    """Artifacts whose own file changed, or that reference (transitively) a changed file or a changed artifact.

    The least fixpoint of "selected: its file changed, or it references a touched file; touched: a changed file
    or the file of a selected artifact", reached by following references backwards from each newly touched file
    (one pass over the artifacts, not one per round)."""
    referrers: dict[str, list[int]] = {}
    selected: set[int] = set()
    for i, art in enumerate(artifacts):  # one pass: 20,000 artifacts in a hook run at 5,000 models
        if art.file in changed:
            selected.add(i)
        for _kind, path, _ptr in art.references:
            referrers.setdefault(path, []).append(i)
    touched = set(changed)
    todo = list(touched)
    while todo:
        for i in referrers.get(todo.pop(), ()):
            if i not in selected:
                selected.add(i)
                file = artifacts[i].file
                if file not in touched:
                    touched.add(file)
                    todo.append(file)
    return [artifacts[i] for i in sorted(selected)]


def _joins(node: Any) -> Iterator[Any]:
    from aima_gate.engine.assertions import Join, Node

    if isinstance(node, Join):
        yield node
    for value in (vars(node).values() if isinstance(node, Node) else ()):
        for child in (value if isinstance(value, tuple) else (value,)):
            if isinstance(child, Node):
                yield from _joins(child)


def _paths(node: Any) -> Iterator[Any]:
    """Every :class:`~aima_gate.engine.paths.Path` of a policy's tree (what it reads from the data in focus)."""
    from aima_gate.engine.assertions import Node
    from aima_gate.engine.paths import Path as DataPath

    if isinstance(node, DataPath):
        yield node
    elif isinstance(node, tuple):
        for child in node:
            yield from _paths(child)
    elif isinstance(node, Node):
        for value in vars(node).values():
            yield from _paths(value)


def reads_whole_documents(policies: Sequence[Policy]) -> bool:
    """Whether any join of these policies may read a whole document it looks up (a path ``.`` in its ``where``,
    ``assert``, ``on`` or ``via``), rather than keys inside it (the rest of a policy reads its subject)."""
    return any(not path.tokens for p in policies for node in (p.assertion, p.where) for j in _joins(node)
               for path in _paths((j.via, j.on, j.where, j.child)))


def join_pool(policies: Sequence[Policy], subjects: Sequence[Artifact], subject_keys: set[tuple[str, str, str]],
              join_kinds: set[str], artifacts: Sequence[Artifact]) -> list[Artifact]:
    """The subjects, and every artifact their evaluation can look up.

    A join that follows a reference (``via``) finds only artifacts at files referenced by the artifact in focus,
    which is the subject or an artifact found by an enclosing join: the files reachable from the subjects through
    references. A join on keys or by ``where`` alone may find any artifact of its kind: all of them. Artifacts
    read back from the cache are decoded here in a partial run: the subjects always (the engine sees a subject's
    data as a plain dict), the others only as far as a join reads them (a key of the entry's peek, such as a
    model's ``source``, needs no decoding; any other key decodes the whole document, :class:`LazyData`), unless a
    policy reads a whole document (a path ``.``), which then sees every one of them as a plain dict.
    """
    from aima_gate.pipeline.cache_codec import materialized

    keyed = {j.kind for p in policies for node in (p.assertion, p.where) for j in _joins(node) if j.via is None}
    by_file: dict[str, list[Artifact]] = {}
    for art in artifacts:
        if art.references:  # only what an artifact references leads further
            by_file.setdefault(art.file, []).append(art)
    reachable: set[str] = set()
    todo = [path for art in subjects for _kind, path, _ptr in art.references]
    while todo:
        path = todo.pop()
        if path not in reachable:
            reachable.add(path)
            todo.extend(p for art in by_file.get(path, ()) for _kind, p, _ptr in art.references)
    whole = reads_whole_documents(policies)
    return [materialized(a) if whole or (a.kind, a.name, a.file) in subject_keys else a for a in artifacts
            if a.kind in keyed or (a.kind in join_kinds and a.file in reachable)
            or (a.kind, a.name, a.file) in subject_keys]


def evaluate_changed(
    changed: frozenset[str],
    loaded: LoadedPolicies,
    config: Config,
    artifacts: Sequence[Artifact],
    errors: list[AimaGateError],
    *,
    params: Mapping[str, Mapping[str, Any]],
    today: _dt.date,
    anchor_file: str,
    unreadable: Mapping[str, str] | None = None,
    pass_evidence: bool = True,
) -> tuple[Evaluation, list[AimaGateError]]:
    policies = loaded.policies
    rules_changed = {config.file, *(p.file for p in policies)} & changed
    if rules_changed:
        from aima_gate.pipeline.cache_codec import materialized

        return evaluate(policies, [materialized(a) for a in artifacts], params=params, waivers=config.waivers,
                        today=today, anchor_file=anchor_file, unreadable=unreadable,
                        pass_evidence=pass_evidence), errors
    subjects = changed_subjects(changed, artifacts)
    subject_keys = {(a.kind, a.name, a.file) for a in subjects}
    kinds_present = {a.kind for a in artifacts}
    kinds_selected = {a.kind for a in subjects}
    join_kinds = {k for p in policies for k in loaded.join_kinds.get(p.id, ())}
    # Policies over changed subjects, plus those whose kind has no artifacts at all (still an error).
    wanted = [p for p in policies if p.kind in kinds_selected or p.kind not in kinds_present]
    # The pool: the changed subjects, and every artifact a join may look up (see join_pool).
    pool = join_pool(wanted, subjects, subject_keys, join_kinds, artifacts)
    result = evaluate(wanted, pool, params=params, waivers=config.waivers, today=today, anchor_file=anchor_file,
                      unreadable=unreadable, only_subjects=lambda a: (a.kind, a.name, a.file) in subject_keys,
                      pass_evidence=pass_evidence)
    absent = {p.id for p in policies if p.kind not in kinds_present}

    def keep(f: Finding) -> bool:
        return f.policy_id in absent or (f.subject.kind, f.subject.name, f.subject.file) in subject_keys

    # Errors of the changed files and the subjects' files, and of a folder a changed file is in (a folder link
    # that leaves the repository is reported at the folder).
    folders = {f.rsplit("/", k)[0] for f in changed for k in range(1, f.count("/") + 1)}
    files = changed | {a.file for a in subjects} | folders
    kept_errors = [e for e in errors if e.file in files]
    return Evaluation(tuple(f for f in result.findings if keep(f)), result.used_waivers), kept_errors
