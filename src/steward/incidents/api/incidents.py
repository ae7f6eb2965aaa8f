"""/api/v1/ resources: incidents."""

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
