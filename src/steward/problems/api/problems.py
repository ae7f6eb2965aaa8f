"""/api/v1/problems/: problem investigations (seed 003 ch. 9), their transitions (one
``POST .../{id}/<step>/`` per row of ``steward.problems.actions.PROBLEM``) and
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
from steward.problems import actions as problem_actions
from steward.problems import inputs
from steward.problems.choices import ProblemSource
from steward.problems.filters.problems import ProblemFilterSet
from steward.problems.models import ProblemInvestigation, SolutionOption
from steward.problems.queries import problems as queries
from steward.problems.services import problems as services


class SolutionOptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = SolutionOption
        fields = ["id", "position", "description", "is_recommended"]
        read_only_fields = fields


class ProblemSerializer(serializers.ModelSerializer):
    service_name = serializers.CharField(source="service.name", read_only=True)
    cis = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    incidents = serializers.SerializerMethodField(help_text="The linked incident requests (ids).")
    solution_options = SolutionOptionSerializer(many=True, read_only=True)

    class Meta:
        model = ProblemInvestigation
        fields = ["id", "lock_version", "number", "title", "description", "status", "source",
                  "service", "service_name", "category", "cis", "incidents", "coordinator",
                  "support_group", "specialist", "assigned_at", "workaround",
                  "workaround_steps", "root_cause", "root_cause_found_at",
                  "no_root_cause_reason", "no_solution_reason", "change_management_required",
                  "analysis_outcome", "analysis_completed_at", "fixed_at",
                  "unavailable_in_service_hours", "functionality_changes", "cmdb_update",
                  "review_decision", "reviewed_at", "analysis_rounds", "impasse_reason",
                  "recheck_on", "closure_note", "closure_override_reason", "closed_at",
                  "solution_options", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields

    def get_incidents(self, problem: ProblemInvestigation) -> list[int]:
        return [link.incident_id for link in problem.incident_links.all()]


class ProblemRegisterSerializer(GuardedSerializer):
    inputs = inputs.PROBLEM_REGISTER

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    service = IdField(help_text="The service the problem is in.")
    category = IdField(required=False, allow_null=True, help_text="An incident category.")
    cis = serializers.ListField(child=IdField(), required=False, max_length=200)
    incidents = serializers.ListField(child=IdField(), required=False, max_length=500,
                                      help_text="The incident requests it caused.")  # fmt: skip
    source = choice_text(ProblemSource.choices, required=False)
    support_group = IdField(required=False, allow_null=True)
    specialist = IdField(required=False, allow_null=True,
                         help_text="Assign it at once to this specialist.")  # fmt: skip


class ProblemUpdateSerializer(GuardedSerializer):
    """The fields the problem coordinator keeps current; only those sent change. ``cis``
    replaces the whole list."""

    inputs = inputs.PROBLEM_UPDATE

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    category = IdField(required=False, allow_null=True)
    support_group = IdField(required=False, allow_null=True)
    cis = serializers.ListField(child=IdField(), required=False, max_length=200)


class ProblemAssignSerializer(GuardedSerializer):
    inputs = inputs.PROBLEM_ASSIGN

    specialist = IdField(help_text="The specialist (skills, availability, access rights).")
    support_group = IdField(required=False, allow_null=True, help_text="Their group.")
    note = serializers.CharField(required=False, allow_blank=True)


class ProblemLinkSerializer(GuardedSerializer):
    inputs = inputs.PROBLEM_LINK

    incidents = serializers.ListField(child=IdField(), min_length=1, max_length=500)


class ProblemUnlinkSerializer(GuardedSerializer):
    inputs = inputs.PROBLEM_UNLINK

    incident = IdField(help_text="The linked incident request to unlink.")


class ProblemViewSet(ActionEndpoints, ServiceCreate, ServiceUpdate):
    """Problem investigations (seed 003 ch. 9): registration, then one endpoint per step."""

    action_table = staticmethod(lambda: problem_actions.PROBLEM)
    summaries = {
        "list": "Problem investigations",
        "retrieve": "One problem investigation",
        "create": "Register a problem investigation (proc. 1)",
        "partial_update": "Change an open problem investigation (title, category, CIs, group)",
    }
    query = queries.problems_for
    queryset = ProblemInvestigation.objects.none()
    view_permission = services.VIEW
    change_permission = services.COORDINATE
    record_id = "problem_id"
    serializer_class = ProblemSerializer
    create_serializer = ProblemRegisterSerializer
    create_service = services.problem_register
    update_serializer = ProblemUpdateSerializer
    update_service = services.problem_update
    filterset_class = ProblemFilterSet

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("cis", "incident_links", "solution_options")

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "title": data["title"],
            "description": data.get("description", ""),
            "service_id": data["service"],
            "category_id": data.get("category"),
            "ci_ids": data.get("cis", []),
            "incident_ids": data.get("incidents", []),
            "source": data.get("source") or ProblemSource.INCIDENT_REVIEW,
            "support_group_id": data.get("support_group"),
            "specialist_id": data.get("specialist"),
        }


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
    router.register("problems", ProblemViewSet, basename="problem")
