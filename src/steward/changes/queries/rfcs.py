"""Reads of requests for change, restricted to the actor: staff with
``changes.change.view`` see all; customer-side people the ones they requested and, as
representatives, their organisations'."""

from typing import Any

from django.db.models import Q, QuerySet

from steward.changes.models import RequestForChange
from steward.changes.queries.changes import VIEW, _represents_any
from steward.core import permissions, queries
from steward.core.models import Person


def rfcs_for(actor: Person) -> QuerySet[RequestForChange]:
    qs = RequestForChange.objects.select_related("service", "requested_by", "change")
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
