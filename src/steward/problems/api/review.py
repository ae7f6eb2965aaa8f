"""/api/v1/problem-review/: the Incident Request Review (seed 003 ch. 9 proc. 1) for the
problem coordinator: the incident requests of the last ``days`` days not linked to a
problem, grouped by service, category and CI, and the specialists' hints. Linking is
``POST /api/v1/problems/{id}/link-incidents/``; registering ``POST /api/v1/problems/``."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.core.api.base import IdField
from steward.core.api.schema import StewardAutoSchema
from steward.core.filters import refuse_unknown_parameters
from steward.problems.queries import review as queries
from steward.problems.services.problems import COORDINATE


class ProblemReviewQuerySerializer(serializers.Serializer):
    service = IdField(required=False)
    days = serializers.IntegerField(
        required=False, min_value=1, max_value=queries.MAX_DAYS, default=queries.DEFAULT_DAYS
    )


class ProblemReviewGroupSerializer(serializers.Serializer):
    service = serializers.IntegerField(source="service.pk")
    category = serializers.IntegerField(source="category.pk", allow_null=True, default=None)
    ci = serializers.IntegerField(source="ci.pk", allow_null=True, default=None)
    ci_class = serializers.IntegerField(source="ci_class.pk", allow_null=True, default=None)
    count = serializers.IntegerField(help_text="Unlinked requests of the group in the period.")
    incidents = serializers.SerializerMethodField(
        help_text=f"The newest {queries.PER_GROUP} of them (ids)."
    )

    def get_incidents(self, group: queries.Group) -> list[int]:
        return [i.pk for i in group.incidents]


class ProblemReviewHintSerializer(serializers.Serializer):
    incident = serializers.IntegerField(source="pk")
    number = serializers.CharField()
    service = serializers.IntegerField(source="service_id")
    informed_at = serializers.DateTimeField(source="problem_coordinator_informed_at")
    informed_by = serializers.SerializerMethodField(help_text="The resolver, else the assignee.")
    note = serializers.SerializerMethodField(
        help_text="The journal line of the hint: who informed whom, and their note."
    )

    def get_note(self, incident: Any) -> str:
        return self.context.get("notes", {}).get(incident.pk, "")

    def get_informed_by(self, incident: Any) -> int | None:
        who = queries.informed_by(incident)
        return who.pk if who else None


class ProblemReviewSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    since = serializers.DateTimeField()
    services = serializers.SerializerMethodField(help_text="The services reviewed (ids).")
    groups = ProblemReviewGroupSerializer(many=True, help_text="Largest first.")
    more_groups = serializers.BooleanField(help_text="More groups exist than are listed.")
    hints = ProblemReviewHintSerializer(many=True, help_text="Newest hint first.")

    def get_services(self, review: queries.Review) -> list[int]:
        return [s.pk for s in review.services]


class OneAnswerSchema(StewardAutoSchema):
    """The review is one object, though the route is a collection's ``list``."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class ProblemReviewViewSet(viewsets.GenericViewSet):
    """The incident requests not linked to a problem, grouped by what they share, and the
    specialists' hints, of the services the caller coordinates problems for."""

    schema = OneAnswerSchema()
    view_permission = COORDINATE
    query_parameters = ("service", "days")
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        summary="Incident request review (proc. 1)",
        parameters=[
            OpenApiParameter("service", OpenApiTypes.INT, description="Only this service."),
            OpenApiParameter("days", OpenApiTypes.INT, description="The last 1-365 days (90)."),
        ],
        responses=ProblemReviewSerializer,
    )  # fmt: skip
    def list(self, request: Request) -> Response:
        refuse_unknown_parameters(request, self)
        query = ProblemReviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        try:
            review = queries.review(request.user, service_id=data.get("service"), days=data["days"])
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        notes = queries.hint_notes(review.hints)
        return Response(ProblemReviewSerializer(review, context={"notes": notes}).data)


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
    router.register("problem-review", ProblemReviewViewSet, basename="problem-review")
