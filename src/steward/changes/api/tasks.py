"""/api/v1/change-tasks/: the tasks of changes (seed 003 ch. 3 proc. 4, 5): list (filters
``change``, ``status``, ``kind``, ``group``, ``assignee=me``), one task, add one
(``task_add``) and the steps of ``actions.TASK`` (assign, complete, fail, cancel)."""

from typing import Any

from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from steward.changes import actions as change_actions
from steward.changes import inputs
from steward.changes.choices import TaskKind, TaskStatus
from steward.changes.filters.tasks import ChangeTaskFilterSet
from steward.changes.forms.tasks import ADDABLE_KINDS
from steward.changes.models import ChangeTask
from steward.changes.queries import tasks as queries
from steward.changes.services import tasks as services
from steward.core.api.actions import ActionEndpoints
from steward.core.api.base import GuardedSerializer, IdField, ServiceCreate, choice_text


class ChangeTaskSerializer(serializers.ModelSerializer):
    change_number = serializers.CharField(source="change.number", read_only=True)
    kind = choice_text(TaskKind.choices, read_only=True)
    status = choice_text(TaskStatus.choices, read_only=True)
    support_group_name = serializers.CharField(
        source="support_group.name", read_only=True, default=None
    )
    depends_on = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = ChangeTask
        fields = ["id", "lock_version", "change", "change_number", "position", "title",
                  "description", "kind", "status", "support_group", "support_group_name",
                  "assignee", "depends_on", "planned_start", "planned_end", "completed_at",
                  "completed_by", "result", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields


class ChangeTaskAddSerializer(GuardedSerializer):
    inputs = inputs.TASK_ADD(change="title")

    change = IdField(help_text="The change the task is for.")
    title = serializers.CharField(max_length=200)
    kind = choice_text(ADDABLE_KINDS)
    support_group = IdField(
        required=False,
        allow_null=True,
        help_text="Empty only for the transfers, the customer testing and the updates.",
    )
    assignee = IdField(required=False, allow_null=True, help_text="A person of the group.")
    depends_on = serializers.ListField(
        child=IdField(), required=False, help_text="Tasks of the same change it waits for."
    )
    planned_start = serializers.DateTimeField(required=False, allow_null=True)
    planned_end = serializers.DateTimeField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True)


class ChangeTaskViewSet(ActionEndpoints, ServiceCreate):
    """The tasks of changes (seed 003 ch. 3 proc. 4-6), worked by their groups."""

    action_table = staticmethod(lambda: change_actions.TASK)
    summaries = {
        "list": "Change tasks",
        "retrieve": "One change task",
        "create": "Add a task to a change (change coordinator)",
    }
    query = queries.tasks_for
    queryset = ChangeTask.objects.none()
    view_permission = services.VIEW
    change_permission = services.COORDINATE
    record_id = "task_id"
    serializer_class = ChangeTaskSerializer
    create_serializer = ChangeTaskAddSerializer
    create_service = services.task_add
    filterset_class = ChangeTaskFilterSet

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("depends_on")

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "change_id": data["change"],
            "title": data["title"],
            "kind": data["kind"],
            "support_group_id": data.get("support_group"),
            "assignee_id": data.get("assignee"),
            "depends_on": data.get("depends_on") or [],
            "planned_start": data.get("planned_start"),
            "planned_end": data.get("planned_end"),
            "description": data.get("description", ""),
        }


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
    router.register("change-tasks", ChangeTaskViewSet, basename="change-task")
