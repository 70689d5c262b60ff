"""Adopting the gate on a repository: inspecting what exists and writing a starter configuration."""
