"""/api/v1/change-kpis/: the Change Management KPIs per week or month, and the request
bodies of recording what a change caused (``POST /api/v1/changes/{id}/caused-incident/``
and ``.../caused-incident-remove/``, rows of ``actions.CHANGE``)."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.changes import inputs
from steward.changes.choices import OPEN_CHANGE_STATUSES
from steward.changes.queries import kpis as queries
from steward.core.api.base import GuardedSerializer, IdField
from steward.core.api.schema import StewardAutoSchema
from steward.core.filters import refuse_unknown_parameters
from steward.service_level.queries import services_for


class ChangeCausedIncidentSerializer(GuardedSerializer):
    inputs = inputs.CHANGE_CAUSED_INCIDENT

    incident = IdField(help_text="The incident request (its id).")
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="A work note on the change."
    )


class ChangeKpiQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(
        choices=[queries.MONTH, queries.WEEK], required=False, default=queries.MONTH
    )
    start = serializers.DateField(required=False, input_formats=["iso-8601"])
    end = serializers.DateField(required=False, input_formats=["iso-8601"])
    service = IdField(required=False)


class ChangeKpiBacklogSerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {str(status.value): serializers.IntegerField() for status in OPEN_CHANGE_STATUSES}


class ChangeKpiPeriodSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="2026-03, or 2026-W11 for a week.")
    start = serializers.DateField(help_text="The period's first day.")
    end = serializers.DateField(help_text="The period's last day.")
    registered = serializers.IntegerField(help_text="Changes registered in the period.")
    emergency = serializers.IntegerField(help_text="Of those, emergency changes.")
    emergency_ratio = serializers.FloatField(allow_null=True, help_text="Percent.")
    ended = serializers.IntegerField(
        help_text="Changes that ended in the period with an outcome other than cancelled."
    )
    successful = serializers.IntegerField(help_text="Of those, closed successfully.")
    success_rate = serializers.FloatField(allow_null=True, help_text="Percent.")
    implemented = serializers.IntegerField(
        help_text="Changes closed successfully or backed out in the period."
    )
    caused_incidents = serializers.IntegerField(
        help_text="Of those, changes with an incident request recorded as caused by them."
    )
    caused_incidents_share = serializers.FloatField(allow_null=True, help_text="Percent.")
    approved = serializers.IntegerField(help_text="Changes approved in the period (measured).")
    approval_median_hours = serializers.FloatField(allow_null=True)
    approval_p90_hours = serializers.FloatField(allow_null=True)
    backlog = ChangeKpiBacklogSerializer(help_text="Open changes per status at the period's end.")
    backlog_total = serializers.IntegerField()


class ChangeKpiTrendSerializer(serializers.Serializer):
    current = serializers.FloatField(allow_null=True)
    previous = serializers.FloatField(allow_null=True)
    direction = serializers.ChoiceField(choices=["up", "down", "same"], allow_null=True)


class ChangeKpiTrendsSerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: ChangeKpiTrendSerializer() for name in queries.TREND_MEASURES}


class ChangeKpisSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="week or month.")
    service = serializers.IntegerField(allow_null=True)
    periods = ChangeKpiPeriodSerializer(many=True, help_text="Oldest first.")
    trends = ChangeKpiTrendsSerializer(help_text="The last period against the one before.")


def kpis_for_query(actor: Any, params: Any) -> dict[str, Any]:
    """The KPIs the query parameters ask for (400 naming a parameter that cannot be used)."""
    query = ChangeKpiQuerySerializer(data=params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    service_id = data.get("service")
    if service_id is not None and not services_for(actor).filter(pk=service_id).exists():
        raise ValidationError({"service": ["There is no service with this id you may see."]})
    try:
        periods = queries.periods_between(data["period"], data.get("start"), data.get("end"))
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict) from None
    kpis = queries.change_kpis(actor, periods, service_id=service_id)
    return {
        "period": data["period"],
        "service": service_id,
        "periods": kpis.periods,
        "trends": kpis.trends(),
    }


class OneAnswerSchema(StewardAutoSchema):
    """The KPIs are one object, though the route is a collection's ``list``."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class ChangeKpiViewSet(viewsets.GenericViewSet):
    """The Change Management KPIs per week or month (default: the last 12 months): change
    success rate, emergency change ratio, changes that caused incidents, approval lead
    time (median and 90th percentile, hours) and the backlog of open changes per status,
    with the trend of the last period against the one before."""

    schema = OneAnswerSchema()
    view_permission = queries.VIEW
    query_parameters = ("period", "start", "end", "service")
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        summary="Change Management KPIs per period",
        parameters=[
            OpenApiParameter("period", str, enum=["month", "week"], description="Default month."),
            OpenApiParameter("start", OpenApiTypes.DATE, description="yyyy-mm-dd: the first period holds it."),
            OpenApiParameter("end", OpenApiTypes.DATE, description="yyyy-mm-dd (default today)."),
            OpenApiParameter("service", OpenApiTypes.INT, description="Only this service's changes."),
        ],
        responses=ChangeKpisSerializer,
    )  # fmt: skip
    def list(self, request: Request) -> Response:
        refuse_unknown_parameters(request, self)
        return Response(
            ChangeKpisSerializer(kpis_for_query(request.user, request.query_params)).data
        )


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
    router.register("change-kpis", ChangeKpiViewSet, basename="change-kpis")
