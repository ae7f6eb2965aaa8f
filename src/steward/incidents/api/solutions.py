"""/api/v1/ resources: solutions."""

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
