"""Reads of the monitoring sources (seed 003 ch. 6), restricted to the actor: staff with
``events.event.view`` see every source (never its token: only the digest is stored, and
no read hands even that out); customer-side people see none."""

from typing import Any

from django.db.models import QuerySet

from steward.core import permissions, queries
from steward.core.models import Person
from steward.events.choices import SourceKind
from steward.events.models import EventSource

VIEW = "events.event.view"
# The ingestion endpoint of each format (served by ``steward.events.ingest``, the lean
# path in front of Django, and documented by its DRF twins in ``api/ingest.py``).
ENDPOINTS = {
    SourceKind.GENERIC: "/api/v1/events/ingest/",
    SourceKind.ALERTMANAGER: "/api/v1/events/alertmanager/",
    SourceKind.ZABBIX: "/api/v1/events/zabbix/",
}


def staff_viewer(actor: Person) -> bool:
    """Provider staff allowed to see Event Management's records."""
    return (
        getattr(actor, "is_authenticated", False)
        and not permissions.is_customer_side(actor)
        and permissions.has(actor, VIEW)
    )


def sources_for(actor: Person) -> QuerySet[EventSource]:
    qs = EventSource.objects.select_related("operator", "support_group")
    return qs if staff_viewer(actor) else qs.none()


def source_for(actor: Person, pk: Any) -> EventSource:
    return queries.one(sources_for(actor), pk, "event source")


def endpoint_path(kind: str) -> str:
    """The path a source of ``kind`` posts its events to."""
    return ENDPOINTS.get(kind, ENDPOINTS[SourceKind.GENERIC])
