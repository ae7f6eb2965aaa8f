"""Reads of events, restricted to the actor (docs/ARCHITECTURE.md, "How a request flows"),
and the operator console of seed 003 ch. 6 proc. 1: the open events grouped by the
incident request they belong to, each cause with its symptoms under it.

Event Management is the provider's own work: staff with ``events.event.view`` see every
event; customer-side people see none."""

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum

from steward.core import permissions, queries
from steward.core.models import Person
from steward.events.choices import SEVERITY_RANK, EventStatus, Handling
from steward.events.models import Event, EventType

VIEW = "events.event.view"
# The console's events: not closed yet, or closed while the monitor still says it fires
# (a cause closed once its incident was assigned keeps its symptoms together).
CONSOLE = Q(status__in=[EventStatus.OPEN, EventStatus.ACKNOWLEDGED]) | Q(active=True)
# What a console row shows besides the event itself: read in the same query.
RELATED = (
    "source", "ci", "type", "cause", "cause__ci", "incident", "incident__support_group",
    "incident__assignee", "cause__incident", "planned_change", "planned_event",
    "acknowledged_by", "closed_by",
)  # fmt: skip
NUMBER = re.compile(r"^EV0*(\d{1,18})$", re.IGNORECASE)
MAX_DEPTH = 20  # a cause chain longer than this is cut (a loop written by hand)


def events_for(actor: Person) -> QuerySet[Event]:
    qs = Event.objects.select_related("source", "ci", "incident", "type")
    if not getattr(actor, "is_authenticated", False) or permissions.is_customer_side(actor):
        return qs.none()
    return queries.permitted(actor, VIEW, qs)


def event_for(actor: Person, pk: Any) -> Event:
    return queries.one(events_for(actor).select_related(*RELATED), pk, "event")


def pk_of_number(text: str) -> int | None:
    """The id in an event number ("EV0000012", "ev12"), or None."""
    found = NUMBER.match(text.strip())
    return int(found.group(1)) if found else None


def instructions_for(events: Iterable[Event]) -> dict[str, EventType]:
    """The event type of each event's ``event_type`` code (one query): the handling
    instructions the operator follows."""
    codes = {e.event_type for e in events if e.event_type and e.type_id is None}
    found = {t.code: t for t in EventType.objects.filter(code__in=codes)} if codes else {}
    for event in events:
        if event.type_id is not None:
            found.setdefault(event.event_type, event.type)
    return found


def correlation_text(event: Event) -> str:
    """How procedure 1 correlated the event, in words ("Symptom of EV0000012 core-switch",
    "Planned by CHG000004")."""
    if event.cause_id is not None:
        cause = event.cause
        ci = f" {cause.ci.name}" if cause.ci_id else ""
        return f"Symptom of {cause.number}{ci}"
    if event.planned_change_id is not None:
        return f"Planned by {event.planned_change.number}"
    if event.planned_event_id is not None:
        return f"Planned by {event.planned_event.number}"
    if event.handling == Handling.ATTACHED and event.incident_id is not None:
        return f"Same cause as {event.incident.number}"
    return ""


# --- The console ----------------------------------------------------------------------------


@dataclass
class Row:
    """One event on the console, with its symptoms (nested) under it."""

    event: Event
    instructions: str
    correlation: str
    symptoms: list["Row"] = field(default_factory=list)
    tone: str = ""  # the severity badge's colour, set by the page

    @property
    def rank(self) -> tuple[int, float]:
        """Most severe first, then the newest."""
        e = self.event
        return SEVERITY_RANK.get(e.severity, 99), -e.last_seen_at.timestamp()

    def flat(self, depth: int = 0) -> list[tuple[int, "Row"]]:
        """The row and its symptoms as (depth, row), depth first; symptoms in the order
        they arrived, so a cascade reads as it happened."""
        out = [(depth, self)]
        for symptom in sorted(self.symptoms, key=lambda r: (r.event.first_seen_at, r.event.pk)):
            out += symptom.flat(depth + 1)
        return out


