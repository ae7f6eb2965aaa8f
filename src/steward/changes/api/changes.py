"""/api/v1/changes/: changes, their transitions (one ``POST .../{id}/<step>/`` per row of
``steward.changes.actions.CHANGE``) and ``GET .../{id}/next-steps/`` (seed 003 ch. 3)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.changes import actions as change_actions
from steward.changes import inputs
from steward.changes.choices import ChangeCategory, ChangeType
from steward.changes.filters.changes import ChangeFilterSet
from steward.changes.models import Change
from steward.changes.queries import changes as queries
from steward.changes.services import changes as services
from steward.changes.services import impact as impact_of
from steward.core.api.actions import ActionEndpoints
from steward.core.api.base import (
    GuardedSerializer,
    IdField,
    ServiceCreate,
    ServiceUpdate,
    choice_text,
)
from steward.service_level.models import Service


class ChangeSerializer(serializers.ModelSerializer):
    service_name = serializers.CharField(source="service.name", read_only=True)
    cis = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    incidents = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    services = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    customers = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Change
        fields = ["id", "lock_version", "number", "title", "description", "change_type",
                  "category", "status", "service", "service_name", "coordinator", "template",
                  "requested_by", "planned_start", "planned_end", "actual_start", "actual_end",
                  "plan", "backout_plan", "test_plan", "risk_level", "risk_answers", "impact",
                  "causes_outage", "unavailable_in_service_hours", "functionality_changes",
                  "cmdb_update", "infrastructure_changes", "approval_round", "approved_at",
                  "outcome", "closure_note", "closed_at", "implementer", "cis", "incidents",
                  "services", "customers", "analysed_at", "availability_help_requested_at",
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


class ChangeUpdateSerializer(GuardedSerializer):
    """The fields the change coordinator completes while analysing and planning (proc. 2);
    only those sent change. ``cis`` and ``incidents`` replace the whole list."""

    inputs = inputs.CHANGE_UPDATE

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    category = choice_text(ChangeCategory.choices, required=False)
    planned_start = serializers.DateTimeField(required=False, allow_null=True)
    planned_end = serializers.DateTimeField(
        required=False, allow_null=True, help_text="After planned_start."
    )
    plan = serializers.CharField(required=False, allow_blank=True)
    backout_plan = serializers.CharField(required=False, allow_blank=True)
    test_plan = serializers.CharField(required=False, allow_blank=True)
    coordinator = IdField(required=False, help_text="A change coordinator of the service.")
    cis = serializers.ListField(child=IdField(), required=False, max_length=200)
    incidents = serializers.ListField(child=IdField(), required=False, max_length=200)


class ChangeAnalysisSerializer(GuardedSerializer):
    """The risk and impact questionnaire (proc. 2); every answer is required."""

    inputs = inputs.CHANGE_ANALYSE

    causes_outage = serializers.BooleanField(help_text=dict(impact_of.QUESTIONS)["causes_outage"])
    functionality_changes = serializers.BooleanField(
        help_text=dict(impact_of.QUESTIONS)["functionality_changes"]
    )
    cmdb_update = serializers.BooleanField(help_text=dict(impact_of.QUESTIONS)["cmdb_update"])
    infrastructure_changes = serializers.BooleanField(
        help_text=dict(impact_of.QUESTIONS)["infrastructure_changes"]
    )
    tested = serializers.BooleanField(help_text=dict(impact_of.QUESTIONS)["tested"])
    backout_tested = serializers.BooleanField(help_text=dict(impact_of.QUESTIONS)["backout_tested"])
    users_affected = choice_text(
        list(impact_of.USERS_AFFECTED), help_text=impact_of.USERS_AFFECTED_QUESTION
    )


class ChangeImpactSerializer(serializers.Serializer):
    """The stored risk and impact analysis of a change and the CMDB impact as it is now."""

    risk_level = serializers.CharField()
    risk_answers = serializers.DictField()
    unavailable_in_service_hours = serializers.BooleanField(allow_null=True)
    analysed_at = serializers.DateTimeField(allow_null=True)
    stored = serializers.DictField(help_text="The analysis as recorded (``impact``).")
    live = serializers.DictField(help_text="The CMDB impact of the change's CIs now.")
    service_hours = serializers.DictField(help_text="Whether the window meets service hours now.")


class ChangeViewSet(ActionEndpoints, ServiceCreate, ServiceUpdate):
    """Changes (seed 003 ch. 3): registration, then one endpoint per step of the process."""

    action_table = staticmethod(lambda: change_actions.CHANGE)
    summaries = {
        "list": "Changes",
        "retrieve": "One change",
        "create": "Register a change (from a change template and/or task templates)",
        "partial_update": "Change an open change (title, window, plans, CIs, incidents...)",
    }
    query = queries.changes_for
    queryset = Change.objects.none()
    view_permission = services.VIEW
    change_permission = services.COORDINATE
    record_id = "change_id"
    serializer_class = ChangeSerializer
    create_serializer = ChangeRegisterSerializer
    create_service = services.change_register
    update_serializer = ChangeUpdateSerializer
    update_service = services.change_update
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

    @extend_schema(
        summary="The change's risk and impact analysis, stored and live",
        responses=ChangeImpactSerializer,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def impact(self, request: Request, pk: str | None = None) -> Response:
        change = self.get_object()
        live = impact_of.cmdb_impact(change)
        services = Service.objects.filter(pk__in=[s["id"] for s in live["services"]])
        hours = impact_of.service_hours_overlap(
            change.planned_start, change.planned_end, services.select_related("service_hours")
        )
        body = {
            "risk_level": change.risk_level,
            "risk_answers": change.risk_answers,
            "unavailable_in_service_hours": change.unavailable_in_service_hours,
            "analysed_at": change.analysed_at,
            "stored": change.impact,
            "live": live,
            "service_hours": hours,
        }
        return Response(ChangeImpactSerializer(body).data)


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
    router.register("changes", ChangeViewSet, basename="change")
