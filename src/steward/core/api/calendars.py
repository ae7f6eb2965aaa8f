"""/api/v1/calendars/: business calendars with their weekly hours and holidays, and the
business-time calculator (when is this due? how much working time lies between?).

Reads go through ``steward.core.queries``; writes call ``steward.core.services.calendars``.
Each write first fetches the calendar (404 for what the caller may not see), then checks
the right to change it (403), and only then validates the payload (400).
"""

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.dateparse import parse_datetime, parse_duration
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.core import calendars as business_time
from steward.core import inputs, queries
from steward.core.api.base import GuardedSerializer, ServiceCreate, ServiceUpdate
from steward.core.errors import DomainError
from steward.core.filters import BusinessCalendarFilterSet
from steward.core.models import BusinessCalendar, Holiday, WorkingPeriod
from steward.core.services import calendars as svc

CHANGE = "core.calendar.change"
# Ten years of working time is far beyond any service target; larger asks are typos.
MAX_DURATION = timedelta(days=3660)
DURATION_HELP = "Seconds (3600), hours and minutes (04:30) or ISO 8601 (PT4H30M)."
MOMENT_HELP = (
    "ISO 8601 date and time, e.g. 2025-03-03T09:00:00+01:00 (encode '+' as %2B); "
    "without an offset it is read as the calendar's local time."
)


# --- Serializers -----------------------------------------------------------------------


class WorkingPeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkingPeriod
        fields = ["id", "weekday", "start_time", "end_time"]
        read_only_fields = ["id"]
        extra_kwargs = {"end_time": {"help_text": "00:00 means midnight at the end of the day."}}


class HolidaySerializer(GuardedSerializer, serializers.ModelSerializer):
    inputs = inputs.HOLIDAY

    class Meta:
        model = Holiday
        fields = ["id", "date", "name"]
        read_only_fields = ["id"]


class BusinessCalendarSerializer(GuardedSerializer, serializers.ModelSerializer):
    inputs = inputs.CALENDAR

    periods = WorkingPeriodSerializer(
        many=True,
        required=False,
        help_text="The weekly working hours; when given, they replace the current ones.",
    )
    holidays = HolidaySerializer(many=True, read_only=True)

    class Meta:
        model = BusinessCalendar
        fields = [
            "id", "lock_version", "name", "time_zone", "description", "periods", "holidays",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"time_zone": {"help_text": "IANA time zone name, e.g. Europe/Amsterdam."}}


class BusinessTimeQuerySerializer(serializers.Serializer):
    start = serializers.CharField(help_text=MOMENT_HELP)
    duration = serializers.CharField(
        required=False, help_text=f"Business time to add to start. {DURATION_HELP}"
    )
    end = serializers.CharField(
        required=False, help_text=f"Measure business time from start to here. {MOMENT_HELP}"
    )


class BusinessTimeDueSerializer(serializers.Serializer):
    start = serializers.DateTimeField(default_timezone=UTC)
    duration_seconds = serializers.FloatField()
    due = serializers.DateTimeField(
        default_timezone=UTC, help_text="When the business time runs out (UTC)."
    )


class BusinessTimeSpanSerializer(serializers.Serializer):
    start = serializers.DateTimeField(default_timezone=UTC)
    end = serializers.DateTimeField(default_timezone=UTC)
    business_seconds = serializers.FloatField(help_text="Negative when end is before start.")


# --- Parameter parsing ----------------------------------------------------------------

_HH_MM = re.compile(r"(\d+):([0-5]\d)(?::([0-5]\d))?")
_SECONDS = re.compile(r"\d+(?:\.\d+)?")
# A '+' left unencoded in a query string arrives as a space before the offset.
_SPACED_OFFSET = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?) (\d{2}(?::?\d{2})?)$")


def parse_business_duration(text: str) -> timedelta:
    """A duration from seconds, HH:MM[:SS] or ISO 8601; ValueError with a message."""
    value = text.strip()
    result: timedelta | None = None
    try:
        if _SECONDS.fullmatch(value):
            result = timedelta(seconds=float(value))
        elif match := _HH_MM.fullmatch(value):
            hours, minutes, seconds = (int(part or 0) for part in match.groups())
            result = timedelta(hours=hours, minutes=minutes, seconds=seconds)
        elif value[:1] in {"P", "p", "-"}:
            result = parse_duration(value.upper())
    except (ValueError, OverflowError):
        result = None
    if result is None:
        raise ValueError(f"Give the duration as {DURATION_HELP[0].lower()}{DURATION_HELP[1:]}")
    if result < timedelta(0):
        raise ValueError("The duration must not be negative.")
    if result > MAX_DURATION:
        raise ValueError(f"At most {MAX_DURATION.days} days of business time.")
    return result


