"""Demo data of Release Management: a CAB for Online Banking with a past meeting (votes,
minutes), the backlog release, a release in coordination and one closed with its review.
Everything goes through the services (each story at its own moment in the past); the
whole part is skipped when its releases exist already."""

from typing import Any


def load(context: dict[str, Any]) -> None:
    """Filled in once the procedures exist (issue 16)."""
    return None
