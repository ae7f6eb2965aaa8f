"""Change Management: change templates, task templates and change policies (proc. 1)."""

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
