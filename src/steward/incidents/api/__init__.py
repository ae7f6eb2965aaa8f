"""/api/v1/ resources of Incident Management (seed 003 ch. 8): incidents (with actions,
journal, attachments and one endpoint per transition), solutions, routing rules."""

from rest_framework.routers import DefaultRouter

from steward.incidents.api import incidents, requests, solutions


def register(router: DefaultRouter) -> None:
    """Add this package's viewsets to the /api/v1/ router."""
    for module in (incidents, solutions, requests):
        module.register(router)
