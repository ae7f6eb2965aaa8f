"""/api/v1/clocks/?record_type=..&record_id=..: the SLA, OLA and UC clocks of any record
with clocks (``core.clocks.register_reader``), read as the record page reads them
(``clocks.reading``). An area may also answer them under the record's own URL
(``GET /api/v1/incidents/{id}/clocks/``) with ``ClockSerializer``.

Who sees them: whoever may see the record; customer-side people only its SLA clocks
(``core.queries.clocks_of``)."""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.duration import duration_iso_string
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from steward.core import clocks, filters, queries
from steward.core.api.base import choice_text
from steward.core.choices import ClockKind, ClockMetric, ClockState
from steward.core.models import SlaClock

DURATION_HELP = "The same time as an ISO 8601 duration (negative: over the target)."


def _iso(seconds: int) -> str:
    return duration_iso_string(timedelta(seconds=seconds))


class ClockSerializer(serializers.ModelSerializer):
    """One clock, read at the time of the request."""

    kind = choice_text(ClockKind.choices, read_only=True, help_text="Whose promise.")
    metric = choice_text(ClockMetric.choices, read_only=True)
    state = choice_text(ClockState.choices, read_only=True)
    name = serializers.CharField(read_only=True, help_text="The target's name.")
    target_id = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="The service level target it measures (/api/v1/service-level-targets/).",
    )
    agreement_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The agreement of that target."
    )
    target_seconds = serializers.IntegerField(read_only=True, help_text="Business seconds.")
    target_duration = serializers.SerializerMethodField(help_text="The target as ISO 8601.")
    elapsed_seconds = serializers.SerializerMethodField(
        help_text="Business seconds used (paused time not counted)."
    )
    elapsed_duration = serializers.SerializerMethodField(help_text=DURATION_HELP)
    remaining_seconds = serializers.SerializerMethodField(
        help_text="Business seconds left before the breach; negative once over the target."
    )
    remaining_duration = serializers.SerializerMethodField(help_text=DURATION_HELP)
    breached = serializers.SerializerMethodField(help_text="Whether the promise is broken.")
    paused_since = serializers.DateTimeField(source="paused_at", read_only=True, allow_null=True)

    class Meta:
        model = SlaClock
        fields = [
            "id", "kind", "metric", "state", "name", "target_id", "agreement_id",
            "target_seconds", "target_duration", "started_at", "elapsed_seconds",
            "elapsed_duration", "remaining_seconds", "remaining_duration", "warning_at",
            "breach_at", "paused_since", "stopped_at", "breached", "met",
        ]  # fmt: skip
        read_only_fields = fields

    def _reading(self, clock: SlaClock) -> clocks.Reading:
        # One reading per clock and answer: every figure of a clock is read at one instant.
        cache = self.context.setdefault("_readings", {})
        if clock.pk not in cache:
            cache[clock.pk] = clocks.reading(clock, self.context.get("now") or timezone.now())
        return cache[clock.pk]

    def get_target_duration(self, clock: SlaClock) -> str:
        return _iso(clock.target_seconds)

    def get_elapsed_seconds(self, clock: SlaClock) -> int:
        return self._reading(clock).elapsed

    def get_elapsed_duration(self, clock: SlaClock) -> str:
        return _iso(self._reading(clock).elapsed)

    def get_remaining_seconds(self, clock: SlaClock) -> int:
        return self._reading(clock).remaining

    def get_remaining_duration(self, clock: SlaClock) -> str:
        return _iso(self._reading(clock).remaining)

    def get_breached(self, clock: SlaClock) -> bool:
        return self._reading(clock).breached


def clocks_response(request: Request, record: Any) -> Response:
    """The clocks of ``record`` (fetched through the area's query) as ``request.user`` may
    read them."""
    rows = queries.clocks_of(request.user, record)
    context = {"request": request, "now": timezone.now()}
    return Response(ClockSerializer(rows, many=True, context=context).data)


class ClockListView(GenericAPIView):
    serializer_class = ClockSerializer
    query_parameters = ("record_type", "record_id")
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        summary="The clocks of a record",
        parameters=[
            OpenApiParameter(
                "record_type",
                OpenApiTypes.STR,
                required=True,
                description="The record's type, e.g. `incidents.incidentrequest`.",
            ),
            OpenApiParameter(
                "record_id", OpenApiTypes.INT, required=True, description="The record's id."
            ),
        ],
        responses=ClockSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        filters.refuse_unknown_parameters(request, self)
        record = queries.measured_record_for(
            request.user,
            request.query_params.get("record_type", ""),
            request.query_params.get("record_id", ""),
        )
        return clocks_response(request, record)
