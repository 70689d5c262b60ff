"""A folder symlink that leaves the repository is never skipped silently: the walk does not follow it, so the
gate reports it (exit 2) unless the config excludes it. Links that stay inside the repository are fine."""

from __future__ import annotations

import shutil
from pathlib import Path

from aima_gate.safeio.repo import Repo
from tests.conftest import EXAMPLES, TODAY, run_cli


def _repo_with_link(tmp_path: Path, inside: bool) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "credit-scoring", repo)
    target = repo / "reports" if inside else tmp_path / "outside"
    target.mkdir(exist_ok=True)
    (repo / "data").symlink_to(target, target_is_directory=True)
    return repo


def test_escaping_folder_link_is_an_error_naming_link_and_target(tmp_path: Path) -> None:
    repo = _repo_with_link(tmp_path, inside=False)
    assert Repo(repo).escaping_folder_links() == [("data", str((tmp_path / "outside").resolve()))]
    proc = run_cli("check", str(repo), "--today", TODAY.isoformat())
    assert proc.returncode == 2, proc.stdout[-2000:]
    assert "data/ is a symlinked folder that leaves the repository" in proc.stdout
    assert str(tmp_path / "outside") in proc.stdout


def test_excluded_escaping_link_is_accepted(tmp_path: Path) -> None:
    repo = _repo_with_link(tmp_path, inside=False)
    with (repo / ".aima-gate.yml").open("a", encoding="utf-8") as fh:
        fh.write('\nexclude: ["data/**"]\n')
    assert Repo(repo, exclude=["data/**"]).escaping_folder_links() == []
    proc = run_cli("check", str(repo), "--today", TODAY.isoformat())
    assert proc.returncode == 0, proc.stdout[-2000:]


def test_folder_link_inside_the_repository_is_not_an_error(tmp_path: Path) -> None:
    repo = _repo_with_link(tmp_path, inside=True)
    assert Repo(repo).escaping_folder_links() == []
    assert run_cli("check", str(repo), "--today", TODAY.isoformat()).returncode == 0
