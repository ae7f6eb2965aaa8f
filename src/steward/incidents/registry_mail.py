"""Incident Management in the shell (mail): navigation, search and My work."""
