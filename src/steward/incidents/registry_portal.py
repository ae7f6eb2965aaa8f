"""Incident Management in the shell (portal): navigation, search and My work."""
