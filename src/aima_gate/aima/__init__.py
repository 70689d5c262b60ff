"""The OWASP AI Maturity Assessment: the catalog as data, the maturity scorecard and its radar chart, the
cross-framework views and the controls listing."""
