"""Incident Management (seed 003 ch. 8)."""
