"""Artifacts by kind, by (kind, file) and by join keys, for one evaluation run. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aima_gate.core.model import Artifact
from aima_gate.engine.paths import _MISSING, Path, join_key


class ArtifactIndex:
    """Artifacts by kind, by (kind, file) and by join keys; join indexes are built on first use."""

    def __init__(self, artifacts: Sequence[Artifact], unreadable: Mapping[str, str] | None = None) -> None:
        self.unreadable: Mapping[str, str] = unreadable or {}
        """Files that exist but could not be read (the collection error's diagnosis), by path."""
        self.by_kind: dict[str, list[Artifact]] = {}
        self.by_file: dict[tuple[str, str], list[Artifact]] = {}
        for art in artifacts:
            self.by_kind.setdefault(art.kind, []).append(art)
            self.by_file.setdefault((art.kind, art.file), []).append(art)
        self._on: dict[tuple[str, tuple[Path, ...]], dict[str, list[Artifact]]] = {}
        self.filtered: dict[tuple[int, int], list[Artifact]] = {}
        """Candidates of a join whose filter cannot see the subject, by (join node, policy parameters): the same
        for every subject, so computed once per run instead of once per subject (quadratic at scale)."""
        self.referenced: dict[tuple[str, str, int], list[Artifact]] = {}
        """A ``via`` join's candidates found, by (kind, reference pointer, id of the referencing artifact, which
        lives as long as the index): several policies follow the same reference (a model's fairness report)."""
        self.join_tables: dict[int, dict[str, list[Artifact]]] = {}
        """:meth:`by_keys` tables by id of the join node asking (nodes outlive the index)."""

    def by_keys(self, kind: str, paths: tuple[Path, ...]) -> dict[str, list[Artifact]]:
        key = (kind, paths)
        if key not in self._on:
            table: dict[str, list[Artifact]] = {}
            for art in self.by_kind.get(kind, []):
                values = [path.get(art.data) for path in paths]
                if all(v is not _MISSING for v in values):
                    table.setdefault(join_key(values), []).append(art)
            self._on[key] = table
        return self._on[key]


__all__ = ["ArtifactIndex"]
