"""/api/v1/solutions/: solutions for general use (seed 003 ch. 8 procedures 4, 6, 7; IRP
SG2-SG3): propose, improve, activate or reject (the group coordinator of the solution's
group), retire, use on a request, and the suggestions shown while registering a request."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.configuration.models import CIClass, ConfigurationItem
from steward.configuration.queries.cis import ci_classes_for, cis_for
from steward.core.api.actions import ActionEndpoints
from steward.core.api.base import (
    GuardedSerializer,
    InternalFieldsHidden,
    ServiceCreate,
    choice_text,
    visible,
)
from steward.core.models import SupportGroup
from steward.core.queries import groups_for
from steward.incidents import actions as incident_actions
from steward.incidents import inputs, search
from steward.incidents.choices import SolutionStatus
from steward.incidents.filters.solutions import SolutionFilterSet
from steward.incidents.models import Category, IncidentRequest, Solution
from steward.incidents.queries import solutions as queries
from steward.incidents.services import solutions as services
from steward.service_level.models import Service
from steward.service_level.queries import services_for


def _incidents_for(actor: Any) -> Any:
    from steward.incidents.queries.incidents import incidents_for

    return incidents_for(actor)


class SolutionSerializer(InternalFieldsHidden, serializers.ModelSerializer):
    # The provider's working papers: who proposed and decided it, and the decision note.
    internal_fields = ("support_group", "support_group_name", "proposed_by", "from_incident",
                       "decided_by", "decision_note")  # fmt: skip

    status = choice_text(SolutionStatus.choices, read_only=True)
    service_name = serializers.CharField(source="service.name", read_only=True, default=None)
    ci_class_name = serializers.CharField(source="ci_class.name", read_only=True, default=None)
    support_group_name = serializers.CharField(
        source="support_group.name", read_only=True, default=None
    )

    class Meta:
        model = Solution
        fields = ["id", "lock_version", "number", "title", "symptoms", "body", "is_workaround", "status",
                  "service", "service_name", "ci_class", "ci_class_name", "category",
                  "support_group", "support_group_name", "proposed_by", "from_incident",
                  "decided_by", "decided_at", "decision_note", "use_count", "created_at",
                  "updated_at"]  # fmt: skip
        read_only_fields = fields


class SolutionUpdateSerializer(GuardedSerializer):
    inputs = inputs.SOLUTION
    title = serializers.CharField(max_length=200, required=False)
    symptoms = serializers.CharField(required=False, allow_blank=True)
    body = serializers.CharField(required=False)
    is_workaround = serializers.BooleanField(required=False)
    service = visible(services_for, Service, required=False, allow_null=True)
    ci_class = visible(ci_classes_for, CIClass, required=False, allow_null=True)
    category = visible(queries.solution_categories_for, Category, required=False, allow_null=True)


class SolutionProposeSerializer(SolutionUpdateSerializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField()
    support_group = visible(
        groups_for,
        SupportGroup,
        required=False,
        allow_null=True,
        help_text="Whose group coordinator approves it; default: the group of from_incident.",
    )
    from_incident = visible(
        _incidents_for,
        IncidentRequest,
        required=False,
        allow_null=True,
        help_text="The request whose resolution this solution generalises.",
    )


class SolutionActivateSerializer(SolutionUpdateSerializer):
    inputs = inputs.SOLUTION_DECISION
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SolutionRejectSerializer(GuardedSerializer):
    inputs = inputs.SOLUTION_NOTE
    note = serializers.CharField(help_text="Why it is not for general use; the proposer is told.")


class SolutionNoteSerializer(GuardedSerializer):
    inputs = inputs.SOLUTION_NOTE
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SolutionUseRequestSerializer(GuardedSerializer):
    inputs = inputs.SOLUTION_USE
    incident = visible(_incidents_for, IncidentRequest, help_text="The request it was used on.")


class SolutionSuggestQuerySerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    service = visible(services_for, Service, required=False, allow_null=True)
    ci = visible(cis_for, ConfigurationItem, many=True, required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=20, default=5)


class SolutionSuggestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    symptoms = serializers.CharField()
    body = serializers.CharField()
    is_workaround = serializers.BooleanField()
    service = serializers.IntegerField(source="service_id", allow_null=True)
    ci_class = serializers.IntegerField(source="ci_class_id", allow_null=True)
    use_count = serializers.IntegerField()
    score = serializers.FloatField(help_text="Text relevance times the service/CI class boosts.")
    same_service = serializers.BooleanField()
    same_ci_class = serializers.BooleanField()


class SolutionViewSet(ActionEndpoints, ServiceCreate):
    # activate, reject, retire, reactivate, resubmit (steward.incidents.actions.SOLUTION).
    action_table = staticmethod(lambda: incident_actions.SOLUTION)
    summaries = {
        "list": "Solutions (customer people: active ones only); q= searches their text",
        "create": "Propose a solution for general use (procedures 4 and 6)",
        "partial_update": "Improve a solution (its group coordinator; the proposer while proposed)",
    }
    query = queries.solutions_for
    queryset = Solution.objects.none()
    view_permission = queries.VIEW
    change_permission = services.PROPOSE
    record_id = "solution_id"
    serializer_class = SolutionSerializer
    create_serializer = SolutionProposeSerializer
    create_service = services.solution_propose
    update_serializer = SolutionUpdateSerializer
    filterset_class = SolutionFilterSet

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        # The proposer or the group coordinator: the service decides who, not a right.
        solution = self.get_object()
        return self.act(services.solution_update, solution, data=self.validated(partial=True))

    @extend_schema(
        summary="Record that the solution was used on an incident request",
        request=SolutionUseRequestSerializer,
        responses=SolutionSerializer,
    )
    @action(detail=True, methods=["post"])
    def use(self, request: Request, pk: str | None = None) -> Response:
        solution = self.get_object()
        incident = self.validated(SolutionUseRequestSerializer)["incident"]
        return self.act(services.solution_use, solution, incident_id=incident.pk)

    @extend_schema(
        summary="Solutions to suggest for a request being registered, best first",
        parameters=[
            OpenApiParameter("text", OpenApiTypes.STR, description="Title and description."),
            OpenApiParameter("service", OpenApiTypes.INT, description="The affected service."),
            OpenApiParameter(
                "ci", OpenApiTypes.INT, many=True, description="Affected CIs (repeatable)."
            ),
            OpenApiParameter("limit", OpenApiTypes.INT, description="1-20, default 5."),
        ],
        responses=SolutionSuggestionSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def suggest(self, request: Request) -> Response:
        params = SolutionSuggestQuerySerializer(
            data=request.query_params, context=self.get_serializer_context()
        )
        params.is_valid(raise_exception=True)
        data = params.validated_data
        found = search.suggest_solutions(
            actor=request.user,
            text=data["text"],
            service=data.get("service"),
            cis=data.get("ci") or (),
            limit=data["limit"],
        )
        return Response(SolutionSuggestionSerializer(found, many=True).data)


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
    router.register("solutions", SolutionViewSet, basename="solution")
