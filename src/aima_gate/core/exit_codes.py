"""The exit-code contract. Documented in the README; tested in tests/test_cli_exit_codes.py.

Precedence when several apply: INTERNAL_ERROR > CANNOT_EVALUATE > POLICY_FAILURE > PASS. An evaluation
that could not read every artifact is incomplete, so it never reports a plain pass or a plain failure.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    PASS = 0
    """Every blocking policy passed."""
    POLICY_FAILURE = 1
    """At least one policy at or above ``fail_on`` failed (including an expired waiver)."""
    CANNOT_EVALUATE = 2
    """The input is wrong: bad config, invalid policy, unreadable or missing artifact, a required policy that
    selected nothing, an empty policy set or an empty repository. Also click's usage errors."""
    INTERNAL_ERROR = 3
    """A bug in aima-gate. The message asks for a bug report; ``--debug`` shows the traceback."""
