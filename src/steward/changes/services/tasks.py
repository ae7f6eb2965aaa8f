"""Seed 003 ch. 3 proc. 4, Infrastructure Change Implementation, and proc. 5, Application
Change Implementation: a change's tasks, handed to support groups (or to the release
administrators, the configuration administrators...), worked in the order their
dependencies give.

- When a change enters implementation, the topic that moved it calls
  ``change_start_implementation(change, actor=...)`` in its transaction: the first tasks
  of the change's category (``rules.first_tasks``) that are missing are added, chained,
  and every task whose dependencies are settled opens (its people told).
- A task is settled when done or cancelled, or when it failed and an additional task
  follows it (the change coordinator's answer to a failure, proc. 5); the tasks that
  waited on the failed one then wait on the additional tasks too.
- When every implementation task is settled the change moves to its production test
  (proc. 6, ``services/closure.py``) and the production-test task opens.
- Additional tasks come before the transfer to production; when one moves the transfer
  (or the end of the change window) later, the change is approved again
  (``rules.needs_reapproval``): it goes back to approval and the change managers are told.
"""

import heapq
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from steward.changes import inputs, rules, workflows
from steward.changes.choices import (
    CLOSURE_TASKS,
    OPEN_CHANGE_STATUSES,
    OPEN_TASK_STATUSES,
    ChangeStatus,
    TaskKind,
    TaskStatus,
)
from steward.changes.models import Change, ChangeTask
from steward.core import journal, notify, permissions, roles, transitions
from steward.core.choices import Role
from steward.core.errors import DomainError
from steward.core.fields import given
from steward.core.models import Person, SupportGroup, SupportGroupMembership

VIEW = "changes.change.view"
COORDINATE = "changes.change.coordinate"
MANAGE = "changes.change.manage"
WORK = "changes.task.work"

K, T, C = TaskKind, TaskStatus, ChangeStatus
# Tasks that are not part of the implementation: the production test and the updates
# after it (proc. 6).
AFTER_IMPLEMENTATION = frozenset({K.PRODUCTION_TEST, *CLOSURE_TASKS})
# Tasks of people known by their role rather than a group: they are told, and may work it.
ROLE_OF_KIND: dict[str, str] = {
    K.TRANSFER_TO_TEST: Role.RELEASE_ADMINISTRATOR,
    K.TRANSFER_TO_PRODUCTION: Role.RELEASE_ADMINISTRATOR,
    K.CMDB_UPDATE: Role.CONFIGURATION_ADMINISTRATOR,
    K.CAPACITY_UPDATE: Role.CAPACITY_MANAGER,
    K.CONTINUITY_UPDATE: Role.CONTINUITY_PLANNER,
}
# Tasks without a group of their own: the coordinator records them (customer testing is
# done by the customers' representatives, proc. 5).
WITHOUT_GROUP = frozenset({*ROLE_OF_KIND, K.CUSTOMER_TEST})
# Where tasks can be added by hand: up to implementation (the production test adds its
# own, proc. 6).
ADDING_STATUSES = (C.REGISTERED, C.RISK_ANALYSIS, C.PLANNING, C.APPROVAL, C.IMPLEMENTATION)
# Where open tasks are worked: implementation, approval again (proc. 5) and the test.
WORKING_STATUSES = (C.IMPLEMENTATION, C.APPROVAL, C.PRODUCTION_TEST)


# --- who -------------------------------------------------------------------------------


def may_coordinate(actor: Any, change: Change) -> bool:
    """The change coordinator of the change's service (its named coordinator, or anyone
    holding the coordinating right over the service) and the change managers."""
    return permissions.has(actor, COORDINATE, change)


def in_group(actor: Any, group_id: int | None) -> bool:
    if group_id is None or not getattr(actor, "pk", None):
        return False
    return SupportGroupMembership.objects.filter(group_id=group_id, person_id=actor.pk).exists()


def holds_role_of(actor: Any, task: ChangeTask, change: Change) -> bool:
    """The release administrator of a transfer, the configuration administrator of a CMDB
    update...: the role of the task's kind, held everywhere or over the service."""
    role = ROLE_OF_KIND.get(task.kind)
    if role is None or not getattr(actor, "pk", None):
        return False
    return roles.holds(actor, role, change.service, or_everywhere=True)


