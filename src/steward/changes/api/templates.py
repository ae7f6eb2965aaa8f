"""/api/v1/change-templates/, /api/v1/task-templates/ and /api/v1/change-policies/: the
reference data of seed 003 ch. 3 proc. 1. Deactivating is ``PATCH {"is_active": false}``;
a task template is removed with ``DELETE``. Edits honour ``If-Match``."""

from typing import Any

from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.changes import inputs
from steward.changes.choices import ChangeCategory, ChangeType, RiskLevel, TaskKind
from steward.changes.filters.templates import (
    ChangePolicyFilterSet,
    ChangeTemplateFilterSet,
    TaskTemplateFilterSet,
)
from steward.changes.models import ChangePolicy, ChangeTemplate, TaskTemplate
from steward.changes.queries import templates as queries
from steward.changes.services import templates as services
from steward.core.api.base import (
    GuardedSerializer,
    IdField,
    ServiceCreate,
    ServiceUpdate,
    choice_text,
)

VIEW = "changes.change.view"
TEMPLATE_TYPES = [c for c in ChangeType.choices if c[0] != ChangeType.EMERGENCY]


class TaskTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaskTemplate
        fields = ["id", "lock_version", "change_template", "name", "kind", "support_group",
                  "position", "description", "after_previous", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields


class ChangeTemplateSerializer(serializers.ModelSerializer):
    task_templates = TaskTemplateSerializer(many=True, read_only=True)
    pre_approved = serializers.BooleanField(read_only=True)

    class Meta:
        model = ChangeTemplate
        fields = ["id", "lock_version", "name", "description", "change_type", "pre_approved",
                  "category", "service", "plan", "backout_plan", "risk_level",
                  "duration_minutes", "is_active", "task_templates", "created_at",
                  "updated_at"]  # fmt: skip
        read_only_fields = fields


class ChangePolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = ChangePolicy
        fields = ["id", "lock_version", "name", "statement", "is_active", "created_at",
                  "updated_at"]  # fmt: skip
        read_only_fields = fields


class ChangeTemplateWriteSerializer(GuardedSerializer):
    inputs = inputs.CHANGE_TEMPLATE

    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    change_type = choice_text(TEMPLATE_TYPES, required=False)
    category = choice_text(ChangeCategory.choices, required=False)
    service = IdField(required=False, allow_null=True, help_text="Empty: any service.")
    plan = serializers.CharField(required=False, allow_blank=True)
    backout_plan = serializers.CharField(required=False, allow_blank=True)
    risk_level = choice_text(RiskLevel.choices, required=False)
    duration_minutes = serializers.IntegerField(required=False, min_value=1, max_value=100_000)
    is_active = serializers.BooleanField(required=False)


class TaskTemplateWriteSerializer(GuardedSerializer):
    inputs = inputs.TASK_TEMPLATE

    name = serializers.CharField(max_length=200)
    kind = choice_text(TaskKind.choices, required=False)
    change_template = IdField(
        required=False, allow_null=True, help_text="Empty: a stand-alone task template."
    )
    support_group = IdField(required=False, allow_null=True)
    position = serializers.IntegerField(required=False, min_value=1, max_value=1000)
    description = serializers.CharField(required=False, allow_blank=True)
    after_previous = serializers.BooleanField(required=False)


class ChangePolicyWriteSerializer(GuardedSerializer):
    inputs = inputs.CHANGE_POLICY

    name = serializers.CharField(max_length=200)
    statement = serializers.CharField(help_text="What the policy requires.")
    is_active = serializers.BooleanField(required=False)


class _Reference(ServiceCreate, ServiceUpdate):
    view_permission = VIEW
    change_permission = services.CHANGE

    def update_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"data": data}


class ChangeTemplateViewSet(_Reference):
    """Change templates (proc. 1): a standard change's pre-approved plan and tasks, or a
    starting point for a normal change."""

    summaries = {
        "list": "Change templates",
        "retrieve": "One change template with its task templates",
        "create": "Add a change template",
        "partial_update": "Change (or deactivate) a change template",
    }
    query = queries.change_templates_for
    queryset = ChangeTemplate.objects.none()
    record_id = "template_id"
    serializer_class = ChangeTemplateSerializer
    create_serializer = ChangeTemplateWriteSerializer
    create_service = services.change_template_create
    update_service = services.change_template_update
    filterset_class = ChangeTemplateFilterSet

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("task_templates")


class TaskTemplateViewSet(_Reference):
    """Task (group) templates (proc. 1): the tasks a change starts with, in order."""

    summaries = {
        "list": "Task templates",
        "retrieve": "One task template",
        "create": "Add a task template",
        "partial_update": "Change a task template (its order, group, kind)",
        "destroy": "Remove a task template",
    }
    query = queries.task_templates_for
    queryset = TaskTemplate.objects.none()
    record_id = "task_template_id"
    serializer_class = TaskTemplateSerializer
    create_serializer = TaskTemplateWriteSerializer
    create_service = services.task_template_create
    update_service = services.task_template_update
    filterset_class = TaskTemplateFilterSet

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.guarded_object()
        services.task_template_delete(actor=request.user, task_template_id=record.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChangePolicyViewSet(_Reference):
    """Change policies (proc. 1, 3): the internal standards a request or a change can
    conflict with."""

    summaries = {
        "list": "Change policies",
        "retrieve": "One change policy",
        "create": "Add a change policy",
        "partial_update": "Change (or deactivate) a change policy",
    }
    query = queries.change_policies_for
    queryset = ChangePolicy.objects.none()
    record_id = "policy_id"
    serializer_class = ChangePolicySerializer
    create_serializer = ChangePolicyWriteSerializer
    create_service = services.change_policy_create
    update_service = services.change_policy_update
    filterset_class = ChangePolicyFilterSet


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
    router.register("change-templates", ChangeTemplateViewSet, basename="changetemplate")
    router.register("task-templates", TaskTemplateViewSet, basename="tasktemplate")
    router.register("change-policies", ChangePolicyViewSet, basename="changepolicy")
