"""Reads of Service Level Management, restricted to what the actor may see.

``<thing>s_for(actor)`` returns a queryset; ``<thing>_for(actor, pk)`` fetches one and
raises Http404 when it does not exist *or* the actor may not see it.

Customer people (requesters, customer representatives) see: the services their
organisations subscribe to, published public catalog items and their own organisations'
published private items, and (representatives only) their organisations' SLAs and reviews.
"""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from steward.core import permissions
from steward.core.choices import OrganisationKind
from steward.core.models import Organisation, Person
from steward.core.queries import _one, organisations_for
from steward.service_level.choices import AgreementKind, CatalogItemStatus, Visibility
from steward.service_level.models import (
    Agreement,
    CatalogItem,
    CatalogItemTemplate,
    Outage,
    Service,
    ServiceLevelTarget,
    SlaReview,
)


def _scoped_ids(actor: Person, permission: str, model: type) -> tuple[bool, set[int]]:
    """(granted everywhere?, ids of ``model`` the actor's scoped roles cover)."""
    everywhere, scoped = permissions.scopes_for(actor, permission)
    ct = ContentType.objects.get_for_model(model, for_concrete_model=True)
    return everywhere, set(scoped.get(ct.id, set()))


# --- Services ----------------------------------------------------------------------------


def services_for(actor: Person) -> QuerySet[Service]:
    if not permissions.has(actor, "service_level.service.view"):
        return Service.objects.none()
    qs = Service.objects.select_related("owner", "service_hours", "provider")
    if permissions.is_customer_side(actor):
        orgs = permissions.customer_organisation_ids(actor)
        subscribed = Service.customers.through.objects.filter(organisation_id__in=orgs)
        qs = qs.filter(pk__in=subscribed.values("service_id"))
    return qs


def service_for(actor: Person, pk: Any) -> Service:
    return _one(services_for(actor), pk)


# --- Catalog -----------------------------------------------------------------------------


def catalog_items_for(actor: Person) -> QuerySet[CatalogItem]:
    """Provider people see every item on record; customer people only what is published
    for them: public items and their own organisations' private (one-off) items."""
    if not permissions.has(actor, "service_level.catalog.view"):
        return CatalogItem.objects.none()
    qs = CatalogItem.objects.select_related("service", "customer", "template")
    if permissions.is_customer_side(actor):
        orgs = permissions.customer_organisation_ids(actor)
        qs = qs.filter(status=CatalogItemStatus.PUBLISHED).filter(
            Q(visibility=Visibility.PUBLIC) | Q(visibility=Visibility.PRIVATE, customer_id__in=orgs)
        )
    return qs


def catalog_item_for(actor: Person, pk: Any) -> CatalogItem:
    return _one(catalog_items_for(actor), pk)


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
    return _one(catalog_item_templates_for(actor), pk)


# --- Agreements and targets ----------------------------------------------------------------


def agreements_for(actor: Person) -> QuerySet[Agreement]:
    """Provider people see all agreements; customer representatives the SLAs of the
    organisations they represent; requesters none."""
    if not permissions.has(actor, "service_level.agreement.view"):
        return Agreement.objects.none()
    qs = Agreement.objects.select_related(
        "service", "catalog_item", "customer", "support_group", "supplier"
    )
    if permissions.is_customer_side(actor):
        everywhere, org_ids = _scoped_ids(actor, "service_level.agreement.view", Organisation)
        if everywhere:
            org_ids = permissions.customer_organisation_ids(actor)
        qs = qs.filter(kind=AgreementKind.SLA, customer_id__in=org_ids)
    return qs


def agreement_for(actor: Person, pk: Any) -> Agreement:
    return _one(agreements_for(actor), pk)


def targets_for(actor: Person) -> QuerySet[ServiceLevelTarget]:
    """Targets of the agreements and catalog items the actor may see."""
    agreements = agreements_for(actor).values("pk")
    items = catalog_items_for(actor).values("pk")
    return ServiceLevelTarget.objects.filter(
        Q(agreement_id__in=agreements) | Q(catalog_item_id__in=items)
    ).select_related("agreement", "catalog_item")


def target_for(actor: Person, pk: Any) -> ServiceLevelTarget:
    return _one(targets_for(actor), pk)


# --- Customers -------------------------------------------------------------------------------


def customers_for(actor: Person) -> QuerySet[Organisation]:
    """Customer organisations the actor may see (customer people: their own)."""
    return organisations_for(actor).filter(kind=OrganisationKind.CUSTOMER)


def customer_for(actor: Person, pk: Any) -> Organisation:
    return _one(customers_for(actor), pk)


# --- Reviews ----------------------------------------------------------------------------------


def reviews_for(actor: Person) -> QuerySet[SlaReview]:
    """Service level managers and administrators, IT directors: all reviews (a manager
    limited to some customers: theirs); a service owner: reviews covering their services;
    a customer representative: their organisation's."""
    permission = "service_level.review.view"
    if not permissions.has(actor, permission):
        return SlaReview.objects.none()
    qs = SlaReview.objects.select_related("customer", "service_level_manager")
    everywhere, scoped = permissions.scopes_for(actor, permission)
    if everywhere:
        return qs
    org_ct = ContentType.objects.get_for_model(Organisation, for_concrete_model=True)
    service_ct = ContentType.objects.get_for_model(Service, for_concrete_model=True)
    org_ids = scoped.get(org_ct.id, set())
    service_ids = scoped.get(service_ct.id, set())
    covering = Agreement.objects.filter(service_id__in=service_ids).values("pk")
    reviewed = SlaReview.agreements.through.objects.filter(agreement_id__in=covering)
    return qs.filter(Q(customer_id__in=org_ids) | Q(pk__in=reviewed.values("slareview_id")))


def review_for(actor: Person, pk: Any) -> SlaReview:
    return _one(reviews_for(actor), pk)


# --- Outages ----------------------------------------------------------------------------------


def outages_for(actor: Person) -> QuerySet[Outage]:
    """Outages of the services the actor may see."""
    return Outage.objects.filter(service_id__in=services_for(actor).values("pk")).select_related(
        "service"
    )


def outage_for(actor: Person, pk: Any) -> Outage:
    return _one(outages_for(actor), pk)
