"""/api/v1/ for the change calendar (seed 003 ch. 3 proc. 2, 3): planned events
(``/planned-events/``, with ``POST .../{id}/cancel/``), the calendar of a range with each
change's conflicts (``GET /change-calendar/``), a proposed window's conflicts
(``POST /change-calendar/conflicts/``) and a change's (``GET /change-conflicts/{id}/``)."""

from datetime import UTC, datetime, timedelta
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from steward.changes import actions as change_actions
from steward.changes import inputs
from steward.changes.choices import PlannedEventKind
from steward.changes.filters.calendar import PlannedEventFilterSet
from steward.changes.models import Change, PlannedEvent
from steward.changes.queries import calendar as queries
from steward.changes.queries import changes as change_queries
from steward.changes.services import calendar as services
from steward.core import permissions
from steward.core.api.actions import ActionEndpoints
from steward.core.api.base import (
    GuardedSerializer,
    IdField,
    ServiceCreate,
    ServiceUpdate,
    StewardViewSet,
    choice_text,
)
from steward.core.models import Person

MAX_RANGE_DAYS = 92
# Far enough for any plan; keeps date arithmetic and every database's range safe.
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(2999, 12, 31, tzinfo=UTC)


class Moment(serializers.DateTimeField):
    """An ISO 8601 date and time (UTC without an offset), from 1970 to 2999."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=UTC, **kwargs)

    def to_internal_value(self, value: Any) -> datetime:
        moment = super().to_internal_value(value)
        try:
            moment = moment.astimezone(UTC)
        except OverflowError:
            raise serializers.ValidationError("This date and time is out of range.") from None
        if not EARLIEST <= moment <= LATEST:
            raise serializers.ValidationError("Give a date and time from 1970 to 2999.")
        return moment


# --- planned events ---------------------------------------------------------------------


class PlannedEventSerializer(serializers.ModelSerializer):
    kind = choice_text(PlannedEventKind.choices, read_only=True)
    services = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    cis = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = PlannedEvent
        fields = ["id", "lock_version", "number", "title", "kind", "description", "starts_at",
                  "ends_at", "everywhere", "services", "cis", "is_cancelled", "created_by",
                  "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields


class PlannedEventWriteSerializer(GuardedSerializer):
    inputs = inputs.PLANNED_EVENT

    title = serializers.CharField(max_length=200)
    kind = choice_text(PlannedEventKind.choices)
    description = serializers.CharField(required=False, allow_blank=True)
    starts_at = Moment()
    ends_at = Moment()
    everywhere = serializers.BooleanField(required=False, default=False)
    services = serializers.ListField(child=IdField(), required=False, max_length=500)
    cis = serializers.ListField(child=IdField(), required=False, max_length=500)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("starts_at"), attrs.get("ends_at")
        if start and end and end <= start:
            raise serializers.ValidationError({"ends_at": "The end must be after the start."})
        return attrs


class PlannedEventViewSet(ActionEndpoints, ServiceCreate, ServiceUpdate):
    """Planned events on the change calendar: maintenance windows, blackout periods and
    other events changes must not collide with."""

    action_table = staticmethod(lambda: change_actions.PLANNED_EVENT)
    summaries = {
        "list": "Planned events",
        "retrieve": "One planned event",
        "create": "Put a planned event on the change calendar",
        "partial_update": "Change a planned event",
    }
    query = queries.planned_events_for
    queryset = PlannedEvent.objects.none()
    view_permission = queries.VIEW
    change_permission = services.CHANGE
    record_id = "planned_event_id"
    serializer_class = PlannedEventSerializer
    create_serializer = PlannedEventWriteSerializer
    create_service = services.planned_event_create
    update_service = services.planned_event_update
    filterset_class = PlannedEventFilterSet

    def require_change(self, obj: Any = None) -> None:
        # The right without the event as scope: the service decides by its services.
        permissions.require(self.request.user, self.change_permission)

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        data = dict(data)
        data["service_ids"] = data.pop("services", [])
        data["ci_ids"] = data.pop("cis", [])
        return data

    def update_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"data": data}


# --- the calendar and conflicts ----------------------------------------------------------


class ReasonSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="same_ci, related_ci, same_service, related_service, blackout or everywhere."
    )
    text = serializers.CharField()
    ci = serializers.IntegerField(allow_null=True)
    service = serializers.IntegerField(allow_null=True)


class ConflictSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="change or planned_event.")
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField(help_text="The change's status, or the event's kind.")
    status_label = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    overlap_start = serializers.DateTimeField()
    overlap_end = serializers.DateTimeField()
    why = serializers.CharField(help_text="The reasons in words: same CI, related CI, ...")
    reasons = ReasonSerializer(many=True)
    url = serializers.CharField(help_text="Its page.")


class CalendarEntrySerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="change or planned_event.")
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    service_name = serializers.CharField()
    everywhere = serializers.BooleanField()
    blackout = serializers.BooleanField()
    url = serializers.CharField()
    conflicts = ConflictSerializer(many=True)


class CalendarRangeSerializer(serializers.Serializer):
    start = Moment()
    end = Moment(help_text=f"At most {MAX_RANGE_DAYS} days after the start.")
    service = IdField(required=False)
    ci = IdField(required=False)
    group = IdField(required=False, help_text="A support group: the changes with its tasks.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": "The end must be after the start."})
        if attrs["end"] - attrs["start"] > timedelta(days=MAX_RANGE_DAYS):
            raise serializers.ValidationError(
                {"end": f"Ask for at most {MAX_RANGE_DAYS} days at a time."}
            )
        return attrs


class ConflictCheckSerializer(GuardedSerializer):
    inputs = inputs.CONFLICT_CHECK

    start = Moment()
    end = Moment()
    cis = serializers.ListField(child=IdField(), required=False, max_length=500)
    services = serializers.ListField(child=IdField(), required=False, max_length=500)
    exclude_change = IdField(
        required=False, allow_null=True, help_text="A change to leave out (the one re-planned)."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": "The end must be after the start."})
        return attrs


def _conflict_data(c: queries.Conflict) -> dict[str, Any]:
    reasons = [
        {"kind": r.kind, "text": r.text, "ci": r.ci_id, "service": r.service_id} for r in c.reasons
    ]
    return {"kind": c.kind, "id": c.id, "number": c.number, "title": c.title,
            "status": c.status, "status_label": c.status_label, "starts_at": c.starts_at,
            "ends_at": c.ends_at, "overlap_start": c.overlap_start,
            "overlap_end": c.overlap_end, "why": c.why, "reasons": reasons, "url": c.url}  # fmt: skip


def _entry_data(e: queries.Entry) -> dict[str, Any]:
    return {"kind": e.kind, "id": e.id, "number": e.number, "title": e.title,
            "status": e.status, "status_label": e.status_label, "starts_at": e.starts_at,
            "ends_at": e.ends_at, "service_name": e.service_name, "everywhere": e.everywhere,
            "blackout": e.blackout, "url": e.url,
            "conflicts": [_conflict_data(c) for c in e.conflicts]}  # fmt: skip


def _as_data(rows: list[Any]) -> list[dict[str, Any]]:
    """Entries and conflicts as JSON-ready dicts (no serializer instances: thousands of
    rows in a month), as ``CalendarEntrySerializer`` and ``ConflictSerializer`` say."""
    return [
        _entry_data(row) if isinstance(row, queries.Entry) else _conflict_data(row) for row in rows
    ]


class ChangeCalendarViewSet(StewardViewSet):
    """The change calendar: the changes and planned events of a range, each scheduled
    change with the changes and events it conflicts with."""

    view_permission = queries.VIEW
    query_parameters = ("start", "end", "service", "ci", "group")
    pagination_class = None
    filter_backends: list = []
    serializer_class = CalendarEntrySerializer

    @extend_schema(
        summary="The change calendar of a range, with conflicts",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME, required=True),
            OpenApiParameter(
                "end",
                OpenApiTypes.DATETIME,
                required=True,
                description=f"At most {MAX_RANGE_DAYS} days after the start.",
            ),
            OpenApiParameter("service", OpenApiTypes.INT, description="Only this service."),
            OpenApiParameter("ci", OpenApiTypes.INT, description="Only changes on this CI."),
            OpenApiParameter(
                "group", OpenApiTypes.INT, description="Only changes with tasks for this group."
            ),
        ],
        responses=CalendarEntrySerializer(many=True),
    )
    def list(self, request: Request) -> Response:
        query = CalendarRangeSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        entries = queries.calendar_entries(
            start=data["start"],
            end=data["end"],
            service_id=data.get("service"),
            ci_id=data.get("ci"),
            group_id=data.get("group"),
        )
        return Response(_as_data(entries))

    @extend_schema(
        summary="The conflicts of a proposed window on CIs and services",
        request=ConflictCheckSerializer,
        responses=ConflictSerializer(many=True),
    )
    @action(detail=False, methods=["post"])
    def conflicts(self, request: Request) -> Response:
        check = ConflictCheckSerializer(data=request.data, context={"request": request})
        check.is_valid(raise_exception=True)
        data = check.validated_data
        found = queries.conflicts(
            start=data["start"],
            end=data["end"],
            ci_ids=data.get("cis", []),
            service_ids=data.get("services", []),
            exclude_change_id=data.get("exclude_change"),
        )
        return Response(_as_data(found))


class ChangeConflictsViewSet(mixins.RetrieveModelMixin, StewardViewSet):
    """A change's conflicts: the scheduled changes and planned events its implementation
    window collides with (none without a window)."""

    view_permission = queries.VIEW
    queryset = Change.objects.none()
    pagination_class = None
    filter_backends: list = []
    serializer_class = ConflictSerializer

    @staticmethod
    def query(actor: Person) -> Any:
        return change_queries.changes_for(actor)

    @extend_schema(summary="A change's conflicts", responses=ConflictSerializer(many=True))
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        change = change_queries.change_for(request.user, kwargs.get("pk"))
        return Response(_as_data(queries.conflicts_for_change(change)))


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
    router.register("planned-events", PlannedEventViewSet, basename="planned-event")
    router.register("change-calendar", ChangeCalendarViewSet, basename="change-calendar")
    router.register("change-conflicts", ChangeConflictsViewSet, basename="change-conflicts")
