"""/api/v1/ resources of Service Level Management: services, catalog items (and their
templates), customers, agreements, service level targets and outages.

Reads go through ``steward.service_level.queries`` (404 for what the caller may not see);
writes and transitions (``POST .../{id}/<verb>/``) call the services, which check the right
against the record (403), the transition table (409) and the input (400). Creating and
changing first check the right, then validate the payload, so a refused caller learns
nothing from validation messages.

One module a resource group; ``base`` holds what they share.
"""

from rest_framework.routers import DefaultRouter

from steward.service_level.api.agreements import AgreementViewSet, ServiceLevelTargetViewSet
from steward.service_level.api.catalog import CatalogItemTemplateViewSet, CatalogItemViewSet
from steward.service_level.api.customers import CustomerViewSet
from steward.service_level.api.services import BusinessServiceViewSet, OutageViewSet


def register(router: DefaultRouter) -> None:
    """Add this package's viewsets to the /api/v1/ router."""
    router.register("services", BusinessServiceViewSet, basename="service")
    router.register("catalog-items", CatalogItemViewSet, basename="catalogitem")
    router.register(
        "catalog-item-templates", CatalogItemTemplateViewSet, basename="catalogitemtemplate"
    )
    router.register("customers", CustomerViewSet, basename="customer")
    router.register("agreements", AgreementViewSet, basename="agreement")
    router.register(
        "service-level-targets", ServiceLevelTargetViewSet, basename="serviceleveltarget"
    )
    router.register("outages", OutageViewSet, basename="outage")
