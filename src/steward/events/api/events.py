"""/api/v1/events/: the deduplicated events (seed 003 ch. 6 proc. 1), their steps (one
``POST .../{id}/<step>/`` per row of ``steward.events.actions.EVENT``: acknowledge,
link-incident, close) and ``GET .../{id}/next-steps/``.

The ingestion endpoints live below the same prefix (``/api/v1/events/ingest/``,
``/alertmanager/``, ``/zabbix/``), so the detail route takes digits only."""

from typing import Any

from rest_framework import serializers
from rest_framework.routers import DefaultRouter

from steward.core.api.actions import ActionEndpoints
from steward.core.api.base import GuardedSerializer, IdField, RecordViewSet
from steward.events import actions as event_actions
from steward.events import inputs
from steward.events.filters.events import EventFilterSet
from steward.events.models import Event
from steward.events.queries import events as queries
from steward.events.services.console import MAX_NOTE


class EventSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True, help_text="EV and the id, seven digits.")
    source_name = serializers.CharField(source="source.name", read_only=True)
    ci_name = serializers.CharField(source="ci.name", read_only=True, allow_null=True,
                                    default=None)  # fmt: skip
    incident_number = serializers.CharField(
        source="incident.number", read_only=True, allow_null=True, default=None
    )
    correlation = serializers.SerializerMethodField(
        help_text="How the event was correlated, in words (a symptom of another event, "
        "planned by a change or planned event, the same cause as an incident request)."
    )
    handling_instructions = serializers.SerializerMethodField(
        help_text="What the operator does about events of this type."
    )

    class Meta:
        model = Event
        fields = ["id", "number", "lock_version", "source", "source_name", "fingerprint",
                  "resource", "event_type", "type", "severity", "category", "summary",
                  "attributes", "occurred_at", "first_seen_at", "last_seen_at", "count",
                  "active", "cleared_at", "status", "handling", "handled_at", "ci", "ci_name",
                  "match_rule", "cause", "correlation_rule", "correlation", "incident",
                  "incident_number", "planned_change", "planned_event", "acknowledged_by",
                  "acknowledged_at", "closed_by", "closed_at", "close_note",
                  "handling_instructions"]  # fmt: skip
        read_only_fields = fields

    def get_correlation(self, event: Event) -> str:
        return queries.correlation_text(event)

    def get_handling_instructions(self, event: Event) -> str:
        types = self.context.get("event_types")
        if types is None:
            types = queries.instructions_for([event])
        found = types.get(event.event_type)
        return found.handling_instructions if found is not None else ""


class EventCloseSerializer(GuardedSerializer):
    inputs = inputs.EVENT_CLOSE

    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_NOTE,
        help_text="Why it is handled. Needed when the event has no incident request, was "
        "neither planned, a symptom nor information, and still fires.",
    )  # fmt: skip


class EventLinkIncidentSerializer(GuardedSerializer):
    inputs = inputs.EVENT_LINK_INCIDENT

    incident = IdField(
        help_text="The incident request registered for the event by hand; an assigned "
        "request closes the event."
    )


class EventViewSet(ActionEndpoints, RecordViewSet):
    """Events from the monitoring sources, deduplicated by fingerprint (seed 003 ch. 6):
    read them, and acknowledge, link and close them as the operator does on the console."""

    action_table = staticmethod(lambda: event_actions.EVENT)
    summaries = {"list": "Events", "retrieve": "One event"}
    http_method_names = ["get", "post", "head", "options"]
    lookup_value_regex = r"\d+"
    query = queries.events_for
    queryset = Event.objects.none()
    view_permission = queries.VIEW
    record_id = "event_id"
    serializer_class = EventSerializer
    filterset_class = EventFilterSet

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related(*queries.RELATED).order_by("-pk")

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        # One query for the event types of a whole page, not one per event.
        if args and self.action == "list":
            context = self.get_serializer_context()
            context["event_types"] = queries.instructions_for(list(args[0]))
            kwargs["context"] = context
        return super().get_serializer(*args, **kwargs)


def register(router: DefaultRouter) -> None:
    """Add this topic's viewsets to the /api/v1/ router."""
    router.register("events", EventViewSet, basename="event")
