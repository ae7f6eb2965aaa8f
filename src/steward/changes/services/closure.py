"""Seed 003 ch. 3 proc. 6, Planned Change Closure: after the change has been put into
production a specialist performs the production test (``change_production_test``); when
all requirements are met the CMDB, capacity and continuity information is updated (a task
each), otherwise the change is backed out or gets additional tasks
(``rules.production_test_result``). Before closing (``change_close``) the change
coordinator makes sure its requesters and approvers are informed."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from steward.changes import inputs, rules, workflows
from steward.changes.choices import (
    CLOSURE_TASKS,
    OPEN_TASK_STATUSES,
    ChangeOutcome,
    ChangeStatus,
    ChangeType,
    ProductionTestResult,
    TaskKind,
    TaskStatus,
)
from steward.changes.models import Change, ChangeApproval, ChangeTask, RequestForChange
from steward.changes.services import tasks as task_svc
from steward.core import notify, permissions, registry, transitions
from steward.core.errors import DomainError
from steward.core.fields import given
from steward.core.models import Person, SupportGroupMembership

C, K, T = ChangeStatus, TaskKind, TaskStatus
# Who updates what after a successful production test (proc. 6).
UPDATES = (
    (K.CMDB_UPDATE, "Update the CMDB", "Record the changed CIs and relationships."),
    (K.CAPACITY_UPDATE, "Update the capacity information", "Record what the change adds."),
    (K.CONTINUITY_UPDATE, "Update the continuity information", "Mirror it at the continuity site."),
)


def may_test(actor: Any, change: Change) -> bool:
    """Proc. 6: the specialist who performs the production test: a member of a group with
    tasks in the change (or the assignee of one), or the change coordinator."""
    if not permissions.has(actor, task_svc.WORK) or not getattr(actor, "pk", None):
        return False
    if task_svc.may_coordinate(actor, change):
        return True
    groups = change.tasks.exclude(support_group=None).values("support_group_id")
    return (
        change.tasks.filter(assignee_id=actor.pk).exists()
        or SupportGroupMembership.objects.filter(person_id=actor.pk, group_id__in=groups).exists()
    )


def requesters_and_approvers(change: Change) -> list[Person]:
    """The people told before a change closes or is backed out (proc. 6): who requested
    it (the change, its requests for change) and who approved it."""
    ids = {change.requested_by_id}
    ids |= set(
        RequestForChange.objects.filter(change=change).values_list("requested_by_id", flat=True)
    )
    ids |= set(ChangeApproval.objects.filter(change=change).values_list("approver_id", flat=True))
    ids.discard(None)
    return list(Person.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def _planned(change: Change) -> None:
    if change.change_type == ChangeType.EMERGENCY:
        raise DomainError("An emergency change is tested and closed as proc. 7 and 8 say.")


def _pending_test(change: Change) -> ChangeTask | None:
    return change.tasks.filter(kind=K.PRODUCTION_TEST, status__in=OPEN_TASK_STATUSES).first()


def change_production_test(
    *,
    actor: Person,
    change_id: int,
    requirements_met: bool,
    improvement_over_before: bool = False,
    security_or_data_risk: bool = False,
    note: str = "",
) -> Change:
    """Proc. 6: the specialist records the production test. All requirements met: the
    CMDB, capacity and continuity update tasks open. Not met: the change is backed out
    when it is no improvement over before or risks security or data integrity (its
    requesters and approvers told); otherwise it goes back to implementation with an
    additional task."""
    with transaction.atomic():
        change = transitions.lock(Change, change_id, related=["service", "coordinator"])
        inputs.PRODUCTION_TEST.check(actor, given(note=note), change)
        if not may_test(actor, change):
            raise PermissionDenied("Only a specialist of the change or its coordinator tests it.")
        _planned(change)
        if change.status != C.PRODUCTION_TEST:
            raise DomainError(f"Change {change.number} is not in its production test.")
        result = rules.production_test_result(
            requirements_met=bool(requirements_met),
            improvement_over_before=bool(improvement_over_before),
            security_or_data_risk=bool(security_or_data_risk),
        )
        test = _pending_test(change) or task_svc.open_production_test(change, actor)
        _record_test(test, actor, result, note)
        if result == ProductionTestResult.MET:
            _open_updates(change, actor)
        elif result == ProductionTestResult.BACK_OUT:
            _back_out(change, actor, note)
        else:
            _more_work(change, test, actor, note)
    return change


def _record_test(test: ChangeTask, actor: Person, result: str, note: str) -> None:
    test.result = f"{ProductionTestResult(result).label}. {note}".strip()
    test.completed_at, test.completed_by = timezone.now(), actor
    met = result == ProductionTestResult.MET
    transitions.transition(
        test,
        T.DONE if met else T.FAILED,
        actor=actor,
        workflow=workflows.TASK,
        event="changes.change_task.done" if met else "changes.change_task.failed",
        also=["result", "completed_at", "completed_by"],
    )


def _open_updates(change: Change, actor: Person) -> None:
    """All requirements met: a task each for the configuration administrators, the
    capacity managers and the continuity planners, opened and told."""
    present = set(change.tasks.exclude(status=T.CANCELLED).values_list("kind", flat=True))
    made = []
    for kind, title, description in UPDATES:
        if kind in present:
            continue
        made.append(
            task_svc.new_task(change, kind, actor=actor, title=title, description=description)
        )
    for task in made:
        transitions.transition(
            task, T.OPEN, actor=actor, workflow=workflows.TASK, event="changes.change_task.open"
        )
    task_svc.renumber(change)
    task_svc.tell_opened(change, made)


def _cancel_open_tasks(change: Change, actor: Person, reason: str) -> None:
    for task in change.tasks.filter(status__in=OPEN_TASK_STATUSES):
        transitions.transition(
            task,
            T.CANCELLED,
            actor=actor,
            workflow=workflows.TASK,
            reason=reason,
            event="changes.change_task.cancelled",
        )


def _back_out(change: Change, actor: Person, note: str) -> None:
    """Proc. 6: backed out; its requesters and approvers are told."""
    _cancel_open_tasks(change, actor, "The change is backed out.")
    change.outcome = ChangeOutcome.BACKED_OUT
    change.closed_at = timezone.now()
    transitions.transition(
        change,
        C.BACKED_OUT,
        actor=actor,
        workflow=workflows.for_change(change.change_type),
        reason=note,
        also=["outcome", "closed_at"],
        event="changes.change.backed_out",
    )
    _tell_release_management(change)
    notify.send(
        recipients=[*requesters_and_approvers(change), change.coordinator],
        event="change.backed_out",
        title=f"Change {change.number} was backed out",
        body=f"{change.title}: the production test found it should be undone; the previous "
        "situation is restored.",
        record=change,
    )


def _more_work(change: Change, test: ChangeTask, actor: Person, note: str) -> None:
    """Proc. 6: not met, but it can still be made a success: back to implementation with
    an additional task after the failed test (the coordinator adds and assigns more)."""
    transitions.transition(
        change,
        C.IMPLEMENTATION,
        actor=actor,
        workflow=workflows.for_change(change.change_type),
        reason=note,
        event="changes.change.implementation",
    )
    extra = task_svc.new_task(
        change,
        K.ADDITIONAL,
        actor=actor,
        title="Make the change a success",
        description=note,
        support_group=test.support_group or task_svc.default_group(change),
    )
    extra.depends_on.add(test)
    task_svc.renumber(change)
    notify.send(
        recipients=[change.coordinator],
        event="change.more_work",
        title=f"Change {change.number} needs additional tasks",
        body="The production test did not find every requirement met; the change can still "
        "succeed. Add and assign the tasks it needs.",
        record=change,
        url=change.get_absolute_url() + "#tasks",
    )
    task_svc.change_start_implementation(change, actor=actor)


def closing_refusal(change: Change) -> str:
    """Why the change cannot be closed yet ("" when it can)."""
    if change.status != C.PRODUCTION_TEST:
        return f"Change {change.number} is {change.get_status_display().lower()}."
    last = change.tasks.filter(kind=K.PRODUCTION_TEST).order_by("-pk").first()
    if last is None or last.status != T.DONE:
        return "The production test has not found all requirements met yet."
    waiting = change.tasks.filter(kind__in=CLOSURE_TASKS, status__in=OPEN_TASK_STATUSES)
    if waiting:
        names = ", ".join(t.title for t in waiting)
        return f"Finish (or cancel) the update tasks first: {names}."
    return ""


def change_close(*, actor: Person, change_id: int, note: str = "") -> Change:
    """Proc. 6's end: the change coordinator closes a change whose production test found
    all requirements met, once the CMDB, capacity and continuity updates are done; its
    requesters and approvers are informed first (by email)."""
    with transaction.atomic():
        change = transitions.lock(Change, change_id, related=["service", "coordinator"])
        inputs.CHANGE_CLOSE.check(actor, given(note=note), change)
        if not task_svc.may_coordinate(actor, change):
            raise PermissionDenied("Only the change coordinator closes the change.")
        _planned(change)
        refusal = closing_refusal(change)
        if refusal:
            raise DomainError(refusal)
        notify.send(
            recipients=requesters_and_approvers(change),
            event="change.closed",
            title=f"Change {change.number} is implemented",
            body=f"{change.title}: implemented and tested in production; all its "
            "requirements were met.",
            record=change,
            email=True,
        )
        change.outcome = ChangeOutcome.SUCCESSFUL
        change.closed_at = timezone.now()
        change.closure_note = (note or "").strip()
        transitions.transition(
            change,
            C.CLOSED,
            actor=actor,
            workflow=workflows.for_change(change.change_type),
            also=["outcome", "closed_at", "closure_note"],
            event="changes.change.closed",
        )
        _tell_release_management(change)
    return change


def _tell_release_management(change: Change) -> None:
    """A change registered from a release's requirement document closed (or was backed
    out): Release Management tells the release coordinator (``releases.change_closed``,
    provided when that area is installed)."""
    told = registry.provider("releases.change_closed")
    if told is not None:
        told(change)


__all__ = ["change_close", "change_production_test", "closing_refusal", "may_test"]
