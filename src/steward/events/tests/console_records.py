"""Events made with the ORM for the console's tests (until processing makes them from a
stream), and the incident requests an operator registers for them."""

import itertools
from typing import Any

from django.utils import timezone

from steward.configuration.models import ConfigurationItem
from steward.core.models import Person, SupportGroup
from steward.events import tokens
from steward.events.models import Event, EventSource, EventType
from steward.incidents.models import IncidentRequest
from steward.incidents.services.registration import incident_register

_seq = itertools.count(1)


def a_source(name: str = "") -> EventSource:
    n = next(_seq)
    return EventSource.objects.create(
        name=name or f"Monitor {n}", token_hash=tokens.digest(f"evt_console_{n}")
    )


def make_event(
    source: EventSource,
    ci: ConfigurationItem | None = None,
    *,
    minutes_ago: int = 5,
    **fields: Any,
) -> Event:
    """An event as processing leaves it: open, firing, seen ``minutes_ago`` (computed when
    the test runs)."""
    seen = timezone.now() - timezone.timedelta(minutes=minutes_ago)
    n = next(_seq)
    values: dict[str, Any] = {
        "fingerprint": f"fp-{n}",
        "resource": ci.name if ci else f"host-{n}",
        "event_type": "NodeDown",
        "summary": f"{ci.name if ci else 'A host'} is down",
        "occurred_at": seen,
        "first_seen_at": seen,
        "last_seen_at": seen,
        "handling": "pending",
    }
    values.update(fields)
    return Event.objects.create(source=source, ci=ci, **values)


def node_down_type() -> EventType:
    return EventType.objects.get_or_create(
        code="NodeDown",
        defaults={
            "name": "Node down",
            "handling_instructions": "Ping the node, then call Network.",
        },
    )[0]


def register_incident(
    actor: Person,
    *,
    title: str = "Core switch down",
    ci: ConfigurationItem | None = None,
    group: SupportGroup | None = None,
    service_type: str = "infrastructure_event",
) -> IncidentRequest:
    """A request the operator registered, assigned to ``group`` when given. An
    infrastructure event stays new without one (the tests' routing rule sends only
    infrastructure restorations to the Network group)."""
    return incident_register(
        actor=actor, requester=actor, title=title, service_type=service_type,
        cis=[ci] if ci else [], support_group=group,
    )  # fmt: skip


def fresh(event: Event) -> Event:
    return Event.objects.get(pk=event.pk)
