"""`aima-gate check --changed` and `check PATH FILE...`: only subjects whose evidence changed, fail-closed kept."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TODAY, run_cli
from tests.reporters.test_reporters import FIXTURE
from tests.surfaces.tools import system_tool

GIT = ["-c", "user.email=test@example.com", "-c", "user.name=test"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git = system_tool("git")
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "init"]):
        subprocess.run([git, *GIT, *args], cwd=root, check=True)
    return root


def check(root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    proc = run_cli("check", ".", "--format", "json", "--today", TODAY.isoformat(), *args, cwd=root)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def subjects(report: dict[str, Any]) -> set[str]:
    return {f["subject"]["name"] for f in report["findings"]}


def test_nothing_changed_evaluates_nothing(repo: Path) -> None:
    code, report = check(repo, "--changed")
    assert code == 0 and report["summary"]["total"] == 0


def test_changed_card_evaluates_its_model_only(repo: Path) -> None:
    card = repo / "cards" / "churn-model.md"
    card.write_text(card.read_text(encoding="utf-8") + "\nMore text.\n", encoding="utf-8")
    code, report = check(repo, "--changed")
    assert code == 1
    assert subjects(report) == {"churn-model@1.2.0"}
    _, full = check(repo)
    same = [f for f in full["findings"] if f["subject"]["name"] == "churn-model@1.2.0"]
    assert sorted(report["findings"], key=lambda f: f["fingerprint"]) == sorted(same, key=lambda f: f["fingerprint"])


def test_files_on_the_command_line(repo: Path) -> None:
    code, report = check(repo, "cards/fraud-scorer.md")
    assert subjects(report) == {"fraud-scorer@3.1.0"}
    assert code == 0  # fraud-scorer fails only a low-severity policy, below fail_on medium


def test_config_change_evaluates_everything(repo: Path) -> None:
    config = repo / ".aima-gate.yml"
    config.write_text(config.read_text(encoding="utf-8") + "# touched\n", encoding="utf-8")
    _, report = check(repo, "--changed")
    _, full = check(repo)
    assert report["summary"] == full["summary"]


def test_changed_broken_file_still_fails_closed(repo: Path) -> None:
    (repo / "registry" / "models.yml").write_text("models: [\n  {name: broken\n", encoding="utf-8")
    code, report = check(repo, "--changed")
    assert code == 2
    assert any(f["status"] == "error" and f["subject"]["file"] == "registry/models.yml" for f in report["findings"])


def test_changed_entry_referencing_missing_file_is_an_error(repo: Path) -> None:
    registry = repo / "registry" / "models.yml"
    registry.write_text(registry.read_text(encoding="utf-8").replace("cards/pricing-model.md", "cards/gone.md"),
                        encoding="utf-8")
    code, report = check(repo, "--changed")
    assert code == 2
    assert any("cards/gone.md" in e["message"] for f in report["findings"] for e in f["evidence"])


def test_unrelated_broken_file_is_not_reported(repo: Path) -> None:
    (repo / "cards" / "pricing-model.md").write_bytes(b"\xff\xfe binary")
    code, _ = check(repo)
    assert code == 2  # a full run fails closed on the unreadable card
    code, report = check(repo, "cards/fraud-scorer.md")
    assert code == 0 and all(f["status"] != "error" for f in report["findings"])


def test_changed_outside_git_is_an_error(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE, tmp_path / "plain")
    proc = run_cli("check", ".", "--changed", "--today", TODAY.isoformat(), cwd=tmp_path / "plain",
                   env={"GIT_CEILING_DIRECTORIES": str(tmp_path)})
    assert proc.returncode == 2 and "git" in proc.stderr


def test_a_named_card_replaced_by_a_link_out_of_the_repository_fails_as_a_full_run_does(repo: Path,
                                                                                         tmp_path: Path) -> None:
    """A named file is the repository path named, never where a link points: resolving it dropped the card as
    outside the repository, and the hook run evaluated nothing and passed."""
    outside = tmp_path / "outside.md"
    outside.write_text("# not ours\n", encoding="utf-8")
    card = repo / "cards" / "fraud-scorer.md"
    card.unlink()
    card.symlink_to(outside)
    full_code, _ = check(repo)
    code, report = check(repo, "cards/fraud-scorer.md")
    assert code == full_code == 2
    assert any(f["status"] == "error" and f["subject"]["file"] == "cards/fraud-scorer.md" for f in report["findings"])


def test_a_named_file_under_a_folder_link_out_of_the_repository_reports_the_link(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.md").write_text("# not ours\n", encoding="utf-8")
    (repo / "escape").symlink_to(outside, target_is_directory=True)
    code, report = check(repo, "escape/x.md")
    assert code == 2
    assert any(f["status"] == "error" and f["subject"]["file"] == "escape" for f in report["findings"])


def test_relative_files_are_the_names_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aima_gate.pipeline.changed import relative_files

    root = tmp_path / "repo"
    (root / "cards").mkdir(parents=True)
    (root / "cards" / "link.md").symlink_to("/etc/passwd")
    (tmp_path / "via").symlink_to(root, target_is_directory=True)
    monkeypatch.chdir(root)
    assert relative_files(root, ["cards/link.md", "./cards/../cards/a.md", "../elsewhere.md"]) == {
        "cards/link.md", "cards/a.md"}
    assert relative_files(root, [str(tmp_path / "via" / "cards" / "a.md")]) == {"cards/a.md"}  # a linked path
    assert relative_files(tmp_path / "via", ["cards/link.md"]) == {"cards/link.md"}
