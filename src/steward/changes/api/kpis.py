"""Change Management: the Change Management KPIs."""

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
