"""What to evaluate: the repository's .aima-gate.yml (validated, with line numbers) and the policy packs it
enables (built-in and the repository's own)."""
