"""core/aside.py: output made by a forked child is the bytes the same code makes here, or, whenever the child did
not finish (it raised, was killed, exited early, could not be forked), those bytes made here instead."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aima_gate.core import aside as aside_module
from aima_gate.core.aside import aside, aside_all
from aima_gate.core.parallel import can_fork

pytestmark = pytest.mark.skipif(not can_fork(), reason="needs fork (Linux)")

PARENT = os.getpid()


@pytest.fixture(autouse=True)
def _two_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMA_GATE_JOBS", "2")


def _made_by(pieces: list[bytes]) -> Iterator[bytes]:
    """The pieces, preceded by a line naming the process that made them."""
    yield b"pid %d\n" % os.getpid()
    yield from pieces


@settings(max_examples=20, deadline=None)
@given(st.lists(st.binary(max_size=3000), max_size=30))
def test_the_childs_bytes_are_the_pieces(pieces: list[bytes]) -> None:
    out = b"".join(aside(lambda: _made_by(pieces)).pieces())
    head, _, body = out.partition(b"\n")
    assert head != b"pid %d" % PARENT  # a child made them
    assert body == b"".join(pieces)


def test_large_output_is_read_back_in_order() -> None:
    pieces = [bytes([n % 251]) * 100_003 for n in range(40)]  # 4 MB: several read chunks, none aligned
    out = b"".join(aside(lambda: iter(pieces)).pieces())
    assert out == b"".join(pieces)


def _failing_in_child(how: str) -> Iterator[bytes]:
    yield b"first "
    if os.getpid() != PARENT:
        if how == "raise":
            raise RuntimeError("boom")
        if how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if how == "exit0":
            os._exit(0)  # not the finished status: the output is not known to be whole
        if how == "exit-finished-early":
            raise SystemExit(0)
    yield b"second"


@pytest.mark.parametrize("how", ["raise", "kill", "exit0", "exit-finished-early"])
def test_a_child_that_did_not_finish_leaves_the_output_to_this_process(how: str) -> None:
    assert b"".join(aside(lambda: _failing_in_child(how)).pieces()) == b"first second"


def test_a_failure_here_is_raised_here() -> None:
    def broken() -> Iterator[bytes]:
        yield b"x"
        raise ValueError("a bug in a reporter")

    with pytest.raises(ValueError, match="a bug in a reporter"):
        b"".join(aside(broken).pieces())


def test_one_job_or_not_worth_it_makes_no_child(monkeypatch: pytest.MonkeyPatch) -> None:
    assert b"".join(aside(lambda: _made_by([b"a"]), worth=False).pieces()) == b"pid %d\na" % PARENT
    monkeypatch.setenv("AIMA_GATE_JOBS", "1")
    assert b"".join(aside(lambda: _made_by([b"a"])).pieces()) == b"pid %d\na" % PARENT


def _inner_pid_line() -> Iterator[bytes]:
    """In a child: the pid line of an aside made there, and this process's pid (the same when it forked no more)."""
    inner = b"".join(aside(lambda: _made_by([b""])).pieces())
    yield inner + b"|pid %d\n" % os.getpid()


def test_one_child_per_spare_core_and_none_in_a_child() -> None:
    first = aside(lambda: _made_by([b"1"]))
    second = aside(lambda: _made_by([b"2"]))  # the one spare core is taken: made here
    assert b"".join(second.pieces()) == b"pid %d\n2" % PARENT
    assert b"".join(first.pieces()).split(b"\n")[0] != b"pid %d" % PARENT
    nested = b"".join(aside(_inner_pid_line).pieces())
    inner, _, outer = nested.rstrip(b"\n").partition(b"|")
    assert outer != b"pid %d" % PARENT  # made in a child...
    assert inner.rstrip(b"\n") == outer  # ...which made its own aside itself


def test_cancel_stops_the_child_and_leaves_no_process() -> None:
    def slow() -> Iterator[bytes]:
        import time

        time.sleep(60)
        yield b"never"

    made = aside(slow)
    assert made._child is not None
    pid = made._child.pid
    assert pid is not None
    made.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)  # reaped
    assert not aside_module._LIVE


def test_one_child_makes_several_outputs_in_order_and_a_cancelled_one_falls_back() -> None:
    outs = aside_all([lambda: _made_by([b"a"]), lambda: _made_by([b"b", b"c"]), lambda: iter([b"d"])])
    first = b"".join(outs[0].pieces())
    assert first.split(b"\n")[0] != b"pid %d" % PARENT
    assert first.endswith(b"\na")
    assert b"".join(outs[1].pieces()) == first.split(b"\n")[0] + b"\nbc"  # the same child made it
    assert b"".join(outs[2].pieces()) == b"d"
    more = aside_all([lambda: _made_by([b"x"]), lambda: _made_by([b"y"])])
    more[0].cancel()  # the run stopped: the child goes, and what it was to make is made here if still read
    assert b"".join(more[1].pieces()) == b"pid %d\ny" % PARENT
    assert not aside_module._LIVE


def test_whole_says_whether_the_childs_bytes_are_there() -> None:
    made = aside(lambda: _made_by([b"x"]))
    assert made.whole() and made.whole()  # waited for once
    out = b"".join(made.pieces())
    assert out.endswith(b"\nx") and not out.startswith(b"pid %d" % PARENT)  # the child's
    failed = aside(lambda: _failing_in_child("raise"))
    assert not failed.whole()
    assert b"".join(failed.pieces()) == b"first second"  # made here
    assert not aside(lambda: iter([b"y"]), worth=False).whole()  # no child at all
