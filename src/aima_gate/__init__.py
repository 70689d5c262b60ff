"""aima-gate: a policy-as-code gate for AI/ML repositories, mapped to OWASP AIMA."""

__version__ = "0.1.0"
