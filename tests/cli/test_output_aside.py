"""``check`` on two cores writes the bytes it writes on one: standard output made aside while the report files are
written, and the second half of a large JSON findings array made aside (core/aside.py). The real console entry
point runs in a subprocess with the size thresholds lowered, so that a small repository takes every aside path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aima_gate.core.parallel import can_fork
from tests.conftest import EXAMPLES, TODAY, bench_repo

# The CLI with both thresholds set from argv[1] (0: always aside; a huge number: never).
_ENTRY = ("import sys\n"
          "from aima_gate.cli import check\n"
          "from aima_gate.reporters import json_report\n"
          "check.ASIDE_MIN_FINDINGS = json_report.ASIDE_MIN_FINDINGS = int(sys.argv.pop(1))\n"
          "from aima_gate.__main__ import main\n"
          "sys.argv[0] = 'aima-gate'\n"
          "main()\n")


# The GitLab template's reports, in its order (standard output, text, comes last).
_FORMATS = ("junit", "gitlab", "sarif", "json", "markdown", "html")
_FILES = tuple(f"report.{fmt}" for fmt in _FORMATS)


def _run(threshold: int, repo: Path, out: Path, *args: str, files: bool = True) -> tuple[int, bytes, bytes]:
    out.mkdir()
    env = {"AIMA_GATE_JOBS": "2", "AIMA_GATE_NO_CACHE": "1", "PATH": "/usr/bin:/bin"}
    reports = [f"--report={fmt}={out / name}" for fmt, name in zip(_FORMATS, _FILES, strict=True)] if files else []
    proc = subprocess.run([sys.executable, "-c", _ENTRY, str(threshold), "check", str(repo), "--today",
                           TODAY.isoformat(), *args, *reports], capture_output=True, env=env, timeout=300, check=False)
    return proc.returncode, proc.stdout, b"".join((out / name).read_bytes() for name in _FILES if files)


def _hostile_bench(root: Path) -> Path:
    """The bench repository with a registry file whose name is not UTF-8 (an error naming it) and a model named
    with a terminal escape and a line break (escaped wherever it is written)."""
    import os

    repo = bench_repo(root, 60)
    entry = repo / "registry" / "model-00001.yml"
    (repo / "registry" / os.fsdecode(b"model-\xff.yml")).write_text(entry.read_text(encoding="utf-8"), encoding="utf-8")
    entry.write_text(entry.read_text(encoding="utf-8").replace(
        "name: model-00001", 'name: "model-\\e[2J\\nVerdict: PASS"'), encoding="utf-8")
    return repo


@pytest.mark.skipif(not can_fork(), reason="needs fork (Linux)")
@pytest.mark.parametrize("args", [("--format", "text"), ("--format", "json", "--findings", "all"),
                                  ("--format", "text", "--quiet"), ("--format", "text", "--color")])
def test_two_cores_write_the_bytes_one_writes(tmp_path: Path, args: tuple[str, ...]) -> None:
    # 60 models: about 1,000 listed findings and 2,000 with passes: --findings all splits the JSON array.
    for repo in (bench_repo(tmp_path / "bench", 60), EXAMPLES / "credit-scoring", _hostile_bench(tmp_path / "h")):
        name = repo.parent.name + repo.name
        here = _run(10**9, repo, tmp_path / f"{name}-here", *args)
        aside = _run(0, repo, tmp_path / f"{name}-aside", *args)
        assert here[0] in (0, 1, 2) and here[1], here
        assert aside == here
        # Standard output alone: the JSON findings array itself is split (no other child holds the spare core).
        alone = _run(10**9, repo, tmp_path / f"{name}-alone-here", *args, files=False)
        assert _run(0, repo, tmp_path / f"{name}-alone-aside", *args, files=False) == alone


@pytest.mark.skipif(not can_fork(), reason="needs fork (Linux)")
def test_the_json_findings_tail_and_passes_made_aside_are_the_bytes_made_here(tmp_path: Path) -> None:
    """The JSON report's default form on standard output: at 150 models under the full pack its listed findings
    reach past the first batch boundary after this process's share, so the child makes their tail and the passes
    summary."""
    import json

    from aima_gate.reporters.json_report import HERE_SHARE

    repo = bench_repo(tmp_path / "bench", 150)
    (repo / ".aima-gate.yml").write_text("version: 1\n", encoding="utf-8")  # the full pack: most models fail
    here = _run(10**9, repo, tmp_path / "here", "--format", "json", files=False)
    listed = len(json.loads(here[1])["findings"])
    assert -(-int(listed * HERE_SHARE) // 1000) * 1000 < listed, listed  # (a tail to make aside)
    assert _run(0, repo, tmp_path / "aside", "--format", "json", files=False) == here


def test_the_split_balances_the_estimated_costs() -> None:
    from aima_gate.cli.check import _split_outputs

    assert _split_outputs(["text"]) == 0
    assert _split_outputs(["json", "text"]) == 1
    # GitLab template: JUnit and GitLab here; SARIF, JSON, Markdown, HTML and the text output in the child.
    assert _split_outputs(["junit", "gitlab", "sarif", "json", "markdown", "html", "text"]) == 2
    # GitHub Action: JSON and SARIF here; Markdown and the text output in the child.
    assert _split_outputs(["json", "sarif", "markdown", "text"]) == 2
