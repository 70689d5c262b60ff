"""Orchestration, the I/O shell around the pure engine: config -> policies -> collection -> evaluation ->
report, and the narrowing of a run to changed files."""
