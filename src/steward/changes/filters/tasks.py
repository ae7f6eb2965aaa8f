"""The change task filter set, shared by the "Change tasks" page and /api/v1/change-tasks/."""

from typing import Any

import django_filters
from django.db.models import QuerySet

from steward.changes.choices import TaskKind, TaskStatus
from steward.changes.models import ChangeTask
from steward.core.filters import IdFilter, SearchFilterSet


class ChangeTaskFilterSet(SearchFilterSet):
    search_fields = ("title", "change__number", "change__title")
    change = IdFilter(field_name="change_id", label="Change (id)")
    status = django_filters.MultipleChoiceFilter(choices=TaskStatus.choices)
    kind = django_filters.ChoiceFilter(choices=TaskKind.choices)
    group = IdFilter(field_name="support_group_id", label="Support group (id)")
    assignee = django_filters.ChoiceFilter(
        choices=[("me", "Me")], method="assigned_to", label="Assignee"
    )

    class Meta:
        model = ChangeTask
        fields = ["change", "status", "kind"]

    def assigned_to(self, qs: QuerySet, name: str, value: Any) -> QuerySet:
        user = getattr(self.request, "user", None)
        return qs.filter(assignee_id=getattr(user, "pk", None)) if value == "me" else qs