@dataclass
class Group:
    """An incident request with its cause events (``incident`` None: events that have no
    incident, each cause with its symptoms)."""

    incident: Any
    causes: list[Row] = field(default_factory=list)

    @property
    def rows(self) -> list[tuple[int, Row]]:
        return [pair for cause in self.causes for pair in cause.flat()]

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def rank(self) -> tuple[int, float]:
        return min((row.rank for _, row in self.rows), default=(99, 0.0))


def console_events(actor: Person) -> QuerySet[Event]:
    """The events the console shows (before the operator's filters)."""
    return events_for(actor).filter(CONSOLE)


def console_groups(actor: Person, qs: QuerySet[Event] | None = None) -> list[Group]:
    """The console's events (``qs``: already filtered) grouped by incident request, each
    cause with its symptoms under it, then the events without an incident. A symptom
    belongs to the incident of its cause (followed up the chain) when it has none of its
    own. Three queries whatever the number of events: the events with what their rows
    show, their event types, and nothing else."""
    events = list((console_events(actor) if qs is None else qs).select_related(*RELATED))
    types = instructions_for(events)
    rows = {
        e.pk: Row(e, _instructions(types.get(e.event_type)), correlation_text(e)) for e in events
    }
    roots: list[Row] = []
    for row in rows.values():
        parent = rows.get(row.event.cause_id) if row.event.cause_id else None
        if parent is not None and parent is not row and not _loops(row, rows):
            parent.symptoms.append(row)
        else:
            roots.append(row)
    groups: dict[Any, Group] = {}
    loose = Group(None)
    for root in sorted(roots, key=lambda r: r.rank):
        incident = _incident_of(root.event)
        if incident is None:
            loose.causes.append(root)
        else:
            groups.setdefault(incident.pk, Group(incident)).causes.append(root)
    for group in groups.values():  # an incident's events in the order they came
        group.causes.sort(key=lambda r: (r.event.first_seen_at, r.event.pk))
    ordered = sorted(groups.values(), key=lambda g: g.rank)
    return [*ordered, loose] if loose.causes else ordered


def _instructions(event_type: EventType | None) -> str:
    return event_type.handling_instructions if event_type is not None else ""


def _incident_of(event: Event) -> Any:
    """The event's incident, else its cause's (a symptom of an event already handled)."""
    if event.incident_id is not None:
        return event.incident
    if event.cause_id is not None and event.cause.incident_id is not None:
        return event.cause.incident
    return None


def _loops(row: Row, rows: dict[int, Row]) -> bool:
    """Whether following ``row``'s causes comes back to it (never made by processing; a
    guard so the console cannot recurse forever)."""
    seen, current = {row.event.pk}, row.event.cause_id
    for _ in range(MAX_DEPTH):
        if current is None or current not in rows:
            return False
        if current in seen:
            return True
        seen.add(current)
        current = rows[current].event.cause_id
    return True


# --- Live updates -----------------------------------------------------------------------------


def console_token() -> str:
    """What changes whenever anything the console shows changes, in ONE aggregate query
    over the console's events (the status index): a new event (the newest id, the
    number), a repeat (the counts, the last seen time; processing may count repeats with
    an UPDATE that leaves the version), an operator's or the processor's write (the sum of
    versions: every save moves one on), an event leaving the console (the number)."""
    found = Event.objects.filter(CONSOLE).aggregate(
        n=Count("pk"),
        newest=Max("pk"),
        seen=Max("last_seen_at"),
        versions=Sum("lock_version"),
        repeats=Sum("count"),
        firing=Count("pk", filter=Q(active=True)),
    )
    seen = found["seen"]
    parts = [found["n"], found["newest"], seen.timestamp() if seen else 0, found["versions"],
             found["repeats"], found["firing"]]  # fmt: skip
    return hashlib.sha1(
        "|".join(str(p or 0) for p in parts).encode(), usedforsecurity=False
    ).hexdigest()[:16]


def console_fingerprint(groups: list[Group]) -> str:
    """The console as the person sees it: groups, rows, versions, counts and states."""
    parts = []
    for group in groups:
        parts.append(f"g{group.incident.pk if group.incident else 0}:"
                     f"{group.incident.status if group.incident else ''}")  # fmt: skip
        for depth, row in group.rows:
            e = row.event
            parts.append(f"{depth}:{e.pk}:{e.lock_version}:{e.count}:{e.status}:{e.active}")
    return hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()[:16]
