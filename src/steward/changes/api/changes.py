"""/api/v1/changes/: changes, their transitions (one ``POST .../{id}/<step>/`` per row of
``steward.changes.actions.CHANGE``) and ``GET .../{id}/next-steps/`` (seed 003 ch. 3)."""

from typing import Any

from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from steward.changes import actions as change_actions
from steward.changes import inputs
from steward.changes.choices import ChangeCategory, ChangeType
from steward.changes.filters.changes import ChangeFilterSet
from steward.changes.models import Change
from steward.changes.queries import changes as queries
from steward.changes.services import changes as services
from steward.core.api.actions import ActionEndpoints
from steward.core.api.base import GuardedSerializer, IdField, ServiceCreate, choice_text


class ChangeSerializer(serializers.ModelSerializer):
    service_name = serializers.CharField(source="service.name", read_only=True)
    cis = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    incidents = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Change
        fields = ["id", "lock_version", "number", "title", "description", "change_type",
                  "category", "status", "service", "service_name", "coordinator", "template",
                  "requested_by", "planned_start", "planned_end", "actual_start", "actual_end",
                  "plan", "backout_plan", "test_plan", "risk_level", "risk_answers", "impact",
                  "causes_outage", "unavailable_in_service_hours", "functionality_changes",
                  "cmdb_update", "infrastructure_changes", "approval_round", "approved_at",
                  "outcome", "closure_note", "closed_at", "implementer", "cis", "incidents",
                  "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields


class ChangeRegisterSerializer(GuardedSerializer):
    inputs = inputs.CHANGE_REGISTER

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    service = IdField(help_text="The service the change is for.")
    change_type = choice_text(
        [(ChangeType.STANDARD, "Standard"), (ChangeType.NORMAL, "Normal")], required=False
    )
    category = choice_text(ChangeCategory.choices, required=False)
    template = IdField(required=False, allow_null=True, help_text="A change template.")
    task_templates = serializers.ListField(child=IdField(), required=False)
    coordinator = IdField(required=False, allow_null=True)
    cis = serializers.ListField(child=IdField(), required=False)


class ChangeViewSet(ActionEndpoints, ServiceCreate):
    """Changes (seed 003 ch. 3): registration, then one endpoint per step of the process."""

    action_table = staticmethod(lambda: change_actions.CHANGE)
    summaries = {
        "list": "Changes",
        "retrieve": "One change",
        "create": "Register a change (from a change template and/or task templates)",
    }
    query = queries.changes_for
    queryset = Change.objects.none()
    view_permission = services.VIEW
    change_permission = services.COORDINATE
    record_id = "change_id"
    serializer_class = ChangeSerializer
    create_serializer = ChangeRegisterSerializer
    create_service = services.change_register
    filterset_class = ChangeFilterSet

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("cis", "incidents")

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "title": data["title"],
            "description": data.get("description", ""),
            "service_id": data["service"],
            "change_type": data.get("change_type") or ChangeType.NORMAL,
            "category": data.get("category") or ChangeCategory.INFRASTRUCTURE,
            "template_id": data.get("template"),
            "task_template_ids": data.get("task_templates", []),
            "coordinator_id": data.get("coordinator"),
            "ci_ids": data.get("cis", []),
        }


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
    router.register("changes", ChangeViewSet, basename="change")
