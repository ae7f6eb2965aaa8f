"""Reads of problem investigations, restricted to the actor (docs/ARCHITECTURE.md, "How a
request flows"). Problem Management is the provider's own work: staff with
``problems.problem.view`` see every problem; customer-side people see none."""

from typing import Any

from django.db.models import Count, QuerySet

from steward.core import permissions, queries
from steward.core.models import Person
from steward.problems.models import ProblemInvestigation

VIEW = "problems.problem.view"


def problems_for(actor: Person) -> QuerySet[ProblemInvestigation]:
    qs = ProblemInvestigation.objects.select_related("service", "specialist", "coordinator")
    if not getattr(actor, "is_authenticated", False) or permissions.is_customer_side(actor):
        return qs.none()
    if not permissions.has(actor, VIEW):
        return qs.none()
    return qs


def problem_for(actor: Person, pk: Any) -> ProblemInvestigation:
    return queries.one(problems_for(actor), pk, "problem investigation")


def with_incident_counts(qs: QuerySet[ProblemInvestigation]) -> QuerySet[ProblemInvestigation]:
    return qs.annotate(incident_count=Count("incident_links", distinct=True))
