"""Reads of Business Justification (seed 003 ch. 10 proc. 3): business cases, restricted
to the actor (staff with ``releases.release.view``), and those waiting for an approver."""

from typing import Any

from django.db.models import QuerySet

from steward.core import permissions
from steward.core.models import Person
from steward.releases.choices import BusinessCaseStatus
from steward.releases.models import BusinessCase
from steward.releases.queries.releases import business_case_for, business_cases_for

__all__ = ["business_case_for", "business_cases_for", "to_approve", "to_approve_filter"]

APPROVE = "releases.business_case.approve"


def to_approve_filter(actor: Person, qs: QuerySet[BusinessCase]) -> QuerySet[BusinessCase]:
    """The submitted business cases ``actor`` may decide: of the services where they hold
    an approving role (everywhere for an IT director or a financial manager), not of a
    release they coordinate."""
    everywhere, scoped = permissions.scopes_for(actor, APPROVE)
    qs = qs.filter(status=BusinessCaseStatus.SUBMITTED).exclude(release__coordinator_id=actor.pk)
    if everywhere:
        return qs
    service_ids = {sid for ids in scoped.values() for sid in ids}
    return qs.filter(release__service_id__in=service_ids) if service_ids else qs.none()


def to_approve(actor: Person) -> QuerySet[BusinessCase]:
    return to_approve_filter(actor, business_cases_for(actor))


def rounds(release: Any) -> list[BusinessCase]:
    """The release's business cases, one per round, first round first."""
    return list(release.business_cases.select_related("decided_by").order_by("round", "pk"))
