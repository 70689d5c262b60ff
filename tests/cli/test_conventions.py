"""Command-line conventions users of checkov, trivy, semgrep and ruff expect: -V, -o, -q, --soft-fail/--exit-zero,
--skip-policy, --min-severity, colour only on terminals, AIMA_GATE_<OPTION>, typo suggestions, the config found
upward inside the repository, and "found but unreadable" said as such."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, run_cli, write

FAILING = str(EXAMPLES / "llm-assistant")
PASSING = str(EXAMPLES / "credit-scoring")
OWNER = "model.owner-and-risk-tier"


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version(flag: str) -> None:
    proc = run_cli(flag)
    assert proc.returncode == 0 and proc.stdout.startswith("aima-gate, version ")


def test_output_file_instead_of_stdout(tmp_path: Path) -> None:
    out = tmp_path / "r" / "report.json"
    proc = run_cli("check", FAILING, "--format", "json", "-o", str(out))
    assert proc.returncode == 1 and proc.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(run_cli("check", FAILING, "--format",
                                                                            "json").stdout)


def test_quiet_prints_only_the_verdict() -> None:
    proc = run_cli("check", FAILING, "-q")
    assert proc.returncode == 1 and proc.stdout.count("\n") == 1 and proc.stdout.startswith("Verdict: FAIL")


@pytest.mark.parametrize("flag", ["--soft-fail", "--exit-zero"])
def test_soft_fail_lets_policy_failures_through_but_never_errors(flag: str, tmp_path: Path) -> None:
    proc = run_cli("check", FAILING, flag)
    assert proc.returncode == 0 and "Verdict: FAIL" in proc.stdout and "--soft-fail" in proc.stderr
    proc = run_cli("check", FAILING, flag, "--config", str(tmp_path / "missing.yml"))
    assert proc.returncode == 2


def test_skip_policy_is_listed_in_the_report() -> None:
    proc = run_cli("check", PASSING, "--format", "json", "--skip-policy", OWNER)
    report = json.loads(proc.stdout)
    assert proc.returncode == 0 and OWNER not in {f["policy_id"] for f in report["findings"]}
    assert report["disabled_policies"] == {"file": "--skip-policy", "policies": [OWNER]}
    assert (f"scope narrowed by --skip-policy (command line): these policies are not evaluated (command line): "
            f"{OWNER}") in run_cli("check", PASSING, "--skip-policy", OWNER).stdout


def test_min_severity_narrows_and_says_so() -> None:
    report = json.loads(run_cli("check", FAILING, "--format", "json", "--min-severity", "critical").stdout)
    evaluated = {f["policy_id"] for f in report["findings"]}
    skipped = set(report["disabled_policies"]["policies"])
    assert report["disabled_policies"]["file"] == "--min-severity critical"
    assert evaluated and not evaluated & skipped and {f["severity"] for f in report["findings"]} <= {"critical"}


@pytest.mark.parametrize("args", [("check", PASSING, "--policy", "model.owner-and-risk-tire"),
                                  ("check", PASSING, "--skip-policy", "model.owner-and-risk-tire"),
                                  ("explain", "model.owner-and-risk-tire")])
def test_a_typo_in_a_policy_id_names_the_closest_ids(args: tuple[str, ...]) -> None:
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert "no policy with id 'model.owner-and-risk-tire'" in proc.stderr and f"did you mean {OWNER}" in proc.stderr
    assert "policy set is empty" not in proc.stderr


def test_skipping_every_policy_is_an_error() -> None:
    proc = run_cli("check", PASSING, "--policy", OWNER, "--skip-policy", OWNER)
    assert proc.returncode == 2 and "no policies left to evaluate" in proc.stderr


def test_colour_only_when_asked_or_on_a_terminal() -> None:
    assert "\x1b[" not in run_cli("check", FAILING).stdout  # not a terminal
    coloured = run_cli("check", FAILING, "--color").stdout
    assert "\x1b[31m\x1b[1mFAIL\x1b[0m" in coloured and "Verdict: \x1b[" in coloured
    assert "\x1b[" not in run_cli("check", FAILING, "--no-color").stdout
    assert "\x1b[" not in run_cli("check", FAILING, env={"NO_COLOR": "1"}).stdout


def test_every_option_can_come_from_the_environment() -> None:
    proc = run_cli("check", FAILING, env={"AIMA_GATE_FAIL_ON": "critical", "AIMA_GATE_FORMAT": "json"})
    report = json.loads(proc.stdout)
    assert report["fail_on"] == "critical"
    proc = run_cli("check", FAILING, "--fail-on", "low", env={"AIMA_GATE_FAIL_ON": "critical"})
    assert "fail on low+" in proc.stdout  # the command line wins


def test_config_found_upward_inside_the_repository(tmp_path: Path) -> None:
    repo = shutil.copytree(PASSING, tmp_path / "repo")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    write(repo, ".aima-gate.yml", (repo / ".aima-gate.yml").read_text(encoding="utf-8")
          if (repo / ".aima-gate.yml").exists() else "fail_on: high\n")
    sub = repo / "docs" / "deep"
    sub.mkdir(parents=True)
    proc = run_cli("validate", cwd=sub)
    assert proc.returncode == 0 and f"using {repo / '.aima-gate.yml'}" in proc.stderr, proc.stderr
    outside = tmp_path / "elsewhere"  # not in a git work tree: no search upward
    outside.mkdir()
    write(tmp_path, ".aima-gate.yml", "fail_on: high\n")
    assert "using" not in run_cli("validate", cwd=outside).stderr


def test_a_referenced_file_that_exists_but_is_unreadable_is_not_called_missing(tmp_path: Path) -> None:
    repo = shutil.copytree(PASSING, tmp_path / "repo")
    cards = sorted((repo).rglob("*.md"))
    card = next(p for p in cards if "card" in p.name.lower() or "card" in p.parent.name.lower())
    card.write_bytes(b"\x00binary")
    proc = run_cli("check", str(repo), "--format", "json")
    messages = [e["message"] for f in json.loads(proc.stdout)["findings"] for e in f["evidence"]]
    rel = card.relative_to(repo).as_posix()
    assert any(f"{rel} (binary file" in m and "exists but could not be read" in m for m in messages), messages
    assert not any(f"no model_card found at {rel}" in m for m in messages)


def _stderr_on_a_terminal(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """Run the CLI with stderr on a real pseudo-terminal (stdout stays a pipe)."""
    import os
    import pty
    import sys

    master, slave = pty.openpty()
    exe = Path(sys.executable).with_name("aima-gate")
    proc = subprocess.run([str(exe), *args], stdout=subprocess.PIPE, stderr=slave, text=True, timeout=120,
                          env={**{k: v for k, v in os.environ.items() if k != "CI"}, **env}, check=False)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.returncode, proc.stdout, b"".join(chunks).decode("utf-8", "replace")


def test_progress_on_a_terminal_only_and_never_in_ci_or_output() -> None:
    code, out, err = _stderr_on_a_terminal("check", FAILING, "--format", "json", env={"TERM": "xterm"})
    assert code == 1 and "aima-gate: reading" in err and "aima-gate: evaluating" in err
    assert "reading" not in out and json.loads(out)["verdict"] == "fail"
    code, _out, err = _stderr_on_a_terminal("check", FAILING, env={"TERM": "xterm", "CI": "true"})
    assert "reading" not in err
    assert "reading" not in run_cli("check", FAILING).stderr  # stderr not a terminal
