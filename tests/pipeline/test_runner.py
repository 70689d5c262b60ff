"""The runner at unit level: collection errors become findings naming file and line, and never hide results."""

from __future__ import annotations

from pathlib import Path

import pytest

from aima_gate.core.clock import Clock
from aima_gate.core.errors import AimaGateError
from aima_gate.core.model import EMPTY_REPOSITORY, INPUT_ERROR, Status
from aima_gate.pipeline.runner import RunOptions, run_check
from tests.cli.test_exit_codes import CORE, REGISTRY, mini_repo
from tests.conftest import TODAY, write


def run(root: Path, *, only: tuple[str, ...] = CORE):  # type: ignore[no-untyped-def]
    return run_check(RunOptions(root=root, clock=Clock.at(TODAY), only_policies=frozenset(only)))


def errors(report) -> list[tuple[str, int, str]]:  # type: ignore[no-untyped-def]
    return [(e.file, e.line, e.message) for f in report.findings if f.policy_id == INPUT_ERROR for e in f.evidence]


def test_compliant_mini_repo(tmp_path: Path) -> None:
    report = run(mini_repo(tmp_path))
    assert report.verdict == "pass" and int(report.exit_code) == 0
    assert {f.policy_id for f in report.findings} == set(CORE)


def test_missing_referenced_card_is_an_error_at_the_referencing_line(tmp_path: Path) -> None:
    repo = mini_repo(tmp_path, registry=REGISTRY.replace("churn.md", "gone.md"))
    report = run(repo)
    assert report.verdict == "error" and int(report.exit_code) == 2
    assert ("registry/models.yml", 8, "$.model_card references model_cards/gone.md, which does not exist") in \
        errors(report)
    join = next(f for f in report.findings if f.policy_id == "model.has-complete-card")
    assert join.status is Status.FAIL  # the join itself reports the unmatched subject too


def test_a_broken_file_does_not_hide_the_others(tmp_path: Path) -> None:
    repo = mini_repo(tmp_path)
    write(repo, "registry/zz-broken.yml", "models:\n  - name: x\n    version: '1'\n    owner: [unclosed\n")
    report = run(repo)
    assert report.verdict == "error"
    assert [e[0] for e in errors(report)] == ["registry/zz-broken.yml"]
    assert errors(report)[0][1] == 5
    assert sum(1 for f in report.findings if f.status is Status.PASS) == len(CORE)


def test_the_same_model_version_twice_is_an_error(tmp_path: Path) -> None:
    repo = mini_repo(tmp_path)
    write(repo, "registry/copy.yml", REGISTRY)
    found = errors(run(repo))
    assert any("churn@1.0.0 is defined twice" in message for _, _, message in found)


def test_empty_repository_finding(tmp_path: Path) -> None:
    report = run(tmp_path)
    assert [f.policy_id for f in report.findings] == [EMPTY_REPOSITORY]
    assert report.findings[0].status is Status.ERROR and int(report.exit_code) == 2


def test_config_errors_raise(tmp_path: Path) -> None:
    repo = mini_repo(tmp_path)
    write(repo, ".aima-gate.yml", "waivers:\n  - policy: model.nope\n    subject: x\n    reason: a long reason\n"
                                  "    owner: me\n    expires: '2027-01-01'\n")
    with pytest.raises(AimaGateError, match=r"waiver names unknown policy 'model\.nope'") as info:
        run(repo)
    assert (info.value.file, info.value.line) == (".aima-gate.yml", 2)


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(AimaGateError, match="is not a directory"):
        run(write(tmp_path, "file.txt", "x"))


def test_referenced_files_outside_the_globs_are_collected(tmp_path: Path) -> None:
    repo = mini_repo(tmp_path, registry=REGISTRY.replace("../model_cards/churn.md", "../docs/churn-card.md"))
    (repo / "model_cards" / "churn.md").rename(repo / "churn-card.md")
    write(repo, "docs/churn-card.md", (repo / "churn-card.md").read_text())
    (repo / "churn-card.md").unlink()
    report = run(repo, only=("model.has-complete-card", "model.card-version-matches"))
    assert {f.status for f in report.findings} == {Status.PASS}, [
        (f.policy_id, [e.message for e in f.evidence]) for f in report.findings]
