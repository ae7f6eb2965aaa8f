"""One filter set per model of Service Level Management, shared by pages, htmx partials and
the API; one module a topic (services, catalog, agreements, reviews), named like the
topic's queries, services, views and API modules. Choice filters offer only the records
the requesting person may see (``common``), so a filter never reveals a record's existence.
"""

from steward.service_level.filters.agreements import AgreementFilterSet, ServiceLevelTargetFilterSet
from steward.service_level.filters.catalog import CatalogItemFilterSet
from steward.service_level.filters.reviews import SlaReviewFilterSet
from steward.service_level.filters.services import OutageFilterSet, ServiceFilterSet

__all__ = [
    "AgreementFilterSet",
    "CatalogItemFilterSet",
    "OutageFilterSet",
    "ServiceFilterSet",
    "ServiceLevelTargetFilterSet",
    "SlaReviewFilterSet",
]
