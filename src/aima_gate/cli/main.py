"""The ``aima-gate`` command group: every command, registered in one place."""

from __future__ import annotations

import click

from aima_gate import __version__
from aima_gate.cli.baseline import baseline
from aima_gate.cli.check import check
from aima_gate.cli.controls import controls
from aima_gate.cli.evidence import evidence
from aima_gate.cli.explain import explain
from aima_gate.cli.init import init
from aima_gate.cli.options import name_environment_variables
from aima_gate.cli.score import score
from aima_gate.cli.test import test
from aima_gate.cli.validate import validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="aima-gate")
def main() -> None:
    """aima-gate: policy-as-code gate for AI/ML repositories, mapped to OWASP AIMA.

    Exit codes: 0 pass, 1 policy failure, 2 cannot evaluate (bad input), 3 internal error.
    """


for command in (check, validate, controls, explain, init, evidence, score, test, baseline):
    name_environment_variables(command)
    main.add_command(command)
