"""Reads of the catalog's request types (issue 13): what a person may ask for, and which
services their organisation already has."""

from typing import Any

from django.db.models import Prefetch, QuerySet

from steward.core import permissions
from steward.core.models import Person
from steward.core.queries import one
from steward.service_level.choices import AgreementKind, AgreementStatus
from steward.service_level.models import Agreement, RequestField, RequestType, Service
from steward.service_level.queries.catalog import published_catalog_for


def subscribed_service_ids(actor: Person) -> set[int] | None:
    """The services a customer-side person's organisations have (subscribed, or under an
    active SLA); ``None`` for provider people, who may request from any service."""
    if not permissions.is_customer_side(actor):
        return None
    orgs = permissions.customer_organisation_ids(actor)
    subscribed = Service.objects.filter(customers__in=orgs).values_list("pk", flat=True)
    covered = Agreement.objects.filter(
        kind=AgreementKind.SLA, status=AgreementStatus.ACTIVE, customer_id__in=orgs
    ).values_list("service_id", flat=True)
    return set(subscribed) | set(covered)


def request_types_for(actor: Person) -> QuerySet[RequestType]:
    """Active request types of the published catalog items the actor sees in the catalog
    (whether they may submit one also needs the service: ``may_request``)."""
    fields = Prefetch("fields", queryset=RequestField.objects.order_by("position", "pk"))
    return (
        RequestType.objects.filter(
            is_active=True, catalog_item__in=published_catalog_for(actor).values("pk")
        )
        .select_related("catalog_item__service")
        .prefetch_related(fields)
        .order_by("position", "name", "pk")
    )


def request_type_for(actor: Person, pk: Any) -> RequestType:
    return one(request_types_for(actor), pk, "request type")


def may_request(actor: Person, request_type: RequestType) -> bool:
    """Customer-side people request only from services their organisation has."""
    services = subscribed_service_ids(actor)
    return services is None or request_type.catalog_item.service_id in services


def request_types_to_maintain(actor: Person) -> QuerySet[RequestType]:
    """Every request type, inactive ones too, for the people who maintain them."""
    if not permissions.has(actor, "service_level.request_type.change"):
        return RequestType.objects.none()
    return RequestType.objects.select_related("catalog_item").prefetch_related("fields")


def all_request_types_of(actor: Person, item_id: int) -> QuerySet[RequestType]:
    """Every request type of a catalog item, inactive ones too: for its maintainers."""
    return request_types_to_maintain(actor).filter(catalog_item_id=item_id)
