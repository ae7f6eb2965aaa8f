"""Reads of Service Level Management, restricted to what the actor may see; one module a
topic, named like the topic's services, views and API modules (services, catalog,
agreements, customers, reviews).

``<thing>s_for(actor)`` returns a queryset; ``<thing>_for(actor, pk)`` fetches one and
raises Http404 when it does not exist *or* the actor may not see it.

Customer people (requesters, customer representatives) see: the services their
organisations subscribe to, published public catalog items and their own organisations'
published private items, and (representatives only) their organisations' SLAs and reviews.

The ``*_for`` functions are importable from here too (``queries.services_for``), as the
other areas and this area's pages use them.
"""

from steward.service_level.queries.agreements import (
    agreement_for,
    agreements_for,
    target_for,
    targets_for,
)
from steward.service_level.queries.catalog import (
    catalog_item_for,
    catalog_item_template_for,
    catalog_item_templates_for,
    catalog_items_for,
    published_catalog_for,
)
from steward.service_level.queries.customers import customer_for, customers_for
from steward.service_level.queries.reviews import review_for, reviews_for
from steward.service_level.queries.services import (
    outage_for,
    outages_for,
    service_for,
    services_for,
)

__all__ = [
    "agreement_for",
    "agreements_for",
    "catalog_item_for",
    "catalog_item_template_for",
    "catalog_item_templates_for",
    "catalog_items_for",
    "customer_for",
    "customers_for",
    "outage_for",
    "outages_for",
    "published_catalog_for",
    "review_for",
    "reviews_for",
    "service_for",
    "services_for",
    "target_for",
    "targets_for",
]
