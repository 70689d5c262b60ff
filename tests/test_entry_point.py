"""The console script's exit (aima_gate/__main__.py): the status, the ``atexit`` handlers and the flushed output of
an ordinary interpreter exit, without the teardown. Each case runs in its own interpreter: the function ends it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, TODAY, run_cli


def _python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "case.py"
    script.write_text(textwrap.dedent(code), encoding="utf-8")
    # block-buffered output, as a console script's is when its output is a pipe or a file
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False,
                          env=env)


CASE = """
    import atexit, os, sys
    from aima_gate.__main__ import exit_without_teardown

    class Loud:
        def __del__(self):
            sys.stdout.write("teardown ran\\n")  # freed by an ordinary exit's teardown, never by a hard exit

    KEPT = Loud()
    atexit.register(lambda: sys.stdout.write("handler ran\\n"))
    sys.stdout.write("unflushed output")  # a pipe is block-buffered: still in the buffer here
    {body}
    sys.stdout.write("\\nreturned\\n")
    raise SystemExit(5)
"""


@pytest.mark.parametrize("code, status", [(0, 0), (1, 1), (2, 2), (3, 3), (None, 0)])
def test_it_leaves_with_the_status_after_the_handlers_and_the_output(tmp_path: Path, code: object,
                                                                    status: int) -> None:
    proc = _python(CASE.format(body=f"exit_without_teardown({code!r})"), tmp_path)
    assert proc.returncode == status
    assert proc.stdout == "unflushed outputhandler ran\n"  # handlers first, then the flush; no teardown


@pytest.mark.parametrize("body", [
    "exit_without_teardown('a message')",  # sys.exit(str) prints it and exits 1: left to the interpreter
    "exit_without_teardown(256)",
    "exit_without_teardown(True)",
    # a thread the interpreter would wait for
    "import threading, time; threading.Thread(target=time.sleep, args=(0.2,)).start(); exit_without_teardown(0)",
])
def test_it_returns_when_an_ordinary_exit_could_differ(tmp_path: Path, body: str) -> None:
    proc = _python(CASE.format(body=body), tmp_path)
    assert proc.returncode == 5
    assert proc.stdout.splitlines()[1:] == ["returned", "handler ran", "teardown ran"]


def test_output_that_cannot_be_flushed_is_left_to_the_interpreter(tmp_path: Path) -> None:
    # The interpreter reports a failed flush of standard output and exits 120: never the verdict's status.
    proc = _python("""
        import os, sys
        from aima_gate.__main__ import exit_without_teardown
        sys.stdout.write("lost")
        os.close(sys.stdout.fileno())
        exit_without_teardown(0)
        raise SystemExit(0)
    """, tmp_path)
    assert proc.returncode == 120
    assert "Exception ignored" in proc.stderr


def test_the_console_script_keeps_the_exit_code_contract_and_its_output() -> None:
    proc = run_cli("check", str(EXAMPLES / "credit-scoring"), "--today", TODAY.isoformat())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rstrip().splitlines()[-1].startswith("Verdict: PASS (exit 0)")
    proc = run_cli("check", str(EXAMPLES / "llm-assistant"), "--today", TODAY.isoformat(), "--format", "json")
    assert proc.returncode == 1
    assert proc.stdout.endswith("}\n") or proc.stdout.endswith("}")
    proc = run_cli("check", "no-such-folder")
    assert proc.returncode == 2
    assert "no-such-folder" in proc.stderr
