"""Every file a command writes goes through the no-follow writer: a symlink the repository under test commits at
the output path (or in a folder on the way) is refused with exit 2, and the file outside is left untouched."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, TODAY, run_cli, write


@pytest.mark.parametrize("args", [("score", "-o", "score.txt"), ("score", "--svg", "score.txt")])
def test_score_refuses_a_committed_symlink_at_its_output(tmp_path: Path, args: tuple[str, ...]) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "credit-scoring", repo)
    victim = write(tmp_path, "victim.txt", "keep me\n")
    (repo / "score.txt").symlink_to(victim)
    proc = run_cli(args[0], str(repo), *args[1:-1], str(repo / args[-1]), "--today", TODAY.isoformat())
    assert proc.returncode == 2, proc.stderr
    assert "symlink" in proc.stderr and "score.txt" in proc.stderr
    assert victim.read_text() == "keep me\n"


def test_score_refuses_a_symlinked_folder_on_the_way(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "credit-scoring", repo)
    (tmp_path / "elsewhere").mkdir()
    (repo / "out").symlink_to(tmp_path / "elsewhere")
    proc = run_cli("score", str(repo), "-o", str(repo / "out" / "score.txt"), "--today", TODAY.isoformat())
    assert proc.returncode == 2, proc.stderr
    assert not (tmp_path / "elsewhere" / "score.txt").exists()


def test_score_exit_2_names_what_could_not_be_evaluated(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "credit-scoring", repo)
    registry = next(p for p in (repo / "registry").iterdir() if p.suffix in {".yml", ".yaml"})
    registry.write_text("models: [unclosed\n")
    proc = run_cli("score", str(repo), "--today", TODAY.isoformat())
    assert proc.returncode == 2, proc.stderr
    assert "could not be evaluated" in proc.stderr
    assert registry.name in proc.stderr, proc.stderr


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_a_reader_that_goes_away_leaves_the_verdict_as_the_exit_code(fmt: str) -> None:
    """`aima-gate check ... | head`: the pipe closes before the report is written; that is not an internal error."""
    exe = Path(sys.executable).with_name("aima-gate")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "aima_gate"]
    proc = subprocess.Popen([*cmd, "check", str(EXAMPLES / "llm-assistant"), "--format", fmt, "--findings", "all",
                             "-v", "--today", TODAY.isoformat()],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first byte
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1, err  # llm-assistant fails its policies on purpose
    assert "internal error" not in err and "Traceback" not in err, err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("fmt", ["json", "text"])
def test_standard_output_that_cannot_be_written_is_exit_2_naming_it(fmt: str) -> None:
    """A full disk under the redirected output is not a bug in aima-gate (it was exit 3, "please report it"): exit
    2, as for a report file that cannot be written, naming standard output and the reason, and nothing else."""
    exe = Path(sys.executable).with_name("aima-gate")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "aima_gate"]
    with Path("/dev/full").open("wb") as full:
        proc = subprocess.run([*cmd, "check", str(EXAMPLES / "credit-scoring"), "--format", fmt,
                               "--today", TODAY.isoformat()], stdout=full, stderr=subprocess.PIPE, timeout=120,
                              check=False)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert f"cannot write the {fmt} report to standard output: No space left on device" in err
    assert "internal error" not in err and "Traceback" not in err and "Exception ignored" not in err, err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args", [("controls",), ("explain", "model.owner-and-risk-tier"),
                                  ("score", str(EXAMPLES / "credit-scoring"), "--today", TODAY.isoformat())])
def test_every_command_on_a_full_disk_is_exit_2_not_a_bug(args: tuple[str, ...]) -> None:
    """Whatever a command writes, a full disk (or quota) is the machine's state: exit 2 naming it, never exit 3 and
    a request to report a bug, and never the interpreter's exit 120 from a last failed flush."""
    exe = Path(sys.executable).with_name("aima-gate")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "aima_gate"]
    with Path("/dev/full").open("wb") as full:
        proc = subprocess.run([*cmd, *args], stdout=full, stderr=subprocess.PIPE, timeout=120, check=False)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "cannot write the output: No space left on device" in err
    assert "internal error" not in err and "Traceback" not in err and "Exception ignored" not in err, err
