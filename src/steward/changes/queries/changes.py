"""Reads of changes, restricted to the actor (docs/ARCHITECTURE.md, "How a request flows").

Staff with ``changes.change.view`` see every change; customer-side people see the changes
they requested, those they are asked to approve and, as representatives, those affecting
their organisations."""

from typing import Any

from django.db.models import Q, QuerySet

from steward.changes.models import Change
from steward.core import permissions, queries, roles
from steward.core.models import Person

VIEW = "changes.change.view"


def changes_for(actor: Person) -> QuerySet[Change]:
    qs = Change.objects.select_related("service", "coordinator")
    if not getattr(actor, "is_authenticated", False):
        return qs.none()
    if permissions.is_customer_side(actor):
        orgs = permissions.customer_organisation_ids(actor)
        represented = Q(customers__in=orgs) if _represents_any(actor) else Q(pk__in=[])
        return qs.filter(
            Q(requested_by=actor) | Q(approvals__approver=actor) | represented
        ).distinct()
    if not permissions.has(actor, VIEW):
        return qs.none()
    return qs


def _represents_any(actor: Person) -> bool:
    return bool(roles.represented_organisations(actor))


def change_for(actor: Person, pk: Any) -> Change:
    return queries.one(changes_for(actor), pk, "change")
