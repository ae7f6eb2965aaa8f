"""/api/v1/releases/: releases (seed 003 ch. 10), their transitions (one
``POST .../{id}/<step>/`` per row of ``steward.releases.actions.RELEASE``) and
``GET .../{id}/next-steps/``."""

from typing import Any

from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from steward.core.api.actions import ActionEndpoints
from steward.core.api.base import (
    GuardedSerializer,
    IdField,
    ServiceCreate,
    ServiceUpdate,
    choice_text,
)
from steward.releases import actions as release_actions
from steward.releases import inputs
from steward.releases.choices import ReleaseType
from steward.releases.filters.releases import ReleaseFilterSet
from steward.releases.models import Release
from steward.releases.queries import releases as queries
from steward.releases.services import releases as services

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0}


class ReleaseSerializer(serializers.ModelSerializer):
    service_name = serializers.CharField(source="service.name", read_only=True)
    requests_for_change = serializers.SerializerMethodField(
        help_text="The requests for change in the release (ids of RFCs)."
    )

    class Meta:
        model = Release
        fields = ["id", "lock_version", "number", "title", "description", "service",
                  "service_name", "release_type", "status", "is_backlog", "coordinator",
                  "cab_defined", "cab_meeting", "planned_start", "planned_end", "target_date",
                  "production_at", "closed_at", "plan_notes", "rollback_plan",
                  "estimated_cost", "available_budget", "budget_reference", "justification",
                  "completion_note", "review_held_at", "improvement_suggestions",
                  "review_decisions", "review_published_at", "emergency_change",
                  "requests_for_change", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields

    def get_requests_for_change(self, release: Release) -> list[int]:
        return [h.rfc_id for h in release.rfc_handlings.all()]


class ReleaseRegisterSerializer(GuardedSerializer):
    inputs = inputs.RELEASE_REGISTER

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    service = IdField(help_text="The service the release is for.")
    release_type = choice_text(ReleaseType.choices, required=False)
    planned_start = serializers.DateTimeField(required=False, allow_null=True)
    planned_end = serializers.DateTimeField(required=False, allow_null=True,
                                            help_text="After planned_start.")  # fmt: skip
    target_date = serializers.DateTimeField(required=False, allow_null=True,
                                            help_text="In production by (on time KPI).")  # fmt: skip
    estimated_cost = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    available_budget = serializers.DecimalField(
        required=False, allow_null=True, help_text="The service owner's budget for it.", **MONEY
    )
    budget_reference = serializers.CharField(required=False, allow_blank=True, max_length=60)


class ReleaseUpdateSerializer(GuardedSerializer):
    """The fields the release coordinator keeps current; only those sent change."""

    inputs = inputs.RELEASE_UPDATE

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    release_type = choice_text(ReleaseType.choices, required=False)
    planned_start = serializers.DateTimeField(required=False, allow_null=True)
    planned_end = serializers.DateTimeField(required=False, allow_null=True)
    target_date = serializers.DateTimeField(required=False, allow_null=True)
    estimated_cost = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    available_budget = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    budget_reference = serializers.CharField(required=False, allow_blank=True, max_length=60)
    plan_notes = serializers.CharField(required=False, allow_blank=True)
    rollback_plan = serializers.CharField(required=False, allow_blank=True)


class ReleaseViewSet(ActionEndpoints, ServiceCreate, ServiceUpdate):
    """Releases (seed 003 ch. 10): registration, then one endpoint per step."""

    action_table = staticmethod(lambda: release_actions.RELEASE)
    summaries = {
        "list": "Releases (the backlog release of each service among them)",
        "retrieve": "One release",
        "create": "Register a release (proc. 2)",
        "partial_update": "Change an open release (dates, cost estimate, budget, plans)",
    }
    query = queries.releases_for
    queryset = Release.objects.none()
    view_permission = services.VIEW
    change_permission = services.COORDINATE
    record_id = "release_id"
    serializer_class = ReleaseSerializer
    create_serializer = ReleaseRegisterSerializer
    create_service = services.release_register
    update_serializer = ReleaseUpdateSerializer
    update_service = services.release_update
    filterset_class = ReleaseFilterSet

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("rfc_handlings")

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "title": data["title"],
            "description": data.get("description", ""),
            "service_id": data["service"],
            "release_type": data.get("release_type") or ReleaseType.MINOR,
            "planned_start": data.get("planned_start"),
            "planned_end": data.get("planned_end"),
            "target_date": data.get("target_date"),
            "estimated_cost": data.get("estimated_cost"),
            "available_budget": data.get("available_budget"),
            "budget_reference": data.get("budget_reference", ""),
        }


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
    router.register("releases", ReleaseViewSet, basename="release")
