"""Forms of the change tasks (seed 003 ch. 3 proc. 4, 5): adding a task to a change, and
assigning, completing, failing and cancelling one."""

from typing import Any

from django import forms
from django.db.models import Q

from steward.changes import inputs
from steward.changes.choices import TaskKind, TaskStatus
from steward.changes.models import ChangeTask
from steward.changes.services.tasks import ROLE_OF_KIND
from steward.core import formfields
from steward.core.fields import GuardedForm
from steward.core.models import Person, SupportGroup

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
# The production test is added by proc. 6 itself, never by hand.
ADDABLE_KINDS = [(k, label) for k, label in TaskKind.choices if k != TaskKind.PRODUCTION_TEST]


def _groups() -> Any:
    return SupportGroup.objects.filter(is_active=True).order_by("name")


def _workers() -> Any:
    """Members of support groups, and the people whose role works tasks without a group
    (release administrators, configuration administrators...)."""
    by_role = Q(role_assignments__role__in=set(ROLE_OF_KIND.values()))
    return Person.objects.filter(
        Q(group_memberships__isnull=False) | by_role, is_active=True
    ).distinct()


class TaskAddForm(GuardedForm):
    """Proc. 4, 5: a task for a group, after the tasks it depends on."""

    inputs = inputs.TASK_ADD

    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=ADDABLE_KINDS, initial=TaskKind.ADDITIONAL)
    support_group = forms.ModelChoiceField(
        _groups(),
        required=False,
        help_text="Empty only for the transfers, the customer testing and the updates.",
    )
    assignee = forms.ModelChoiceField(_workers(), required=False)
    depends_on = forms.ModelMultipleChoiceField(
        ChangeTask.objects.none(), required=False, help_text="It starts when these are done."
    )
    planned_start = formfields.DateTimeField(required=False, widget=DATETIME_WIDGET)
    planned_end = formfields.DateTimeField(required=False, widget=DATETIME_WIDGET)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["support_group"].queryset = _groups()
        self.fields["assignee"].queryset = _workers()
        change = self.record
        if change is not None and getattr(change, "pk", None):
            self.fields["depends_on"].queryset = change.tasks.exclude(status=TaskStatus.CANCELLED)


def add_arguments(data: dict[str, Any]) -> dict[str, Any]:
    """The task form's values as ``task_add`` takes them."""
    group, assignee = data.get("support_group"), data.get("assignee")
    return {
        "title": data["title"],
        "kind": data["kind"],
        "support_group_id": group.pk if group else None,
        "assignee_id": assignee.pk if assignee else None,
        "depends_on": [t.pk for t in data.get("depends_on") or []],
        "description": data.get("description") or "",
        "planned_start": data.get("planned_start"),
        "planned_end": data.get("planned_end"),
    }


class TaskAssignForm(GuardedForm):
    inputs = inputs.TASK_ASSIGN

    assignee = forms.ModelChoiceField(_workers(), required=False)
    support_group = forms.ModelChoiceField(
        _groups(), required=False, help_text="Another group (the change coordinator only)."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        task = self.record
        group_id = getattr(task, "support_group_id", None)
        # The page offers the people of the task's group (the service checks any choice).
        people = _workers().filter(group_memberships__group_id=group_id) if group_id else None
        self.fields["assignee"].queryset = people if people is not None else _workers()
        self.fields["support_group"].queryset = _groups()


def assign_arguments(data: dict[str, Any]) -> dict[str, Any]:
    group, assignee = data.get("support_group"), data.get("assignee")
    return {
        "assignee_id": assignee.pk if assignee else None,
        "support_group_id": group.pk if group else None,
    }


class TaskResultForm(GuardedForm):
    inputs = inputs.TASK_RESULT

    result = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="What was done."
    )


class TaskFailForm(GuardedForm):
    inputs = inputs.TASK_RESULT

    result = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text="What went wrong.")


class TaskCancelForm(GuardedForm):
    inputs = inputs.TASK_CANCEL

    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
