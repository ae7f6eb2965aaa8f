"""Change Management: change tasks and implementation (proc. 4, 5)."""

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
