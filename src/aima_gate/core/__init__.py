"""The shared data model at the bottom of the house: artifacts, findings and reports, errors, exit codes,
the one clock and the packaged data. Imports nothing else from aima_gate."""
