"""/api/v1/problem-kpis/: the Problem Management reports and KPIs of a period (issue 15),
every figure of the page "Problem KPIs" as JSON."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.core.api.schema import StewardAutoSchema
from steward.core.filters import refuse_unknown_parameters
from steward.problems.queries import kpis as queries


class ProblemKpiQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(
        choices=[value for value, _ in queries.RANGES], required=False, default=queries.QUARTER
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False, input_formats=["iso-8601"])
        fields["to"] = serializers.DateField(required=False, input_formats=["iso-8601"])
        return fields


class ProblemKpiSummarySerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Root causes found.")
    median_days = serializers.FloatField(allow_null=True)
    mean_days = serializers.FloatField(allow_null=True)
    p90_days = serializers.FloatField(allow_null=True, help_text="Nearest rank.")


class ProblemKpiServiceTimeSerializer(ProblemKpiSummarySerializer):
    service = serializers.CharField()


class ProblemKpiMonthTimeSerializer(ProblemKpiSummarySerializer):
    month = serializers.CharField(help_text="yyyy-mm, the month the root cause was found.")


class ProblemKpiRootCauseTimeSerializer(ProblemKpiSummarySerializer):
    services = ProblemKpiServiceTimeSerializer(many=True)
    months = ProblemKpiMonthTimeSerializer(many=True)


class ProblemKpiAgeServiceSerializer(serializers.Serializer):
    service = serializers.IntegerField()
    name = serializers.CharField()
    counts = serializers.ListField(child=serializers.IntegerField(), help_text="Per bucket.")
    total = serializers.IntegerField()


class ProblemKpiAgeSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="The moment the ages are measured at.")
    buckets = serializers.ListField(child=serializers.CharField())
    services = ProblemKpiAgeServiceSerializer(many=True)
    totals = serializers.ListField(child=serializers.IntegerField())
    total = serializers.IntegerField()


class ProblemKpiBucketSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="Linked incidents: 0, 1, 2-4, 5-9, 10+.")
    problems = serializers.IntegerField()


class ProblemKpiTopProblemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    service = serializers.CharField()
    status = serializers.CharField()
    incidents = serializers.IntegerField()


class ProblemKpiIncidentsSerializer(serializers.Serializer):
    problems = serializers.IntegerField(help_text="Problems registered in the period.")
    incidents = serializers.IntegerField(help_text="Their linked incident requests.")
    mean = serializers.FloatField(allow_null=True)
    distribution = ProblemKpiBucketSerializer(many=True)
    top = ProblemKpiTopProblemSerializer(many=True)


class ProblemKpiKnownErrorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    service = serializers.CharField()
    problem = serializers.IntegerField()
    problem_number = serializers.CharField()
    rfc = serializers.CharField(allow_null=True, help_text="Its request for change, if any.")
    age_days = serializers.IntegerField()


class ProblemKpiKnownErrorsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    known_errors = ProblemKpiKnownErrorSerializer(many=True)


class ProblemKpiRecurredSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    service = serializers.CharField()
    closed_at = serializers.DateTimeField()
    relinked = serializers.BooleanField(help_text="Incidents linked after closing.")
    same_kind = serializers.BooleanField(
        help_text="Incidents of its service with a linked incident's category or CI after closing."
    )


class ProblemKpiRecurrenceSerializer(serializers.Serializer):
    closed = serializers.IntegerField(help_text="Problems closed in the period.")
    recurred = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="Percent.")
    problems = ProblemKpiRecurredSerializer(many=True)


class ProblemKpiCauseSerializer(ProblemKpiTopProblemSerializer):
    root_cause = serializers.CharField(allow_blank=True)
    known_errors = serializers.ListField(child=serializers.CharField())
    weight = serializers.IntegerField(help_text="Priority 1 counts 8, 2: 4, 3: 2, 4: 1.")


class ProblemKpiCategorySerializer(serializers.Serializer):
    category = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    incidents = serializers.IntegerField()
    weight = serializers.IntegerField()


class ProblemKpiCausesSerializer(serializers.Serializer):
    causes = ProblemKpiCauseSerializer(many=True)
    unexplained = serializers.IntegerField(help_text="Incidents of the period with no problem.")
    linked = serializers.IntegerField(help_text="Incidents of the period with a problem.")
    categories = ProblemKpiCategorySerializer(many=True, help_text="Of the unexplained ones.")


class ProblemKpisSerializer(serializers.Serializer):
    open_by_age = ProblemKpiAgeSerializer(help_text="Open problems now, per service and age.")
    incidents_per_problem = ProblemKpiIncidentsSerializer()
    time_to_root_cause = ProblemKpiRootCauseTimeSerializer()
    known_errors_without_change = ProblemKpiKnownErrorsSerializer()
    recurrence = ProblemKpiRecurrenceSerializer()
    top_causes = ProblemKpiCausesSerializer()

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(help_text="The period's first day.")
        fields["to"] = serializers.DateField(help_text="The period's last day.")
        return fields


def kpis_for_query(actor: Any, params: Any) -> dict[str, Any]:
    """The figures of the period the query asks for (400 naming what cannot be used)."""
    query = ProblemKpiQuerySerializer(data=params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    try:
        period = queries.period_for(data["period"], data.get("from"), data.get("to"))
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict) from None
    return queries.problem_kpis(actor, period)


class OneAnswerSchema(StewardAutoSchema):
    """The KPIs are one object, though the route is a collection's ``list``."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class ProblemKpiViewSet(viewsets.GenericViewSet):
    """The Problem Management reports of a period (default: this quarter): open problems
    by age and service, incidents per problem, time to root cause, known errors without a
    change, recurrence after closure and the top incident causes (lessons learned)."""

    schema = OneAnswerSchema()
    view_permission = queries.VIEW
    query_parameters = ("period", "from", "to")
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        summary="Problem Management KPIs of a period",
        parameters=[
            OpenApiParameter("period", str, enum=[v for v, _ in queries.RANGES], description="Default quarter (this one)."),
            OpenApiParameter("from", OpenApiTypes.DATE, description="yyyy-mm-dd, the first day."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="yyyy-mm-dd, the last day (default today)."),
        ],
        responses=ProblemKpisSerializer,
    )  # fmt: skip
    def list(self, request: Request) -> Response:
        refuse_unknown_parameters(request, self)
        return Response(
            ProblemKpisSerializer(kpis_for_query(request.user, request.query_params)).data
        )


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
    router.register("problem-kpis", ProblemKpiViewSet, basename="problem-kpis")
