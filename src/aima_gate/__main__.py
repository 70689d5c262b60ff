"""Entry point. ``--version`` answers before click is imported, so probing the tool costs a bare start-up."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from aima_gate import __version__

        sys.stdout.write(f"aima-gate, version {__version__}\n")
        return
    from aima_gate.cli.main import main as cli_main

    cli_main(prog_name="aima-gate")


if __name__ == "__main__":
    main()
