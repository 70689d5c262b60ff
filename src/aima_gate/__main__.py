"""Entry point. ``--version`` answers before click is imported, so probing the tool costs a bare start-up."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from aima_gate import __version__

        sys.stdout.write(f"aima-gate, version {__version__}\n")
        return
    from aima_gate.cli.main import main as cli_main

    try:
        cli_main(prog_name="aima-gate")
    except SystemExit as done:
        exit_without_teardown(done.code)
        raise


def exit_without_teardown(code: object) -> None:
    """End the process as the interpreter would, without freeing its objects one by one.

    At its exit the interpreter waits for threads, runs the ``atexit`` handlers (a verifier's temporary GnuPG home
    is removed there), flushes standard output and error, and then frees every object the run still holds: at
    5,000 models about 45 ms of a full run (its findings and artifacts) and 5 ms of a hook run, for memory the
    operating system takes back at once anyway. This does the first three, in that order, then leaves with
    ``os._exit`` (as mypy does). The exit status is the one ``sys.exit(code)`` gives. Whenever that cannot be
    known to be the same (a code that is not a plain int, a thread still running, output that cannot be flushed:
    the interpreter reports that one and exits 120), it returns, and the caller exits the ordinary way.
    Only the console script calls this: a caller that invoked the command in its own process keeps running."""
    import atexit
    import os

    if code is None:
        code = 0
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)  # CPython's own, called by its exit
    if type(code) is not int or not 0 <= code <= 255 or run_exit_handlers is None:
        return
    threading = sys.modules.get("threading")
    if threading is not None and any(t is not threading.main_thread() and not t.daemon and t.is_alive()
                                     for t in threading.enumerate()):
        return
    run_exit_handlers()  # the handlers then are cleared: an ordinary exit after this does not run them twice
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return
    os._exit(code)


if __name__ == "__main__":
    main()
