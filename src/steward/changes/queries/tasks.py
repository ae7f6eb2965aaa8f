"""Reads of change tasks, restricted to the actor (seed 003 ch. 3 proc. 4-6).

Tasks are the provider's own work: staff who may see changes see every task; customer-side
people see none (they read the change, not its internal work)."""

from typing import Any

from django.db.models import Q, QuerySet

from steward.changes.choices import ENDED_CHANGE_STATUSES, TaskStatus
from steward.changes.models import ChangeTask
from steward.changes.services.tasks import ROLE_OF_KIND
from steward.core import permissions, queries
from steward.core.models import Person, RoleAssignment

VIEW = "changes.change.view"


def tasks_for(actor: Person) -> QuerySet[ChangeTask]:
    qs = ChangeTask.objects.select_related("change", "change__service", "support_group", "assignee")
    if not permissions.has(actor, VIEW) or permissions.is_customer_side(actor):
        return qs.none()
    return qs


def task_for(actor: Person, pk: Any) -> ChangeTask:
    return queries.one(tasks_for(actor), pk, "change task")


def mine(actor: Person) -> Q:
    """The tasks for the actor: assigned to them, of their groups, or without a group and
    of a kind their role works (the release administrator's transfers...)."""
    held = set(
        RoleAssignment.objects.filter(
            person_id=actor.pk, role__in=set(ROLE_OF_KIND.values())
        ).values_list("role", flat=True)
    )
    kinds = [kind for kind, role in ROLE_OF_KIND.items() if role in held]
    return (
        Q(assignee_id=actor.pk)
        | Q(support_group_id__in=queries.my_group_ids(actor))
        | Q(support_group__isnull=True, kind__in=kinds)
    )


def queue_for(actor: Person) -> QuerySet[ChangeTask]:
    """The "Change tasks" queue: my groups' (and my) tasks still to be done, of changes
    still running."""
    if not getattr(actor, "is_authenticated", False):
        return ChangeTask.objects.none()
    return (
        tasks_for(actor)
        .filter(mine(actor), status__in=(TaskStatus.WAITING, TaskStatus.OPEN))
        .exclude(change__status__in=ENDED_CHANGE_STATUSES)
    )


def ready_for(actor: Person) -> QuerySet[ChangeTask]:
    """ "My work": the open tasks of my groups (and mine), oldest change first."""
    return queue_for(actor).filter(status=TaskStatus.OPEN).order_by("change__number", "position")
