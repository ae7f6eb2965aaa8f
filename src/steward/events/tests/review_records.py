"""Records for the review tests, made with the ORM (the processing topic writes events
through the inbox; the reviews only read what processing left behind). Times are given
relative to the moment the test runs, never to collection time."""

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from steward.configuration.models import ConfigurationItem
from steward.core import numbering
from steward.events.models import Event, EventSource
from steward.incidents.models import IncidentRequest

_fingerprints = itertools.count(1)


def ago(**delta: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def make_event(
    source: EventSource, *, first_seen: dt.datetime | None = None, **fields: Any
) -> Event:
    """A handled (inactive) event; ``fields`` override the defaults."""
    first = first_seen or ago(hours=1)
    values = {
        "fingerprint": f"fp-{next(_fingerprints)}",
        "resource": "web-01",
        "event_type": "node_down",
        "severity": "critical",
        "summary": "Node down",
        "occurred_at": first,
        "first_seen_at": first,
        "last_seen_at": first,
        "active": False,
        "status": "closed",
        "handling": "restoration_incident",
        **fields,
    }
    return Event.objects.create(source=source, **values)


def make_ci(name: str, ci_class: Any) -> ConfigurationItem:
    ci = ConfigurationItem(name=name, ci_class=ci_class)
    numbering.assign(ci)
    ci.save()
    return ci


def make_incident(requester: Any, *, cis: tuple = (), **fields: Any) -> IncidentRequest:
    """An incident request; ``created_at`` and the rest set after saving."""
    created_at = fields.pop("created_at", None)
    incident = IncidentRequest(title=fields.pop("title", "Online Store down"), requester=requester)
    numbering.assign(incident)
    incident.save()
    if cis:
        incident.cis.set(cis)
    if created_at is not None:
        fields["created_at"] = created_at
    if fields:
        IncidentRequest.objects.filter(pk=incident.pk).update(**fields)
        incident.refresh_from_db()
    return incident


def outage(requester: Any, *, registered: dt.datetime, resolved: dt.datetime,
           **fields: Any) -> IncidentRequest:  # fmt: skip
    """A resolved high-impact infrastructure restoration."""
    values = {"impact": "1", "service_type": "infrastructure_restoration", "status": "resolved",
              "channel": "phone", "created_at": registered, "resolved_at": resolved, **fields}  # fmt: skip
    return make_incident(requester, **values)
