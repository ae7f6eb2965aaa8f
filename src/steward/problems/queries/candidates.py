"""Reads of problem candidates: the problem coordinators of the candidate's service see
them (one limited to services sees theirs); everyone else sees none."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from steward.core import permissions, queries
from steward.core.models import Person
from steward.problems.models import ProblemCandidate
from steward.service_level.models import Service

VIEW = "problems.candidate.view"
COORDINATE = "problems.problem.coordinate"


def candidates_for(actor: Person) -> QuerySet[ProblemCandidate]:
    qs = ProblemCandidate.objects.select_related("service", "category", "ci", "problem")
    if not getattr(actor, "is_authenticated", False) or permissions.is_customer_side(actor):
        return qs.none()
    if not permissions.has(actor, VIEW):
        return qs.none()
    everywhere, scoped = permissions.scopes_for(actor, COORDINATE)
    if everywhere:
        return qs
    service_ids = scoped.get(ContentType.objects.get_for_model(Service).pk, set())
    return qs.filter(service_id__in=service_ids) if service_ids else qs.none()


def candidate_for(actor: Person, pk: Any) -> ProblemCandidate:
    return queries.one(candidates_for(actor), pk, "problem candidate")
