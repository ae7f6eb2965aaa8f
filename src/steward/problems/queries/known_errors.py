"""Reads of known errors (seed 003 ch. 9 proc. 3), restricted to the actor: staff with
``problems.problem.view`` see every known error; customer-side people see none."""

from typing import Any

from django.db.models import QuerySet

from steward.core import permissions, queries
from steward.core.models import Person
from steward.problems.choices import OPEN_KNOWN_ERROR_STATUSES
from steward.problems.models import KnownError

VIEW = "problems.problem.view"


def known_errors_for(actor: Person) -> QuerySet[KnownError]:
    qs = KnownError.objects.select_related(
        "service", "problem", "rfc", "rfc__change", "workaround_solution", "category"
    )
    if not getattr(actor, "is_authenticated", False) or permissions.is_customer_side(actor):
        return qs.none()
    if not permissions.has(actor, VIEW):
        return qs.none()
    return qs


def known_error_for(actor: Person, pk: Any) -> KnownError:
    return queries.one(known_errors_for(actor), pk, "known error")


def known_errors_without_change(qs: QuerySet[KnownError]) -> QuerySet[KnownError]:
    """Open known errors whose request for change has not (yet) become or joined a change."""
    return qs.filter(status__in=OPEN_KNOWN_ERROR_STATUSES).exclude(rfc__change__isnull=False)
