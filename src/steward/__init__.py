"""Steward: open-source IT service management."""

__version__ = "0.1.0"
