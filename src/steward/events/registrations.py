"""Event Management in the shell: navigation, global search and "My work".

One module for everything the area plugs into the shell (core.registry); imported by
EventsConfig.ready()."""

from steward.core import registry

AREA = "Events"


# --- console: the operator console, all events, the incident page's "Events" card --------
from typing import Any  # noqa: E402

from django.urls import reverse  # noqa: E402

from steward.core import permissions  # noqa: E402
from steward.core.registry import SearchHit, WorkList, WorkSection  # noqa: E402
from steward.events.choices import EventStatus  # noqa: E402
from steward.events.queries import events as event_queries  # noqa: E402
from steward.incidents import hooks as incident_hooks  # noqa: E402

VIEW = "events.event.view"
HANDLE = "events.event.handle"
WORK_LIMIT = 50  # rows of the "My work" section
INCIDENT_EVENTS = 20  # events listed on an incident request's page

registry.nav(AREA, "Event console", "events:console", VIEW, 10)
registry.nav(AREA, "All events", "events:event-list", VIEW, 20)


@registry.search_provider
def search_events(actor: Any, text: str) -> list[SearchHit]:
    """Events by number (EV0000012), fingerprint, resource and summary."""
    pk = event_queries.pk_of_number(text)
    if pk is not None:
        found = list(event_queries.events_for(actor).filter(pk=pk))
    else:
        found = registry.found(actor, text, VIEW, event_queries.events_for,
                               ["fingerprint", "resource", "summary"],
                               order=("-last_seen_at", "-pk"))  # fmt: skip
    return [
        SearchHit.of("Events", e, e.summary or e.event_type or e.fingerprint,
                     f"{e.ci.name if e.ci_id else e.resource} · {e.get_status_display()}")
        for e in found
    ]  # fmt: skip


def _open(actor: Any) -> list[dict[str, Any]]:
    """Open events nobody acknowledged yet, most recent first."""
    qs = event_queries.events_for(actor).filter(status=EventStatus.OPEN)
    return [
        {
            "number": e.number,
            "title": e.summary or e.event_type,
            "ci": e.ci.name if e.ci_id else e.resource,
            "severity": e.get_severity_display(),
            "url": e.get_absolute_url(),
        }
        for e in qs.order_by("-last_seen_at", "-pk")[:WORK_LIMIT]
    ]


EVENT_WORK = [
    WorkList(HANDLE, "Events not acknowledged", _open, ("number", "title", "ci", "severity"),
             "events:console", "?hide_acknowledged=true", "No open event waits for an operator."),
]  # fmt: skip


@registry.work_provider
def event_work(actor: Any) -> list[WorkSection]:
    return registry.work_sections(actor, EVENT_WORK)


def incident_events_section(actor: Any, incident: Any) -> dict[str, Any]:
    """The incident page's "Events" card, staff only: the events linked to the request,
    newest first."""
    if permissions.is_customer_side(actor) or not permissions.has(actor, VIEW):
        return {}
    qs = event_queries.events_for(actor).filter(incident_id=incident.pk).select_related("cause")
    events = list(qs.order_by("-last_seen_at", "-pk")[: INCIDENT_EVENTS + 1])
    if not events:
        return {}
    count = len(events) if len(events) <= INCIDENT_EVENTS else qs.count()
    return {
        "events": events[:INCIDENT_EVENTS],
        "count": count,
        "more": count > INCIDENT_EVENTS,
        "list_url": reverse("events:event-list") + f"?incident={incident.pk}",
    }


incident_hooks.record_section("events/partials/incident_events.html", incident_events_section)
# --- config: sources, event types, CI match and correlation rules -----------------------
# (section owned by the configuration topic)
from steward.events.services import rules as config_rules  # noqa: E402

_CONFIG_VIEW = "events.event.view"
registry.nav(AREA, "Event sources", "events:source-list", _CONFIG_VIEW, 60)
registry.nav(AREA, "Event types", "events:type-list", _CONFIG_VIEW, 61)
registry.nav(AREA, "CI match rules", "events:match-rule-list", _CONFIG_VIEW, 62)
registry.nav(AREA, "Correlation rules", "events:correlation-rule-list", _CONFIG_VIEW, 63)
# `steward init`: one correlation rule per kind, and the default CI match rules once.
registry.init_step(config_rules.ensure_default_rules)
# --- reviews: the event review and the outage review (proc. 2, 3) ----------------------
registry.nav(AREA, "Event review", "events:event-review", "events.review.perform", 40)
registry.nav(AREA, "Outage review", "events:outage-review", "events.review.perform", 41)
