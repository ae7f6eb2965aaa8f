"""Reads of incident requests, restricted to what the actor may see.

Requesters see their own requests; customer representatives also their organisation's
(the organisations their role is limited to); provider staff see every request.
``incident_for`` raises Http404 for requests that do not exist or the actor may not see.
"""

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from steward.core import permissions, roles
from steward.core.choices import Role
from steward.core.models import Person, SupportGroup
from steward.core.queries import one, permitted
from steward.incidents.choices import OPEN_STATUSES, Escalation
from steward.incidents.models import IncidentAction, IncidentRequest, RequestSubmission

VIEW = "incidents.incident.view"


def incidents_for(actor: Person) -> QuerySet[IncidentRequest]:
    def theirs(qs: QuerySet[IncidentRequest]) -> QuerySet[IncidentRequest]:
        represented = roles.represented_organisations(actor)
        return qs.filter(Q(requester_id=actor.pk) | Q(customer_id__in=represented))

    qs = IncidentRequest.objects.select_related(
        "requester", "customer", "service", "support_group", "assignee", "category"
    )
    return permitted(actor, VIEW, qs, theirs)


def incident_for(actor: Person, pk: Any) -> IncidentRequest:
    return one(incidents_for(actor), pk)


def my_group_ids(actor: Person) -> set[int]:
    """Groups the actor belongs to or coordinates."""
    ids = set(actor.group_memberships.values_list("group_id", flat=True))
    ct = ContentType.objects.get_for_model(SupportGroup)
    ids |= set(
        actor.role_assignments.filter(role=Role.GROUP_COORDINATOR, scope_type=ct).values_list(
            "scope_id", flat=True
        )
    )
    return ids


def queue_for(
    actor: Person,
    group: SupportGroup | int | None = None,
    status: str | Iterable[str] | None = None,
) -> QuerySet[IncidentRequest]:
    """A group's queue (or the queues of the actor's groups), most urgent and oldest first.

    ``status``: one status or several; open requests (new, assigned, in progress, pending)
    when not given.
    """
    qs = incidents_for(actor)
    if permissions.is_customer_side(actor):
        return qs.none()
    if group is not None:
        qs = qs.filter(support_group_id=getattr(group, "pk", group))
    else:
        qs = qs.filter(support_group_id__in=my_group_ids(actor))
    if status is None:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif isinstance(status, str):
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(status__in=list(status))
    return qs.order_by("priority", "created_at", "pk")


def assigned_to(actor: Person) -> QuerySet[IncidentRequest]:
    """Open requests assigned to the actor."""
    return (
        incidents_for(actor)
        .filter(assignee_id=actor.pk, status__in=OPEN_STATUSES)
        .order_by("priority", "created_at", "pk")
    )


def unassigned_in_groups(actor: Person) -> QuerySet[IncidentRequest]:
    """Open requests of the actor's groups that no person has yet."""
    return queue_for(actor).filter(assignee__isnull=True)


def escalated_to(actor: Person) -> QuerySet[IncidentRequest]:
    """Open requests escalated to the actor (proc. 5) and not yet decided."""
    return (
        incidents_for(actor)
        .filter(
            escalated_to_id=actor.pk,
            escalation__in=[Escalation.SERVICE_OWNER, Escalation.ON_DUTY_MANAGER],
            status__in=OPEN_STATUSES,
        )
        .order_by("priority", "escalated_at", "pk")
    )


def actions_for(actor: Person) -> QuerySet[IncidentAction]:
    """Actions of the requests the actor may see (customer people: none)."""
    if permissions.is_customer_side(actor):
        return IncidentAction.objects.none()
    return IncidentAction.objects.filter(incident__in=incidents_for(actor)).select_related(
        "incident", "support_group", "assignee"
    )


def submission_of(incident: IncidentRequest) -> RequestSubmission | None:
    """The catalog answers of a user service request (issue 13) already visible to the
    reader through the request; ``None`` for a request not asked from the catalog."""
    return RequestSubmission.objects.filter(incident_id=incident.pk).first()
