"""/api/v1/release-kpis/: the Release Management KPIs of a period (issue 16, "KPIs"),
every figure of the page "Release KPIs"; /api/v1/release-roadmap/: the releases and CAB
meetings of the roadmap's months."""

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
from steward.releases.queries import kpis as queries
from steward.releases.queries.releases import VIEW as RELEASE_VIEW
from steward.service_level.queries import services_for


class ReleaseKpiQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(
        choices=[value for value, _ in queries.RANGES], required=False, default=queries.LAST_90
    )
    service = IdField(required=False)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False, input_formats=["iso-8601"])
        fields["to"] = serializers.DateField(required=False, input_formats=["iso-8601"])
        return fields


class _ServiceRow(serializers.Serializer):
    service = serializers.IntegerField()
    name = serializers.CharField()


class _OnTimeCounts(serializers.Serializer):
    delivered = serializers.IntegerField(
        help_text="In production in the period, or closed in it without production."
    )
    on_time = serializers.IntegerField(help_text="In production by the target date.")
    late = serializers.IntegerField(help_text="With a target date, not in production by it.")
    no_target = serializers.IntegerField(help_text="Without a target date (counted apart).")
    rate = serializers.FloatField(allow_null=True, help_text="Percent on time of on time + late.")


class _OnTimeService(_ServiceRow, _OnTimeCounts):
    pass


class _OnTime(serializers.Serializer):
    services = _OnTimeService(many=True)
    total = _OnTimeCounts()


class _LargestRelease(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    service = serializers.CharField()
    rfcs = serializers.IntegerField()


class _RfcSummary(serializers.Serializer):
    releases = serializers.IntegerField(help_text="Releases registered in the period.")
    rfcs = serializers.IntegerField(help_text="Requests for change in them, now.")
    median = serializers.FloatField(allow_null=True)
    mean = serializers.FloatField(allow_null=True)
    max = serializers.IntegerField(allow_null=True)
    largest = _LargestRelease(many=True, help_text="Every release holding the max (ties).")


class _RfcService(_ServiceRow, _RfcSummary):
    pass


class _RfcsPerRelease(_RfcSummary):
    services = _RfcService(many=True)


class _DaysSummary(serializers.Serializer):
    count = serializers.IntegerField(help_text="Requests for change measured.")
    median_days = serializers.FloatField(allow_null=True)
    mean_days = serializers.FloatField(allow_null=True)
    p90_days = serializers.FloatField(allow_null=True, help_text="Nearest rank.")


class _DaysService(_ServiceRow, _DaysSummary):
    pass


class _InclusionToProduction(_DaysSummary):
    releases = serializers.IntegerField(help_text="The releases they were in.")
    services = _DaysService(many=True)


class _RollbackCounts(serializers.Serializer):
    rollbacks = serializers.IntegerField(help_text="Rollbacks performed in the period.")
    rolled_back = serializers.IntegerField(help_text="Releases they rolled back.")
    deployed = serializers.IntegerField(help_text="Releases in production in the period.")
    share = serializers.FloatField(allow_null=True, help_text="Percent rolled back of deployed.")


class _RollbackService(_ServiceRow, _RollbackCounts):
    pass


class _Rollbacks(serializers.Serializer):
    services = _RollbackService(many=True)
    total = _RollbackCounts()


class _Round(serializers.Serializer):
    round = serializers.CharField(help_text="1, 2 or 3+.")
    decided = serializers.IntegerField()
    approved = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="Percent.")


class _BusinessCases(serializers.Serializer):
    decided = serializers.IntegerField(help_text="Business cases decided in the period.")
    approved = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="Percent.")
    rounds = _Round(many=True)


class _CabCounts(serializers.Serializer):
    meetings = serializers.IntegerField(help_text="Meetings that decided a request.")
    rejected = serializers.IntegerField()
    included = serializers.IntegerField()
    backlog = serializers.IntegerField()
    decided = serializers.IntegerField()


class _CabService(_ServiceRow, _CabCounts):
    pass


class _CabOutcomes(serializers.Serializer):
    held = serializers.IntegerField(help_text="CAB meetings held in the period.")
    services = _CabService(many=True)
    total = _CabCounts()


class _BacklogService(_ServiceRow):
    release = serializers.IntegerField(help_text="The backlog release.")
    number = serializers.CharField()
    rfcs = serializers.IntegerField()


class _Backlog(serializers.Serializer):
    services = _BacklogService(many=True)
    total = serializers.IntegerField()


class ReleaseKpisSerializer(serializers.Serializer):
    service = serializers.IntegerField(allow_null=True)
    on_time = _OnTime()
    rfcs_per_release = _RfcsPerRelease()
    inclusion_to_production = _InclusionToProduction()
    rollbacks = _Rollbacks()
    business_cases = _BusinessCases()
    cab_outcomes = _CabOutcomes()
    backlog = _Backlog(help_text="Now, whatever the period.")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(help_text="The period's first day.")
        fields["to"] = serializers.DateField(help_text="The period's last day.")
        return fields