def parse_moment(text: str, zone: ZoneInfo) -> datetime:
    """An aware datetime; without an offset, a wall time in ``zone``."""
    value = _SPACED_OFFSET.sub(r"\1+\2", text.strip())
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        raise ValueError("Give a date and time like 2025-03-03T09:00:00+01:00.")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _seconds(delta: timedelta) -> float | int:
    seconds = delta / timedelta(seconds=1)
    return int(seconds) if seconds.is_integer() else seconds


# --- Viewset ---------------------------------------------------------------------------


class BusinessCalendarViewSet(ServiceCreate, ServiceUpdate):
    summaries = {
        "list": "Business calendars",
        "retrieve": "One business calendar with its hours and holidays",
        "create": "Create a business calendar",
        "update": "Change a business calendar",
        "partial_update": "Change some fields of a business calendar",
    }
    # PUT too: a calendar is replaced whole as well as changed field by field.
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    created_routes = {"holidays": ("calendar-holidays", "record")}
    query = queries.calendars_for
    queryset = BusinessCalendar.objects.none()
    view_permission = "core.calendar.view"
    change_permission = CHANGE
    record_id = "calendar_id"
    serializer_class = BusinessCalendarSerializer
    create_service = svc.calendar_create
    update_service = svc.calendar_update
    filterset_class = BusinessCalendarFilterSet

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"time_zone": "UTC", **data}

    @extend_schema(
        summary="Add a holiday (no business time on that local day)",
        request=HolidaySerializer,
        responses={201: HolidaySerializer},
    )
    @action(detail=True, methods=["post"], url_path="holidays")
    def holidays(self, request: Request, pk: str | None = None) -> Response:
        calendar = self.guarded_object()
        serializer = HolidaySerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        holiday = svc.holiday_add(
            actor=request.user, calendar_id=calendar.pk, **serializer.validated_data
        )
        return Response(HolidaySerializer(holiday).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove a holiday",
        parameters=[OpenApiParameter("holiday_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=None,
        responses={204: None},
    )
    @action(detail=True, methods=["delete"], url_path=r"holidays/(?P<holiday_id>[0-9]+)")
    def remove_holiday(
        self, request: Request, pk: str | None = None, holiday_id: str | None = None
    ) -> Response:
        calendar = self.guarded_object()
        svc.holiday_remove(
            actor=request.user, calendar_id=calendar.pk, holiday_id=int(holiday_id or 0)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Business time: when a duration runs out, or how much lies between two moments",
        description=(
            "With `start` and `duration`: the moment the duration of business time after "
            "`start` runs out (`due`, UTC). With `start` and `end`: the business time between "
            "them (`business_seconds`). Time outside working hours and on holidays does not "
            "count; daylight saving days count their real length."
        ),
        parameters=[BusinessTimeQuerySerializer],
        responses=PolymorphicProxySerializer(
            component_name="BusinessTimeResult",
            serializers=[BusinessTimeDueSerializer, BusinessTimeSpanSerializer],
            resource_type_field_name=None,
        ),
    )
    @action(detail=True, methods=["get"], url_path="business-time")
    def business_time(self, request: Request, pk: str | None = None) -> Response:
        calendar = self.get_object()
        query = BusinessTimeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        zone = ZoneInfo(calendar.time_zone)
        errors: dict[str, list[str]] = {}
        parsed: dict[str, Any] = {}
        for name, parse in (
            ("start", lambda v: parse_moment(v, zone)),
            ("end", lambda v: parse_moment(v, zone)),
            ("duration", parse_business_duration),
        ):
            if name in params:
                try:
                    parsed[name] = parse(params[name])
                except ValueError as exc:
                    errors[name] = [str(exc)]
        if not errors and ("duration" in params) == ("end" in params):
            errors["non_field_errors"] = ["Give either duration or end, not both."]
        if errors:
            raise serializers.ValidationError(errors)
        spec = business_time.spec_for(calendar)
        if not spec.has_hours:
            raise DomainError(f"{calendar} has no working hours, so no business time.")
        start = parsed["start"]
        try:
            if "duration" in parsed:
                due = business_time.add_business_time(start, parsed["duration"], spec)
                result = BusinessTimeDueSerializer(
                    {"start": start, "duration_seconds": 0, "due": due}
                ).data
                result["duration_seconds"] = _seconds(parsed["duration"])
            else:
                between = business_time.business_time_between(start, parsed["end"], spec)
                result = BusinessTimeSpanSerializer(
                    {"start": start, "end": parsed["end"], "business_seconds": 0}
                ).data
                result["business_seconds"] = _seconds(between)
        except ValueError as exc:
            raise serializers.ValidationError({"non_field_errors": [str(exc)]}) from None
        return Response(result)


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
    router.register("calendars", BusinessCalendarViewSet, basename="calendar")
