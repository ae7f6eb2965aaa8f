"""Reads of the service catalog: items and their templates, restricted to what the actor may see."""

from typing import Any

from django.db.models import Q, QuerySet

from steward.core import permissions
from steward.core.models import Person
from steward.core.queries import one, permitted
from steward.service_level.choices import CatalogItemStatus, Visibility
from steward.service_level.models import CatalogItem, CatalogItemTemplate


def catalog_items_for(actor: Person) -> QuerySet[CatalogItem]:
    """Provider people see every item on record; customer people only what is published
    for them: public items and their own organisations' private (one-off) items."""

    def theirs(qs: QuerySet[CatalogItem]) -> QuerySet[CatalogItem]:
        orgs = permissions.customer_organisation_ids(actor)
        return qs.filter(status=CatalogItemStatus.PUBLISHED).filter(
            Q(visibility=Visibility.PUBLIC) | Q(visibility=Visibility.PRIVATE, customer_id__in=orgs)
        )

    qs = CatalogItem.objects.select_related("service", "customer", "template")
    return permitted(actor, "service_level.catalog.view", qs, theirs)


def catalog_item_for(actor: Person, pk: Any) -> CatalogItem:
    return one(catalog_items_for(actor), pk)


def published_catalog_for(actor: Person) -> QuerySet[CatalogItem]:
    """The web catalog: published items the actor may see (never drafts or discontinued)."""
    return catalog_items_for(actor).filter(status=CatalogItemStatus.PUBLISHED)


def catalog_item_templates_for(actor: Person) -> QuerySet[CatalogItemTemplate]:
    """Templates are the provider's working material: not for customer people."""
    if not permissions.has(actor, "service_level.catalog.view") or permissions.is_customer_side(
        actor
    ):
        return CatalogItemTemplate.objects.none()
    return CatalogItemTemplate.objects.all()


def catalog_item_template_for(actor: Person, pk: Any) -> CatalogItemTemplate:
    return one(catalog_item_templates_for(actor), pk)