def _service(actor: Any, service_id: int | None) -> int | None:
    if service_id is not None and not services_for(actor).filter(pk=service_id).exists():
        raise ValidationError({"service": ["There is no service with this id you may see."]})
    return service_id


def kpis_for_query(actor: Any, params: Any) -> dict[str, Any]:
    """The KPIs the query parameters ask for (400 naming a parameter that cannot be used)."""
    query = ReleaseKpiQuerySerializer(data=params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    service_id = _service(actor, data.get("service"))
    try:
        period = queries.period_for(data["period"], data.get("from"), data.get("to"))
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict) from None
    return queries.release_kpis(actor, period, service_id)


class OneAnswerSchema(StewardAutoSchema):
    """The answer is one object, though the route is a collection's ``list``."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class ReleaseKpiViewSet(viewsets.GenericViewSet):
    """The Release Management KPIs of a period (default: the last 90 days), overall and
    per service: releases on time, requests for change per release, time from CAB
    inclusion to production, rollbacks, business cases approved, the CAB outcomes of the
    period's meetings and the backlog per service now."""

    schema = OneAnswerSchema()
    view_permission = queries.VIEW
    query_parameters = ("period", "from", "to", "service")
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        summary="Release Management KPIs of a period",
        parameters=[
            OpenApiParameter("period", str, enum=[v for v, _ in queries.RANGES], description="Default 90 (the last 90 days)."),
            OpenApiParameter("from", OpenApiTypes.DATE, description="yyyy-mm-dd, the first day."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="yyyy-mm-dd, the last day (default today)."),
            OpenApiParameter("service", OpenApiTypes.INT, description="Only this service."),
        ],
        responses=ReleaseKpisSerializer,
    )  # fmt: skip
    def list(self, request: Request) -> Response:
        refuse_unknown_parameters(request, self)
        return Response(
            ReleaseKpisSerializer(kpis_for_query(request.user, request.query_params)).data
        )


class RoadmapQuerySerializer(serializers.Serializer):
    service = IdField(required=False)
    behind = serializers.IntegerField(
        required=False, min_value=0, max_value=queries.MAX_MONTHS, default=queries.BEHIND
    )
    ahead = serializers.IntegerField(
        required=False, min_value=1, max_value=queries.MAX_MONTHS, default=queries.AHEAD
    )


class RoadmapReleaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    service = serializers.IntegerField(source="service_id")
    service_name = serializers.CharField(source="service.name")
    status = serializers.CharField()
    release_type = serializers.CharField()
    planned_start = serializers.DateTimeField(allow_null=True)
    planned_end = serializers.DateTimeField(allow_null=True)
    target_date = serializers.DateTimeField(allow_null=True)
    production_at = serializers.DateTimeField(allow_null=True)


class RoadmapMeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    cab = serializers.IntegerField(source="cab_id")
    service = serializers.IntegerField(source="cab.service_id")
    service_name = serializers.CharField(source="cab.service.name")
    status = serializers.CharField()
    starts_at = serializers.DateTimeField()
    place = serializers.CharField()


class RoadmapSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="The first month's first moment.")
    end = serializers.DateTimeField(help_text="The moment after the last month.")
    service = serializers.IntegerField(allow_null=True)
    releases = RoadmapReleaseSerializer(many=True)
    meetings = RoadmapMeetingSerializer(many=True)


class RoadmapViewSet(viewsets.GenericViewSet):
    """The release roadmap: the releases (not abandoned, not backlog) whose deployment
    window or target date falls in the months around today, and the CAB meetings of
    those months (not cancelled), per service."""

    schema = OneAnswerSchema()
    view_permission = RELEASE_VIEW
    query_parameters = ("service", "behind", "ahead")
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        summary="The release roadmap",
        parameters=[
            OpenApiParameter("service", OpenApiTypes.INT, description="Only this service."),
            OpenApiParameter("behind", OpenApiTypes.INT, description=f"Months before this one (0-{queries.MAX_MONTHS}, default {queries.BEHIND})."),
            OpenApiParameter("ahead", OpenApiTypes.INT, description=f"Months after this one (1-{queries.MAX_MONTHS}, default {queries.AHEAD})."),
        ],
        responses=RoadmapSerializer,
    )  # fmt: skip
    def list(self, request: Request) -> Response:
        refuse_unknown_parameters(request, self)
        query = RoadmapQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        service_id = _service(request.user, data.get("service"))
        window = queries.roadmap_window(data["behind"], data["ahead"])
        found = queries.roadmap(request.user, window, service_id)
        answer = {"start": window.start, "end": window.end, "service": service_id, **found}
        return Response(RoadmapSerializer(answer).data)


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
    router.register("release-kpis", ReleaseKpiViewSet, basename="release-kpis")
    router.register("release-roadmap", RoadmapViewSet, basename="release-roadmap")
