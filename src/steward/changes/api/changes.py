"""Change Management: changes: registration, risk and impact analysis, planning (proc. 1, 2)."""

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
