"""Producing evidence a repository lacks, from data it already has (e.g. a fairness report computed with
fairlearn)."""