def may_work(actor: Any, task: ChangeTask) -> bool:
    """Who works a task: the people of its group, its assignee, the people of its kind's
    role, the change coordinator and the change managers."""
    if not permissions.has(actor, WORK):
        return False
    change = task.change
    return (
        task.assignee_id == actor.pk
        or in_group(actor, task.support_group_id)
        or holds_role_of(actor, task, change)
        or may_coordinate(actor, change)
    )


def may_assign(actor: Any, task: ChangeTask) -> bool:
    """Who hands a task to a person: the coordinator of the task's group, its members
    (taking it themselves or giving it to a colleague), and the change coordinator."""
    if not permissions.has(actor, WORK):
        return False
    group = task.support_group
    return (
        may_coordinate(actor, task.change)
        or in_group(actor, task.support_group_id)
        or (group is not None and roles.holds(actor, Role.GROUP_COORDINATOR, group))
        or holds_role_of(actor, task, task.change)
    )


def role_people(role: str, change: Change) -> list[Person]:
    """The holders of ``role`` over the change's service or everywhere."""
    found = {p.pk: p for p in roles.holders(role)}
    found.update({p.pk: p for p in roles.holders(role, change.service)})
    return [found[pk] for pk in sorted(found)]


def representatives(change: Change) -> list[Person]:
    """The representatives of the customers the change affects (those the CMDB impact
    named, else the service's customers)."""
    orgs = list(change.customers.all()) or list(change.service.customers.all())
    people: dict[int, Person] = {}
    for org in orgs:
        people.update({p.pk: p for p in roles.holders(Role.CUSTOMER_REPRESENTATIVE, org)})
    return [people[pk] for pk in sorted(people)]


# --- the task graph --------------------------------------------------------------------


def dependencies(change: Change) -> dict[int, set[int]]:
    """{task id: the ids of the tasks it depends on} for the change's tasks."""
    through = ChangeTask.depends_on.through
    deps: dict[int, set[int]] = defaultdict(set)
    rows = through.objects.filter(from_changetask__change=change).values_list(
        "from_changetask_id", "to_changetask_id"
    )
    for task_id, dep_id in rows:
        deps[task_id].add(dep_id)
    return deps


def answered_failures(tasks: Iterable[ChangeTask], deps: dict[int, set[int]]) -> set[int]:
    """The failed tasks an additional task follows (the coordinator's answer)."""
    failed = {t.pk for t in tasks if t.status == T.FAILED}
    answered: set[int] = set()
    for task in tasks:
        if task.kind == K.ADDITIONAL:
            answered |= deps.get(task.pk, set()) & failed
    return answered


def settled(task: ChangeTask, answered: set[int]) -> bool:
    return task.status in (T.DONE, T.CANCELLED) or (task.status == T.FAILED and task.pk in answered)


def _ancestors(task_ids: Iterable[int], deps: dict[int, set[int]]) -> set[int]:
    seen: set[int] = set()
    todo = list(task_ids)
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo.extend(deps.get(current, ()))
    return seen


