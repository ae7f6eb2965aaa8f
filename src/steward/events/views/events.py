"""Pages: all events (with the filter set and the CSV export), the event's page (its
timeline, counts, CI, cause and symptoms, incident, planned work, handling instructions,
attributes and the operator's steps) and the step URLs of ``actions.EVENT``."""

import json
from typing import Any

from django.urls import path

from steward.core.actions import ranked
from steward.core.templatetags.steward import TONES
from steward.core.views.patterns import (
    STATUS_COLUMN,
    Column,
    Field,
    RecordDetailView,
    RecordListView,
    action_urls,
)
from steward.core.views.patterns.base import record_url
from steward.core.views.patterns.selects import Select
from steward.events.actions import EVENT
from steward.events.filters.events import EventFilterSet
from steward.events.models import Event, EventSource
from steward.events.queries import events as queries
from steward.events.views.console import SEVERITY_TONES

TONES.update({"acknowledged": "amber"})


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


class EventListView(RecordListView):
    permission = queries.VIEW
    title = "All events"
    query = queries.events_for
    filterset_class = EventFilterSet
    default_sort = "-last_seen"
    csv_filename = "events"
    primary_filters = ("q", "status", "active", "severity", "source")
    columns = (
        Column("number", "Event", value="number", sort="pk", link=True, classes="nowrap"),
        Column("summary", "Summary", value=lambda e: e.summary or e.event_type, link=True),
        Column("ci", "CI", value="ci.name", sort="ci__name"),
        Column("severity", "Severity", value="get_severity_display", sort="severity"),
        STATUS_COLUMN,
        Column(
            "active",
            "Firing",
            value=lambda e: "Yes" if e.active else "No",
            sort="active",
            classes="hide-sm",
        ),
        Column("handling", "Handling", value="get_handling_display", classes="hide-sm"),
        Column("incident", "Incident", value="incident.number", classes="nowrap hide-sm"),
        Column("count", "Count", value="count", sort="count", classes="num"),
        Column("source", "Source", value="source.name", classes="hide-sm"),
        Column("resource", "Resource", value="resource", classes="hide-sm"),
        Column("fingerprint", "Fingerprint", value="fingerprint", classes="hide-sm"),
        Column(
            "first_seen",
            "First seen",
            value=lambda e: _when(e.first_seen_at),
            sort="first_seen_at",
            classes="nowrap hide-sm",
        ),
        Column(
            "last_seen",
            "Last seen",
            value=lambda e: _when(e.last_seen_at),
            sort="last_seen_at",
            classes="nowrap",
        ),
    )

    def restrict_filters(self, filterset: Any) -> None:
        fields = filterset.form.fields
        sources = EventSource.objects.order_by("name").values_list("pk", "name")
        fields["source"].widget = Select(choices=[("", "Any"), *sources])
        fields["source"].label = "Source"


class EventDetailView(RecordDetailView):
    permission = queries.VIEW
    template_name = "events/event_detail.html"
    query_one = queries.event_for
    list_url_name = "events:event-list"
    kind_label = "Event"
    live = True

    def get_title(self, obj: Event) -> str:
        return obj.summary or obj.event_type or obj.fingerprint

    def get_fields(self, obj: Event) -> list[Field]:
        ci = obj.ci
        return [
            Field("Severity", obj.get_severity_display()),
            Field("Category", obj.get_category_display()),
            Field("Still firing", "Yes" if obj.active else f"No (cleared {_when(obj.cleared_at)})"),
            Field("CI", ci.name if ci else None, url=ci.get_absolute_url() if ci else ""),
            Field("Source", obj.source.name),
            Field("Event type", obj.type.name if obj.type_id else obj.event_type),
            Field("Resource", obj.resource),
            Field("Fingerprint", obj.fingerprint),
            Field("Handling", obj.get_handling_display()),
            Field("Correlation", queries.correlation_text(obj) or None),
            Field("Count", obj.count),
            Field("Occurred", _when(obj.occurred_at)),
            Field("First seen", _when(obj.first_seen_at)),
            Field("Last seen", _when(obj.last_seen_at)),
            Field("Acknowledged", _who(obj.acknowledged_by, obj.acknowledged_at)),
            Field("Closed", _who(obj.closed_by, obj.closed_at)),
            Field("Close note", obj.close_note, wide=True),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        event: Event = context["record"]
        panel = EVENT.panel(self.actor, event, failed=kwargs.get("failed_action", ""),
                            form=kwargs.get("failed_form"))  # fmt: skip
        context["panel"] = panel
        context.update(ranked(panel, "acknowledge"))
        types = queries.instructions_for([event])
        found = types.get(event.event_type)
        context.update(
            instructions=found.handling_instructions if found is not None else "",
            event_type=found,
            # The event types' pages are another topic's: no link until they exist.
            event_type_url=record_url(found) if found is not None else "",
            symptoms=list(
                queries.events_for(self.actor).filter(cause=event).order_by("first_seen_at", "pk")
            ),
            severity_tone=SEVERITY_TONES.get(event.severity, "grey"),
            labels=_table(event.attributes.get("labels")),
            annotations=_table(event.attributes.get("annotations")),
            other_attributes=_table(
                {k: v for k, v in event.attributes.items() if k not in ("labels", "annotations")}
            ),
        )
        return context


def _who(person: Any, when: Any) -> str | None:
    if when is None:
        return None
    return f"{person.display_name if person else 'Steward'}, {_when(when)}"


def _table(value: Any) -> list[tuple[str, str]]:
    """A dict of attributes as sorted (name, text) rows; nested values as compact JSON."""
    if not isinstance(value, dict):
        return []
    rows = []
    for key in sorted(value, key=str):
        item = value[key]
        text = item if isinstance(item, str) else json.dumps(item, sort_keys=True)
        rows.append((str(key), text))
    return rows


urlpatterns = [
    path("events/all/", EventListView.as_view(), name="event-list"),
    path("events/<int:pk>/", EventDetailView.as_view(), name="event-detail"),
    *action_urls(EVENT, page=EventDetailView),
]
