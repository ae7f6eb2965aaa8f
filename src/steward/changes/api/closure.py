"""Change Management: production test, back-out and closure (proc. 6)."""

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