def renumber(change: Change) -> None:
    """Number the change's tasks in the order they are worked: every task after those it
    depends on, otherwise in the order they were added."""
    tasks = {t.pk: t for t in change.tasks.order_by("position", "pk")}
    deps = dependencies(change)
    waiting_on = {pk: len(deps.get(pk, set()) & tasks.keys()) for pk in tasks}
    dependants: dict[int, list[int]] = defaultdict(list)
    for pk, needs in deps.items():
        for dep in needs:
            dependants[dep].append(pk)
    ready = [(tasks[pk].position, pk) for pk, n in waiting_on.items() if n == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        _, pk = heapq.heappop(ready)
        order.append(pk)
        for after in dependants.get(pk, []):
            waiting_on[after] -= 1
            if waiting_on[after] == 0:
                heapq.heappush(ready, (tasks[after].position, after))
    order += [pk for pk in tasks if pk not in order]  # a loop (never made here) goes last
    moved = []
    for position, pk in enumerate(order, start=1):
        if tasks[pk].position != position:
            tasks[pk].position = position
            moved.append(tasks[pk])
    ChangeTask.objects.bulk_update(moved, ["position"])


# --- opening tasks and moving the change -----------------------------------------------


def _task_url(change: Change) -> str:
    return change.get_absolute_url() + "#tasks"


def task_people(change: Change, task: ChangeTask) -> list[Person]:
    """Who is told a task can be worked: its assignee, else its group's members; the
    holders of its kind's role; the coordinator of a task without group or role."""
    people: list[Person] = []
    if task.assignee_id:
        people.append(task.assignee)
    elif task.support_group_id:
        people += list(task.support_group.members.filter(is_active=True).order_by("pk"))
    if task.kind in ROLE_OF_KIND:
        people += role_people(ROLE_OF_KIND[task.kind], change)
    if not people and change.coordinator_id:
        people.append(change.coordinator)
    return people


def tell_opened(change: Change, opened: list[ChangeTask]) -> None:
    """Proc. 4, 5: the people of each opened task are told; customer testing tells the
    affected customers' representatives (and the coordinator, who records the outcome)."""
    messages = []
    for task in opened:
        messages.append(
            notify.Message(
                task_people(change, task),
                "change_task.open",
                f"Change task ready: {task.title} ({change.number})",
                f"{change.title}: {task.get_kind_display()}.",
                change,
                _task_url(change),
            )
        )
        if task.kind == K.CUSTOMER_TEST:
            messages.append(
                notify.Message(
                    [*representatives(change), change.coordinator],
                    "change.customer_test",
                    f"Change {change.number} is ready for your testing",
                    f"The new release of {change.service.name} is in the test environment: "
                    f"please have it tested ({change.title}).",
                    change,
                )
            )
    notify.send_many(messages)


def open_ready(change: Change, actor: Person | None) -> list[ChangeTask]:
    """Open every waiting implementation task whose dependencies are all settled."""
    tasks = list(change.tasks.select_related("support_group", "assignee"))
    deps = dependencies(change)
    answered = answered_failures(tasks, deps)
    by_id = {t.pk: t for t in tasks}
    opened = []
    for task in tasks:
        if task.status != T.WAITING or task.kind in AFTER_IMPLEMENTATION:
            continue
        if all(settled(by_id[d], answered) for d in deps.get(task.pk, ()) if d in by_id):
            transitions.transition(
                task,
                T.OPEN,
                actor=actor,
                workflow=workflows.TASK,
                event="changes.change_task.open",
            )
            opened.append(task)
    tell_opened(change, opened)
    return opened


def implementation_done(change: Change) -> bool:
    """Every implementation task is settled (proc. 4, 5: the change is in production)."""
    tasks = list(change.tasks.all())
    answered = answered_failures(tasks, dependencies(change))
    work = [t for t in tasks if t.kind not in AFTER_IMPLEMENTATION]
    return bool(work) and all(settled(t, answered) for t in work)


def default_group(change: Change) -> SupportGroup | None:
    """The group the change's own tasks go to: that of its tasks so far, else the support
    group of one of its CIs."""
    task = change.tasks.filter(support_group__isnull=False).order_by("position", "pk").first()
    if task is not None:
        return task.support_group
    ci = change.cis.filter(support_group__isnull=False).order_by("pk").first()
    return ci.support_group if ci is not None else None


def new_task(change: Change, kind: str, *, actor: Person | None, **fields: Any) -> ChangeTask:
    last = change.tasks.order_by("-position").values_list("position", flat=True).first() or 0
    fields.setdefault("title", str(TaskKind(kind).label))
    task = ChangeTask.objects.create(
        change=change, kind=kind, position=last + 1, status=T.WAITING, **fields
    )
    journal.created(task, actor=actor)
    notify.record_event(record=task, event="changes.change_task.created", actor=actor)
    return task


def open_production_test(change: Change, actor: Person | None) -> ChangeTask:
    """Proc. 6's start: the change's pending production-test task (a new one after a
    failed test), opened for its group."""
    task = change.tasks.filter(kind=K.PRODUCTION_TEST, status__in=OPEN_TASK_STATUSES).first()
    if task is None:
        task = new_task(
            change,
            K.PRODUCTION_TEST,
            actor=actor,
            support_group=default_group(change),
            description="Verify the success of the implementation (with a user if needed).",
        )
    if task.status == T.WAITING:
        transitions.transition(
            task, T.OPEN, actor=actor, workflow=workflows.TASK, event="changes.change_task.open"
        )
        tell_opened(change, [task])
    return task


def after_task_settled(change: Change, actor: Person | None) -> None:
    """Open what can now be worked; once the implementation is done, the production test."""
    if change.status != C.IMPLEMENTATION:
        return
    open_ready(change, actor)
    if not implementation_done(change):
        return
    change.actual_end = timezone.now()
    transitions.transition(
        change,
        C.PRODUCTION_TEST,
        actor=actor,
        workflow=workflows.for_change(change.change_type),
        also=["actual_end"],
        event="changes.change.production_test",
    )
    open_production_test(change, actor)


def _add_first_tasks(change: Change, actor: Person | None) -> list[ChangeTask]:
    """The first tasks of the change's category that it lacks, each after the tasks of the
    kind before it and before the first tasks of the kind after it."""
    chain = rules.first_tasks(change.category)
    by_kind: dict[str, list[ChangeTask]] = defaultdict(list)
    for task in change.tasks.exclude(status=T.CANCELLED):
        by_kind[task.kind].append(task)
    deps = dependencies(change)
    group = default_group(change)
    added = []
    for index, kind in enumerate(chain):
        if by_kind.get(kind):
            continue
        task = new_task(
            change, kind, actor=actor, support_group=None if kind in WITHOUT_GROUP else group
        )
        before = next((by_kind[k] for k in reversed(chain[:index]) if by_kind.get(k)), [])
        after = next((by_kind[k] for k in chain[index + 1 :] if by_kind.get(k)), [])
        task.depends_on.add(*before)
        for later in after:
            if not deps.get(later.pk):
                later.depends_on.add(task)
                deps[later.pk] = {task.pk}
        by_kind[kind].append(task)
        added.append(task)
    return added


def change_start_implementation(change: Change, *, actor: Person | None = None) -> list[ChangeTask]:
    """Proc. 4 and 5's start, called (in its transaction, after moving the change to
    implementation) by whoever moved it: approval, a standard change's planning, the
    change going back after a new approval or a failed production test. Adds the first
    tasks the change lacks (``rules.first_tasks``), chained, and opens every task whose
    dependencies are settled. Safe to call again: returns the tasks it opened."""
    if change.status != C.IMPLEMENTATION:
        raise DomainError(f"Change {change.number} is not in implementation.")
    if _add_first_tasks(change, actor):
        renumber(change)
    if change.actual_start is None:
        change.actual_start = timezone.now()
        change.save(update_fields=["actual_start", "updated_at"])
    opened = open_ready(change, actor)
    if implementation_done(change):
        after_task_settled(change, actor)
    return opened


# --- adding tasks ----------------------------------------------------------------------


def _lock_change(change_id: Any) -> Change:
    return transitions.lock(Change, change_id, related=["service", "coordinator"])


def _lock_task(task_id: Any) -> tuple[Change, ChangeTask]:
    """The task's change, then the task, each under a row lock (always in that order)."""
    change_id = ChangeTask.objects.filter(pk=_int_or_none(task_id)).values_list(
        "change_id", flat=True
    )
    change = _lock_change(change_id.first())
    task = transitions.lock(ChangeTask, task_id, related=["support_group", "assignee"])
    if task.change_id != change.pk:  # moved meanwhile: never happens, but never act on it
        raise DomainError("The task changed meanwhile: try again.")
    task.change = change
    return change, task


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _group(group_id: int | None, kind: str) -> SupportGroup | None:
    if group_id is None:
        if kind in WITHOUT_GROUP:
            return None
        raise ValidationError({"support_group": ["Choose the support group of the task."]})
    group = SupportGroup.objects.filter(pk=group_id, is_active=True).first()
    if group is None:
        raise ValidationError({"support_group": ["No active support group with this id."]})
    return group


def _assignee(person_id: int | None, group: SupportGroup | None, task: ChangeTask) -> Person | None:
    """The person a task is handed to: a member of its group, or one holding its role."""
    if person_id is None:
        return None
    person = Person.objects.filter(pk=person_id, is_active=True).first()
    if person is None:
        raise ValidationError({"assignee": ["No active person with this id."]})
    if group is not None:
        if not in_group(person, group.pk):
            raise ValidationError({"assignee": [f"Not a member of {group.name}."]})
    elif not (holds_role_of(person, task, task.change) or permissions.has(person, WORK)):
        raise ValidationError({"assignee": ["This person does not work change tasks."]})
    return person


def _dependencies(change: Change, ids: Iterable[int]) -> list[ChangeTask]:
    wanted = set(ids)
    found = list(change.tasks.filter(pk__in=wanted).exclude(status=T.CANCELLED))
    if len(found) != len(wanted):
        raise ValidationError(
            {"depends_on": ["A task depends only on tasks of the same change still to be done."]}
        )
    return found


def _check_window(start: datetime | None, end: datetime | None) -> None:
    if start and end and end < start:
        raise ValidationError({"planned_end": ["The end comes before the start."]})


def task_add(
    *,
    actor: Person,
    change_id: int,
    title: str,
    kind: str,
    support_group_id: int | None = None,
    assignee_id: int | None = None,
    depends_on: Iterable[int] = (),
    description: str = "",
    planned_start: datetime | None = None,
    planned_end: datetime | None = None,
) -> ChangeTask:
    """Proc. 4, 5 (and 1's task templates): the change coordinator adds a task for a
    support group, after the tasks it depends on. An additional task (proc. 5: customer
    testing failed) follows the failed tasks, comes before the transfer to production, and
    sends the change back to approval when it moves the transfer later."""
    depends_on = list(depends_on)
    with transaction.atomic():
        if not Change.objects.filter(pk=_int_or_none(change_id)).exists():
            raise ValidationError({"change": ["No change with this id."]})
        change = _lock_change(change_id)
        values = given(
            title=title, kind=kind, support_group=support_group_id, assignee=assignee_id,
            depends_on=depends_on, description=description, planned_start=planned_start,
            planned_end=planned_end,
        )  # fmt: skip
        inputs.TASK_ADD.check(actor, values, change)
        if not may_coordinate(actor, change):
            raise PermissionDenied("Only the change coordinator adds tasks to this change.")
        if change.status not in ADDING_STATUSES:
            raise DomainError(
                f"Change {change.number} is {change.get_status_display().lower()}: "
                "tasks are added up to its implementation."
            )
        if not (title or "").strip():
            raise ValidationError({"title": ["Name the task."]})
        if kind not in TaskKind.values or kind == K.PRODUCTION_TEST:
            raise ValidationError({"kind": ["Select a valid choice."]})
        _check_window(planned_start, planned_end)
        group = _group(support_group_id, kind)
        probe = ChangeTask(change=change, kind=kind)
        assignee = _assignee(assignee_id, group, probe)
        before = _dependencies(change, depends_on)
        task = new_task(
            change, kind, actor=actor, title=title.strip(), description=description,
            support_group=group, assignee=assignee, planned_start=planned_start,
            planned_end=planned_end,
        )  # fmt: skip
        task.depends_on.add(*before)
        if kind == K.ADDITIONAL:
            _place_additional(change, task)
        renumber(change)
        if assignee is not None and assignee != actor:
            _tell_assignee(change, task, assignee)
        if kind == K.ADDITIONAL and _reapproval_needed(change, task, actor):
            return task
        after_task_settled(change, actor)
    return task


def _place_additional(change: Change, task: ChangeTask) -> None:
    """Proc. 5: an additional task follows the failed tasks nobody answered yet; the tasks
    that waited on those wait on it too, and so does the transfer to production."""
    tasks = {t.pk: t for t in change.tasks.exclude(pk=task.pk)}
    deps = dependencies(change)
    answered = answered_failures(tasks.values(), deps)
    unanswered = [t for t in tasks.values() if t.status == T.FAILED and t.pk not in answered]
    task.depends_on.add(*unanswered)
    deps[task.pk] = deps.get(task.pk, set()) | {t.pk for t in unanswered}
    before_it = _ancestors([task.pk], deps)
    failed = {t.pk for t in unanswered}
    for other in tasks.values():
        if other.status != T.WAITING:
            continue
        follows_failure = bool(deps.get(other.pk, set()) & failed)
        transfer = other.kind == K.TRANSFER_TO_PRODUCTION
        if not (follows_failure or transfer):
            continue
        if other.pk in before_it:
            if transfer:
                raise ValidationError(
                    {"depends_on": ["An additional task comes before the transfer to production."]}
                )
            continue
        other.depends_on.add(task)


def _reapproval_needed(change: Change, task: ChangeTask, actor: Person) -> bool:
    """Proc. 5: when the additional task ends after the planned transfer to production
    (or after the change window), the transfer is moved later, and the change is approved
    again (``rules.needs_reapproval``). Returns whether the change went to approval."""
    if change.status != C.IMPLEMENTATION or task.planned_end is None:
        return False
    end = task.planned_end
    transfer = (
        change.tasks.filter(kind=K.TRANSFER_TO_PRODUCTION, status__in=OPEN_TASK_STATUSES)
        .order_by("position")
        .first()
    )
    moved = False
    if transfer is not None and transfer.planned_start and end > transfer.planned_start:
        shift = end - transfer.planned_start
        transfer.planned_start = end
        transfer.planned_end = transfer.planned_end + shift if transfer.planned_end else None
        transfer.save(update_fields=["planned_start", "planned_end", "updated_at"])
        end = transfer.planned_end or end
        moved = True
    if change.planned_end is not None and end > change.planned_end:
        journal.field_changes(
            change, actor=actor, changes={"planned_end": (change.planned_end, end)}
        )
        change.planned_end = end
        change.save(update_fields=["planned_end", "updated_at"])
        moved = True
    if not rules.needs_reapproval(production_transfer_moved=moved, change_type=change.change_type):
        return False
    transitions.transition(
        change,
        C.APPROVAL,
        actor=actor,
        workflow=workflows.for_change(change.change_type),
        reason=f"Additional task “{task.title}” moves the transfer to production.",
        event="changes.change.approval",
    )
    notify.send(
        recipients=[*roles.holders(Role.CHANGE_MANAGER), change.coordinator],
        event="change.reapproval",
        title=f"Change {change.number} needs approval again",
        body="Additional tasks after customer testing moved the transfer to production.",
        record=change,
    )
    return True


# --- working tasks ---------------------------------------------------------------------


def _tell_assignee(change: Change, task: ChangeTask, person: Person) -> None:
    notify.send(
        recipients=[person],
        event="change_task.assigned",
        title=f"Change task for you: {task.title} ({change.number})",
        body=change.title,
        record=change,
        url=_task_url(change),
    )


def task_assign(
    *,
    actor: Person,
    task_id: int,
    assignee_id: int | None = None,
    support_group_id: int | None = None,
) -> ChangeTask:
    """Proc. 4, 5: a task is handed to a person of its group (by the group's coordinator,
    one of its members, or the change coordinator), or to another group (the change
    coordinator only)."""
    with transaction.atomic():
        change, task = _lock_task(task_id)
        inputs.TASK_ASSIGN.check(
            actor, given(assignee=assignee_id, support_group=support_group_id), task
        )
        if not may_assign(actor, task):
            raise PermissionDenied("Only the task's group or the change coordinator assigns it.")
        if task.status not in OPEN_TASK_STATUSES:
            raise DomainError(f"The task is {task.get_status_display().lower()}.")
        group = task.support_group
        if support_group_id is not None and support_group_id != task.support_group_id:
            if not may_coordinate(actor, change):
                raise ValidationError(
                    {"support_group": ["Only the change coordinator moves a task to a group."]}
                )
            group = _group(support_group_id, task.kind)
        if assignee_id is None and group == task.support_group:
            raise ValidationError({"assignee": ["Choose who works the task."]})
        assignee = _assignee(assignee_id, group, task)
        changes = {}
        if group != task.support_group:
            changes["support_group"] = (task.support_group, group)
        if assignee != task.assignee:
            changes["assignee"] = (task.assignee, assignee)
        task.support_group, task.assignee = group, assignee
        task.save(update_fields=["support_group", "assignee", "updated_at"])
        journal.field_changes(task, actor=actor, changes=changes)
        if assignee is not None and assignee != actor:
            _tell_assignee(change, task, assignee)
    return task


def _finish(actor: Person, task_id: int, to: str, result: str) -> tuple[Change, ChangeTask]:
    change, task = _lock_task(task_id)
    inputs.TASK_RESULT.check(actor, given(result=result), task)
    if not may_work(actor, task):
        raise PermissionDenied("Only the task's group, its assignee or the coordinator work it.")
    if task.kind == K.PRODUCTION_TEST:
        raise DomainError("Record the production test on the change (proc. 6).")
    if change.status not in WORKING_STATUSES:
        raise DomainError(f"Change {change.number} is {change.get_status_display().lower()}.")
    if task.status == T.WAITING:
        raise DomainError("This task waits for the tasks it depends on.")
    if to == T.FAILED and not (result or "").strip():
        raise ValidationError({"result": ["Say what went wrong."]})
    task.result = (result or "").strip()
    task.completed_at, task.completed_by = timezone.now(), actor
    transitions.transition(
        task,
        to,
        actor=actor,
        workflow=workflows.TASK,
        event=f"changes.change_task.{to}",
        also=["result", "completed_at", "completed_by"],
    )
    return change, task


def task_complete(*, actor: Person, task_id: int, result: str = "") -> ChangeTask:
    """Proc. 4, 5: a task is done; the tasks waiting on it open, and once the whole
    implementation is done the change goes to its production test (proc. 6)."""
    with transaction.atomic():
        change, task = _finish(actor, task_id, T.DONE, result)
        after_task_settled(change, actor)
        _tell_ready_to_close(change, task)
    return task


def _tell_ready_to_close(change: Change, task: ChangeTask) -> None:
    """Proc. 6: the last update task settled: the coordinator may close the change."""
    if task.kind not in CLOSURE_TASKS or change.status != C.PRODUCTION_TEST:
        return
    if change.tasks.filter(kind__in=CLOSURE_TASKS, status__in=OPEN_TASK_STATUSES).exists():
        return
    notify.send(
        recipients=[change.coordinator],
        event="change.ready_to_close",
        title=f"Change {change.number} can be closed",
        body="The CMDB, capacity and continuity updates are done.",
        record=change,
    )


def task_fail(*, actor: Person, task_id: int, result: str) -> ChangeTask:
    """Proc. 5: a task failed (the new release did not pass customer testing): the change
    coordinator is told, to add the additional tasks that correct it."""
    with transaction.atomic():
        change, task = _finish(actor, task_id, T.FAILED, result)
        notify.send(
            recipients=[change.coordinator],
            event="change_task.failed",
            title=f"Change task failed: {task.title} ({change.number})",
            body="Add the additional tasks that correct it.",
            record=change,
            url=_task_url(change),
        )
    return task


def task_cancel(*, actor: Person, task_id: int, reason: str = "") -> ChangeTask:
    """The change coordinator cancels a task that is no longer needed; the tasks waiting
    on it may open."""
    with transaction.atomic():
        change, task = _lock_task(task_id)
        inputs.TASK_CANCEL.check(actor, given(reason=reason), task)
        if not may_coordinate(actor, change):
            raise PermissionDenied("Only the change coordinator cancels a task.")
        if change.status not in OPEN_CHANGE_STATUSES:
            raise DomainError(f"Change {change.number} is {change.get_status_display().lower()}.")
        transitions.transition(
            task,
            T.CANCELLED,
            actor=actor,
            workflow=workflows.TASK,
            reason=reason,
            event="changes.change_task.cancelled",
        )
        after_task_settled(change, actor)
        _tell_ready_to_close(change, task)
    return task


__all__ = [
    "change_start_implementation",
    "may_work",
    "task_add",
    "task_assign",
    "task_cancel",
    "task_complete",
    "task_fail",
]
