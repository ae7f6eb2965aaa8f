"""Reads of requests for change, restricted to the actor: staff with
``changes.change.view`` see all; customer-side people the ones they requested and, as
representatives, their organisations'."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from steward.changes.choices import RfcStatus
from steward.changes.models import RequestForChange
from steward.changes.queries.changes import VIEW, _represents_any
from steward.core import permissions, queries
from steward.core.models import Person
from steward.service_level.models import Service

REVIEW = "changes.rfc.review"


def rfcs_for(actor: Person) -> QuerySet[RequestForChange]:
    qs = RequestForChange.objects.select_related(
        "service", "requested_by", "change", "coordinator", "policy", "incident"
    )
    if not getattr(actor, "is_authenticated", False):
        return qs.none()
    if permissions.is_customer_side(actor):
        orgs = permissions.customer_organisation_ids(actor)
        represented = Q(customer__in=orgs) if _represents_any(actor) else Q(pk__in=[])
        return qs.filter(Q(requested_by=actor) | represented)
    if not permissions.has(actor, VIEW):
        return qs.none()
    return qs


def rfc_for(actor: Person, pk: Any) -> RequestForChange:
    return queries.one(rfcs_for(actor), pk, "request for change")


def rfcs_to_review(actor: Person) -> QuerySet[RequestForChange]:
    """The submitted requests for change of the services the actor reviews for (proc. 1):
    a change coordinator limited to services sees theirs, one everywhere sees all."""
    everywhere, scoped = permissions.scopes_for(actor, REVIEW)
    qs = rfcs_for(actor).filter(status=RfcStatus.SUBMITTED)
    if everywhere:
        return qs
    service_ids = scoped.get(ContentType.objects.get_for_model(Service).pk, set())
    return qs.filter(service_id__in=service_ids) if service_ids else qs.none()
