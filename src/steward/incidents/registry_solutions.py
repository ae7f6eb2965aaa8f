"""Incident Management in the shell (solutions): navigation, search and My work."""
