"""Pages of the change tasks (seed 003 ch. 3 proc. 4, 5): the tasks section of the change
page (its tasks in order, their dependencies, the add-task form for the coordinator and
the buttons of ``actions.TASK`` for who may work each), the "Change tasks" queue of my
groups, and the step URLs of ``actions.TASK`` (a refusal comes back on the change page)."""

from typing import Any

from django.urls import path

from steward.changes.actions import CHANGE, TASK
from steward.changes.filters.tasks import ChangeTaskFilterSet
from steward.changes.models import Change, ChangeTask
from steward.changes.queries import tasks as queries
from steward.changes.services import tasks as svc
from steward.core.templatetags.steward import TONES
from steward.core.views.patterns import STATUS_COLUMN, Column, RecordListView, action_urls

TONES.setdefault("done", "green")


def _when(task: ChangeTask) -> str:
    if not task.planned_start:
        return ""
    return task.planned_start.strftime("%Y-%m-%d %H:%M")


def _change_url(task: ChangeTask) -> str:
    return task.change.get_absolute_url() + "#tasks"


def _group(task: ChangeTask) -> str:
    if task.support_group_id:
        return task.support_group.name
    role = svc.ROLE_OF_KIND.get(task.kind)
    return f"({role.replace('_', ' ')}s)" if role else ""


class ChangeTaskQueueView(RecordListView):
    """Proc. 4, 5: the tasks of my groups (and mine) still to be done."""

    permission = svc.WORK
    title = "Change tasks"
    query = queries.queue_for
    filterset_class = ChangeTaskFilterSet
    default_sort = "change"
    primary_filters = ("q", "status", "kind")
    empty_text = "Your groups have no change task to do."
    columns = (
        Column("change", "Change", value="change.number", sort=("change__number", "position"),
               url=_change_url, classes="nowrap"),
        Column("title", "Task", sort="title", url=_change_url),
        Column("kind", "Kind", value=lambda t: t.get_kind_display(), sort="kind"),
        Column("group", "Group", value=_group, sort="support_group__name"),
        Column("assignee", "Assignee", value=lambda t: t.assignee.display_name
               if t.assignee_id else "", classes="hide-sm"),
        STATUS_COLUMN,
        Column("planned", "Planned", value=_when, sort="planned_start", classes="nowrap"),
    )  # fmt: skip

    def restrict_filters(self, filterset: Any) -> None:
        for name in ("change", "group"):
            filterset.form.fields.pop(name, None)


def _task_steps(actor: Any, task: ChangeTask) -> list[dict[str, Any]]:
    steps = []
    for action in TASK.allowed(actor, task):
        form = action.form_class(actor=actor, record=task, auto_id=f"t{task.pk}-{action.key}-%s")
        steps.append({"action": action, "form": form, "url": TASK.url(action, task)})
    return steps


def tasks_section(request: Any, change: Change) -> dict[str, Any]:
    """The tasks part of the change page's context (views/sections.py): the tasks in the
    order they are worked, what each waits for, the steps the viewer may take on each and,
    for the coordinator, the add-task form."""
    actor = request.user
    # Through the query: customer-side readers of the change see no tasks (internal work).
    tasks = list(queries.tasks_for(actor).filter(change=change).order_by("position", "pk"))
    deps = svc.dependencies(change)
    by_id = {t.pk: t for t in tasks}
    rows = []
    for task in tasks:
        task.change = change
        after = sorted(by_id[d].position for d in deps.get(task.pk, ()) if d in by_id)
        rows.append(
            {"task": task, "group": _group(task), "after": after, "steps": _task_steps(actor, task)}
        )
    add = CHANGE["task-add"]
    offered = CHANGE.offered(add, actor, change)
    return {
        "change_tasks": rows,
        "task_add_url": CHANGE.url(add, change) if offered else "",
        "task_add_form": CHANGE.form(add, actor, record=change) if offered else None,
    }


urlpatterns = [
    path("change-tasks/", ChangeTaskQueueView.as_view(), name="change-task-list"),
    *action_urls(TASK),
]
