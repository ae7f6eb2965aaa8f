"""/api/v1/ resources of Configuration Management (seed 003 ch. 4): CI classes and their
attributes, CIs (with impact, as-of and history), relationships and relationship types.

Reads go through ``steward.configuration.queries.cis`` (404 for what the caller may not see);
writes call ``steward.configuration.services`` (403, 400 with field messages).
"""

from rest_framework.routers import DefaultRouter

from steward.configuration.api import baselines, contracts, integrity, requisitions, suppliers
from steward.configuration.api.cis import (
    CIClassViewSet,
    CIRelationshipTypeViewSet,
    CIRelationshipViewSet,
    CIViewSet,
)


def register(router: DefaultRouter) -> None:
    """Add this package's viewsets to the /api/v1/ router."""
    router.register("ci-classes", CIClassViewSet, basename="ciclass")
    router.register("cis", CIViewSet, basename="ci")
    router.register("relationships", CIRelationshipViewSet, basename="cirelationship")
    router.register("relationship-types", CIRelationshipTypeViewSet, basename="cirelationshiptype")
    for module in (suppliers, contracts, requisitions, baselines, integrity):
        module.register(router)
