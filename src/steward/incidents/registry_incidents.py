"""Incident Management in the shell (incidents): navigation, search and My work."""
