"""The artifact cache's globs (``ArtifactCache.glob``): kept per file listing, and, when the listing changed since
the pack was written (a file added or removed), made from the glob kept for the last listing by matching only the
paths it lacked. Either way the glob is exactly ``glob_filter`` over the listing now."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aima_gate.pipeline import cache as cache_mod
from aima_gate.pipeline.cache_codec import LISTING
from aima_gate.safeio import globs
from aima_gate.safeio.globs import glob_filter
from aima_gate.safeio.repo import Repo

_PATHS = ["registry/a.yml", "registry/b.yaml", "registry/sub/c.yml", "cards/a.md", "cards/README.md",
          "reports/a-bias.json", "reports/a-shap.json", "model-registry.yml", "docs/x/y/model-card.md", ".hidden.yml"]
_PATTERNS = [["registry/**/*.{yml,yaml}"], ["cards/*.md", "!cards/README.md"], ["**/*-bias.json"],
             ["model-registry.{yml,yaml,json}"], ["**/*.md"], ["**/*.yml"]]
_listings = st.sets(st.sampled_from(_PATHS), min_size=1)


def _make(root: Path, paths: set[str]) -> None:
    for old in [p for p in root.rglob("*") if p.is_file()] if root.exists() else []:
        if old.relative_to(root).as_posix() not in paths:
            old.unlink()
    for rel in paths:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x\n", encoding="utf-8")


def _globbed(cache_dir: Path, root: Path) -> tuple[list[list[str]], cache_mod.ArtifactCache]:
    cache = cache_mod.ArtifactCache.open(cache_dir, Repo(root), ["test"])
    assert cache is not None
    got = [cache.glob(patterns) for patterns in _PATTERNS]
    cache.save()
    return got, cache


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=_listings, after=_listings)
def test_a_glob_after_files_were_added_or_removed_is_the_glob_of_the_listing_now(tmp_path: Path, before: set[str],
                                                                                 after: set[str]) -> None:
    root = tmp_path / f"r{abs(hash((frozenset(before), frozenset(after))))}"
    cache_dir = root.with_name(root.name + "-cache")
    _make(root, before)
    listed = Repo(root).files()
    first, _ = _globbed(cache_dir, root)
    _make(root, after)
    files = Repo(root).files()
    second, cache = _globbed(cache_dir, root)
    assert first == [glob_filter(listed, p) for p in _PATTERNS]
    assert second == [glob_filter(files, p) for p in _PATTERNS]
    assert (cache._last_listing is not None) is (files != listed)  # made from the last listing's globs
    third, _ = _globbed(cache_dir, root)  # read back as kept
    assert third == second


def test_only_the_new_paths_are_matched_when_a_file_was_added(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    _make(root, set(_PATHS) - {"registry/b.yaml"})
    _globbed(tmp_path / "cache", root)
    _make(root, set(_PATHS))
    seen: list[list[str]] = []
    real = globs.glob_filter

    def spy(paths: list[str], patterns: list[str]) -> list[str]:
        seen.append(list(paths))
        return real(paths, patterns)

    monkeypatch.setattr(cache_mod, "glob_filter", spy)
    got, _ = _globbed(tmp_path / "cache", root)
    assert seen == [["registry/b.yaml"]] * len(_PATTERNS)
    assert got[0] == ["registry/a.yml", "registry/b.yaml", "registry/sub/c.yml"]


def test_a_tampered_listing_row_is_not_used(tmp_path: Path) -> None:
    """A listing row whose paths do not give its digest is ignored: every glob is made over the listing now."""
    root = tmp_path / "repo"
    _make(root, {"registry/a.yml"})
    _globbed(tmp_path / "cache", root)
    _make(root, {"registry/a.yml", "registry/b.yaml"})
    cache = cache_mod.ArtifactCache.open(tmp_path / "cache", Repo(root), ["test"])
    assert cache is not None
    digest, _joined = cache._globs[LISTING]
    cache._globs[LISTING] = [digest, "registry/a.yml\0registry/b.yaml"]
    assert cache.glob(["registry/*.{yml,yaml}"]) == ["registry/a.yml", "registry/b.yaml"]
    assert cache._last_listing is None
    cache.save()
