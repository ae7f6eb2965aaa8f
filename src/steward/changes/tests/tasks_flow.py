"""Helpers of the tasks and closure tests: a change walked to implementation with
``core.transitions`` (the approval topic's own steps are not needed here), its tasks by
kind, and a whole implementation worked through."""

from django.db import transaction

from steward.changes import workflows
from steward.changes.choices import ChangeStatus, TaskStatus
from steward.changes.models import Change, ChangeTask
from steward.changes.services import tasks as svc
from steward.core import transitions
from steward.core.models import Notification, Person

C = ChangeStatus
WALK = (C.RISK_ANALYSIS, C.PLANNING, C.APPROVAL, C.IMPLEMENTATION)


def to_implementation(change: Change, actor: Person) -> Change:
    """Move ``change`` to implementation as approval would, then start it."""
    with transaction.atomic():
        locked = transitions.lock(Change, change.pk)
        path = WALK if locked.change_type != "standard" else (*WALK[:2], C.IMPLEMENTATION)
        for status in path:
            transitions.transition(locked, status, actor=actor, workflow=workflows.CHANGE)
        svc.change_start_implementation(locked, actor=actor)
    change.refresh_from_db()
    return change


def task(change: Change, kind: str, *, latest: bool = False) -> ChangeTask:
    """The change's task of ``kind`` (the last one added when ``latest``)."""
    tasks = change.tasks.filter(kind=kind).order_by("-pk" if latest else "pk")
    return tasks.first()


def kinds(change: Change) -> list[str]:
    return list(change.tasks.order_by("position").values_list("kind", flat=True))


def statuses(change: Change) -> dict[str, str]:
    return dict(change.tasks.values_list("kind", "status"))


def complete_open(change: Change, actor: Person, *, until: str | None = None) -> None:
    """Complete the open implementation tasks one by one (stopping before ``until``)."""
    while True:
        found = (
            change.tasks.filter(status=TaskStatus.OPEN)
            .exclude(kind__in=svc.AFTER_IMPLEMENTATION)
            .order_by("position")
            .first()
        )
        if found is None or found.kind == until:
            return
        svc.task_complete(actor=actor, task_id=found.pk, result="Done.")


def told(person: Person, event: str) -> bool:
    return Notification.objects.filter(recipient=person, event=event).exists()
