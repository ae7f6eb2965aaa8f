"""Event streams for tests: normalised events (the contract between ingestion and
processing, ``events/formats.py``) put in the inbox and processed, as the event processor
would. Other Event Management tests use ``push`` to get events into a known state without
going through HTTP."""

from typing import Any

from django.utils import timezone

from steward.events.models import Event, EventInbox, EventSource
from steward.events.services.processing import process_inbox


def normalised(
    resource: str = "web-01",
    event_type: str = "HostDown",
    *,
    fingerprint: str | None = None,
    severity: str = "major",
    category: str = "",
    status: str = "firing",
    summary: str | None = None,
    occurred_at: Any = None,
    attributes: dict | None = None,
) -> dict[str, Any]:
    """One normalised event; the fingerprint defaults to "<resource>/<event type>"."""
    return {
        "fingerprint": fingerprint or f"{resource}/{event_type}",
        "resource": resource,
        "event_type": event_type,
        "severity": severity,
        "category": category,
        "status": status,
        "summary": summary if summary is not None else f"{event_type} on {resource}",
        "occurred_at": (occurred_at or timezone.now()).isoformat(),
        "attributes": attributes or {},
    }


def resolved(resource: str = "web-01", event_type: str = "HostDown", **kwargs: Any) -> dict:
    return normalised(resource, event_type, status="resolved", **kwargs)


def complete(data: dict[str, Any]) -> dict[str, Any]:
    """A partial event completed from ``normalised()``'s defaults (its fingerprint and
    summary from the resource and event type it names)."""
    full = normalised(data.get("resource", "web-01"), data.get("event_type", "HostDown"))
    full.update(data)
    return full


def enqueue(source: EventSource, *events: dict[str, Any], received_at: Any = None) -> int:
    """Put events in the inbox (in this order) without processing them."""
    at = received_at or timezone.now()
    EventInbox.objects.bulk_create(
        EventInbox(source=source, received_at=at, data=complete(data)) for data in events
    )
    return len(events)


def push(source: EventSource, *events: dict[str, Any], received_at: Any = None) -> list[Event]:
    """Put ``events`` in the inbox and process it until empty, as the processor does.

    An event given as a partial dict is completed from ``normalised()``'s defaults.
    Returns the latest ``Event`` row of each fingerprint pushed, in the order given."""
    enqueue(source, *events, received_at=received_at)
    while process_inbox():
        pass
    latest: dict[str, Event] = {}
    for data in events:
        fingerprint = complete(data)["fingerprint"]
        if fingerprint not in latest:
            row = (
                Event.objects.filter(source=source, fingerprint=fingerprint).order_by("-pk").first()
            )
            if row is not None:
                latest[fingerprint] = row
    return list(latest.values())
