"""The policy language and its pure evaluator: parsing policies, operators, assertions and evaluation.
No I/O and no clock: artifacts, parameters and the evaluation date are passed in."""
