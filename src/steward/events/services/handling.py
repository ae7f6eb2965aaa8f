"""Procedure 1, Event Handling (seed 003 ch. 6; ch. 2 proc. 2 for capacity warnings),
applied by the event processor to the new events of a batch, and the clearing of events
the monitor reported resolved.

For each new event, in dependency order (an event on a CI that another new event's CI
depends on first, so a cascade arriving in one batch still gives one incident): match
its CI (``matching``), gather the facts (``correlation``), decide (``rules``), then do
what the decision says: attach a symptom to its cause's incident, register the incident
request (``incidents.services.registration.incident_register``, in the name of the
source's operator, channel "event"), record the outage of the services it affects
(``service_level.Outage``, which the SLA reviews' availability reads), journal how it was
handled, close the event once it needs nothing more from the operator, and announce it
to webhook subscribers (``events.event.created`` / ``closed`` / ``cleared``: new events
and changes only, never a repeat).

Runs inside the batch's transaction (``services/processing.py``); each event in a
savepoint, so one that cannot be handled (a refused registration) stays open for the
operator instead of blocking the inbox.
"""

import datetime as dt
import logging
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from steward.configuration.models import ConfigurationItem
from steward.core import journal, notify, transitions
from steward.core.choices import PUBLIC_JOURNAL_KINDS, JournalKind, Role
from steward.core.errors import DomainError
from steward.core.models import JournalEntry, Person, SupportGroup, SupportGroupMembership
from steward.core.roles import holders
from steward.events import workflows
from steward.events.choices import (
    CorrelationKind,
    EventCategory,
    EventStatus,
    Handling,
    Severity,
)
from steward.events.models import Event
from steward.events.rules import FIRING, RESOLVED, Decision, Facts, handling_decision
from steward.events.services.correlation import Correlator
from steward.events.services.matching import Matcher
from steward.incidents.choices import Channel, Impact, ServiceType, Urgency
from steward.incidents.models import IncidentRequest
from steward.incidents.services.registration import incident_register
from steward.service_level.models import Outage, Service

log = logging.getLogger(__name__)

URGENCY = {
    Severity.CRITICAL: Urgency.CRITICAL,
    Severity.MAJOR: Urgency.HIGH,
    Severity.MINOR: Urgency.MEDIUM,
    Severity.WARNING: Urgency.MEDIUM,
    Severity.INFO: Urgency.LOW,
}
OUTAGE_HANDLINGS = (Handling.RESTORATION_INCIDENT, Handling.FOR_OPERATOR)


class Batch:
    """What handling one batch shares: the matcher, the correlator, the clock, and the
    events decided so far (the ones written together at the end)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.matcher = Matcher()
        self.correlator = Correlator()
        self.decided: dict[int, Event] = {}
        self.deferred: list[tuple[Event, str]] = []  # (event, journal note), written in bulk
        self.outages: list[Outage] = []


def handle_batch(*, new_ids: Iterable[int], cleared_ids: Iterable[int], now: dt.datetime) -> None:
    """Handle the batch's new events (proc. 1), then close the cleared ones.

    Events that register an incident request are written one by one (the registration
    is a service of its own, in a savepoint); the others are decided in memory and
    written together: one UPDATE, one journal INSERT, one outage INSERT for the batch."""
    new_ids = list(new_ids)
    if new_ids:
        batch = Batch(now)
        events = list(
            Event.objects.filter(pk__in=new_ids).select_related("source", "source__operator")
        )
        cis = _match(events, batch)
        for event in _dependency_order(events, cis, batch):
            _handle_one(event, cis.get(event.pk), batch)
        _write_deferred(batch)
        batch.correlator.flush(now)
    fresh = set(new_ids)
    old = [pk for pk in cleared_ids if pk not in fresh]
    if old:
        _close_cleared(old, now)


def _match(events: list[Event], batch: Batch) -> dict[int, ConfigurationItem]:
    """The CI of each event that has one, written at once (one UPDATE for the batch) so
    the correlation of the events handled after it sees it."""
    batch.matcher.prepare(events)
    found: dict[int, int] = {}
    for event in events:
        ci_id, rule = batch.matcher.match(event)
        event.match_rule = rule
        if ci_id is not None:
            found[event.pk] = ci_id
    cis = ConfigurationItem.objects.in_bulk(set(found.values()))
    matched = {pk: cis[ci_id] for pk, ci_id in found.items() if ci_id in cis}
    for event in events:
        event.ci = matched.get(event.pk)
    Event.objects.bulk_update([e for e in events if e.ci_id], ["ci", "match_rule"])
    return matched


def _dependency_order(
    events: list[Event], cis: dict[int, ConfigurationItem], batch: Batch
) -> list[Event]:
    """Causes before symptoms: a CI that supports another has fewer of the batch's CIs
    among its own supporting CIs (the relation is transitive), so sorting by that number
    is a topological order; arrival order breaks ties."""
    batch_cis = {ci.pk for ci in cis.values()}
    if len(batch_cis) < 2:
        return events

    def depth(event: Event) -> int:
        ci = cis.get(event.pk)
        return len(batch.correlator.supporting(ci.pk) & batch_cis) if ci else 0

    return sorted(events, key=lambda e: (depth(e), e.pk))


def _handle_one(event: Event, ci: ConfigurationItem | None, batch: Batch) -> None:
    facts, found = _facts(event, ci, batch)
    decision = handling_decision(facts)
    batch.decided[event.pk] = event
    if not decision.registers:
        _decide_in_memory(event, ci, decision, found, batch)
        return
    try:
        with transaction.atomic():
            _register_and_write(event, ci, decision, batch)
    except (ValidationError, PermissionDenied, DomainError) as error:
        log.warning("Event %s could not be handled automatically: %s", event.number, error)
        event.incident = None
        decision = Decision(Handling.FOR_OPERATOR, closes=False,
                            records_outage=decision.records_outage)  # fmt: skip
        _decide_in_memory(event, ci, decision, found, batch, reason=_reason(error))


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return str(error) or error.__class__.__name__


# --- The facts and the decision -----------------------------------------------------------


class Found:
    """The records behind the facts (the cause, the planned work, the incident)."""

    cause: Event | None = None
    change = None
    planned_event = None
    same: Event | None = None


def _root_cause(candidates: list[Event], batch: Batch) -> Event | None:
    """The cause among ``candidates``: the batch's own decision when it made one (not yet
    written), preferring events that are not symptoms themselves, the earliest first."""
    current = [batch.decided.get(c.pk, c) for c in candidates]
    roots = [c for c in current if c.cause_id is None] or current
    return min(roots, key=lambda e: (e.first_seen_at, e.pk)) if roots else None


def _facts(event: Event, ci: ConfigurationItem | None, batch: Batch) -> tuple[Facts, Found]:
    """The facts in the rules' order; later ones are not looked up once one decides."""
    found = Found()
    base = {
        "category": event.category,
        "has_operator": bool(event.source.operator_id and event.source.operator.is_active),
    }
    if not event.active:
        return Facts(status=RESOLVED, **base), found
    if ci is None:
        return Facts(ci_found=False, **base), found
    found.cause = _root_cause(batch.correlator.causes(event, ci), batch)
    if found.cause is not None:
        return Facts(failed_dependency=True, **base), found
    found.change = batch.correlator.planned_change(event, ci)
    if found.change is None:
        found.planned_event = batch.correlator.planned_event(event, ci)
    if found.change is not None or found.planned_event is not None:
        return Facts(planned=True, **base), found
    found.same = batch.correlator.same_cause(event, ci)
    return Facts(status=FIRING, same_cause=found.same is not None, **base), found


def _decide_in_memory(
    event: Event,
    ci: ConfigurationItem | None,
    decision: Decision,
    found: Found,
    batch: Batch,
    reason: str = "",
) -> None:
    """A decision that registers nothing: set on the event, written with the batch's."""
    event.handling, event.handled_at = decision.handling, batch.now
    note = _correlate(event, decision, found, batch)
    if reason:
        note = f"Not handled automatically ({reason}): for the operator."
    if decision.records_outage:
        batch.outages += _outages(event, batch.correlator.services(ci) if ci else set(), None)
    if decision.closes:
        # The event is created in this transaction: closed is the state it starts in,
        # as an incident request routed at registration starts assigned.
        event.status, event.closed_at = EventStatus.CLOSED, batch.now
    batch.deferred.append((event, note))


def _register_and_write(
    event: Event, ci: ConfigurationItem | None, decision: Decision, batch: Batch
) -> None:
    """Register the incident request and write the event now (a later event of the batch
    may attach to it)."""
    services = sorted(batch.correlator.services(ci)) if ci is not None else []
    incident, note = _register(event, ci, decision, services)
    event.incident = incident
    event.handling, event.handled_at = decision.handling, batch.now
    if decision.records_outage:
        Outage.objects.bulk_create(_outages(event, set(services), incident))
    _announce(event, decision)
    closes = bool(incident.support_group_id or incident.assignee_id)
    if not closes:
        note += " Nobody could be assigned: the event stays open for the operator."
    journal.system(event, text=note, data={"handling": event.handling})
    fields = ["handling", "handled_at", "incident"]
    if closes:
        event.closed_at = batch.now
        transitions.transition(
            event,
            EventStatus.CLOSED,
            actor=None,
            workflow=workflows.EVENT,
            reason=note,
            event="events.event.closed",
            data={"handling": event.handling},
            also=[*fields, "closed_at"],
        )
    else:
        event.save(update_fields=fields)


def _announce(event: Event, decision: Decision) -> None:
    """Webhook events of a new event: created, and cleared when it already was."""
    notify.record_event(
        record=event,
        event="events.event.created",
        actor=None,
        data={"handling": event.handling, "fingerprint": event.fingerprint},
    )
    if decision.handling == Handling.CLEARED:
        notify.record_event(
            record=event, event="events.event.cleared", actor=None, data={"count": event.count}
        )


def _correlate(event: Event, decision: Decision, found: Found, batch: Batch) -> str:
    """Link the event to what correlated it; the journal's account of the decision."""
    correlator = batch.correlator
    if decision.handling == Handling.SYMPTOM and found.cause is not None:
        event.cause, event.incident = found.cause, found.cause.incident
        event.correlation_rule = correlator.fired(CorrelationKind.DEPENDENCY)
        attached = f", attached to {found.cause.incident}" if found.cause.incident_id else ""
        return f"Symptom of {found.cause.number} on a CI it depends on{attached}."
    if decision.handling == Handling.PLANNED:
        if found.change is not None:
            event.planned_change = found.change
            event.correlation_rule = correlator.fired(CorrelationKind.PLANNED_CHANGE)
            return f"Planned: inside the window of change {found.change.number}."
        event.planned_event = found.planned_event
        event.correlation_rule = correlator.fired(CorrelationKind.PLANNED_EVENT)
        return f"Planned: inside the planned event {found.planned_event}."
    if decision.handling == Handling.ATTACHED and found.same is not None:
        event.incident = found.same.incident
        event.correlation_rule = correlator.fired(CorrelationKind.SAME_CAUSE)
        return f"Same cause as {found.same.number}: attached to {found.same.incident}."
    return {
        Handling.CLEARED: "Resolved by the monitor before it was handled.",
        Handling.UNMATCHED: "No CI matched: for the operator.",
        Handling.FOR_OPERATOR: "The source has no operator to register an incident request "
        "in: for the operator.",
        Handling.INFORMATIONAL: "Information only: no incident request needed.",
    }.get(decision.handling, Handling(decision.handling).label + ".")


# (column, PostgreSQL type) of what an in-memory decision sets.
DEFERRED_COLUMNS = [
    ("handling", "varchar"), ("handled_at", "timestamptz"), ("status", "varchar"),
    ("closed_at", "timestamptz"), ("cause_id", "bigint"), ("incident_id", "bigint"),
    ("correlation_rule_id", "bigint"), ("planned_change_id", "bigint"),
    ("planned_event_id", "bigint"),
]  # fmt: skip
UPDATE_ROWS = 500


def _update_events(events: list[Event]) -> None:
    """One ``UPDATE ... FROM (VALUES ...)`` per 500 events (Django's ``bulk_update``
    builds a CASE per field and row: most of a batch's time went there)."""
    qn = connection.ops.quote_name
    table = qn(Event._meta.db_table)
    postgres = connection.vendor == "postgresql"
    names = ["id", *(column for column, _type in DEFERRED_COLUMNS)]
    cast = [("::bigint" if postgres else "")] + [
        (f"::{kind}" if postgres else "") for _column, kind in DEFERRED_COLUMNS
    ]
    one = "(" + ", ".join(f"%s{c}" for c in cast) + ")"
    stamp = connection.ops.adapt_datetimefield_value
    for start in range(0, len(events), UPDATE_ROWS):
        chunk = events[start : start + UPDATE_ROWS]
        params = []
        for e in chunk:
            params += [e.pk, e.handling, stamp(e.handled_at), e.status, stamp(e.closed_at),
                       e.cause_id, e.incident_id, e.correlation_rule_id, e.planned_change_id,
                       e.planned_event_id]  # fmt: skip
        sets = ", ".join(f"{qn(c)} = v.{qn(c)}" for c, _type in DEFERRED_COLUMNS)
        sql = (
            f"WITH v({', '.join(qn(n) for n in names)}) AS (VALUES {', '.join([one] * len(chunk))})"
            f" UPDATE {table} SET {sets} FROM v WHERE {table}.{qn('id')} = v.{qn('id')}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _write_deferred(batch: Batch) -> None:
    """The in-memory decisions of the batch: one UPDATE, the journal in one INSERT (how
    each was handled, and the closing), the outages, the webhook events."""
    if not batch.deferred:
        return
    events = [event for event, _note in batch.deferred]
    _update_events(events)
    kind = ContentType.objects.get_for_model(Event)
    entries = []
    for event, note in batch.deferred:
        entries.append(_entry(kind, event, JournalKind.SYSTEM, body=journal.sanitise(note),
                              data={"handling": event.handling}))  # fmt: skip
        if event.status == EventStatus.CLOSED:
            entries.append(_entry(kind, event, JournalKind.TRANSITION, field="status",
                                  old_value=EventStatus.OPEN, new_value=EventStatus.CLOSED))  # fmt: skip
    JournalEntry.objects.bulk_create(entries, batch_size=500)
    if batch.outages:
        Outage.objects.bulk_create(batch.outages)
    for event, _note in batch.deferred:
        _announce(event, handling_decision_of(event))
        if event.status == EventStatus.CLOSED:
            notify.record_event(record=event, event="events.event.closed", actor=None,
                                data={"handling": event.handling})  # fmt: skip


def handling_decision_of(event: Event) -> Decision:
    """The decision as far as the announcement needs it (its handling)."""
    return Decision(event.handling, closes=event.status == EventStatus.CLOSED)


def _entry(kind: ContentType, event: Event, what: str, **fields: object) -> JournalEntry:
    return JournalEntry(
        record_type=kind,
        record_id=event.pk,
        kind=what,
        actor=None,
        record_version=event.lock_version,
        public=what in PUBLIC_JOURNAL_KINDS,
        **fields,
    )


# --- Incident requests and outages ----------------------------------------------------------


def _capacity_manager(services: list[int]) -> tuple[Person | None, SupportGroup | None, int | None]:
    """The capacity manager of the first service (by id) the CI supports that has one,
    else one held everywhere; with the group they work in (an assignee needs one)."""
    candidates: list[tuple[Person, int | None]] = []
    for service in Service.objects.filter(pk__in=services).order_by("pk"):
        candidates += [(p, service.pk) for p in holders(Role.CAPACITY_MANAGER, service)]
    candidates += [(p, None) for p in holders(Role.CAPACITY_MANAGER)]
    for person, service_id in candidates:
        membership = (
            SupportGroupMembership.objects.filter(person=person, group__is_active=True)
            .select_related("group")
            .order_by("group_id")
            .first()
        )
        if membership is not None:
            return person, membership.group, service_id
    return None, None, None


def _register(
    event: Event, ci: ConfigurationItem | None, decision: Decision, services: list[int]
) -> tuple[IncidentRequest, str]:
    """Register the incident request the decision asks for; return it and the note."""
    operator = event.source.operator
    assert operator is not None and ci is not None  # the rules decide so
    service_id = services[0] if services else None
    extra: dict = {}
    who = ""
    if decision.registers == ServiceType.INFRASTRUCTURE_EVENT:
        manager, group, managed = _capacity_manager(services)
        if manager is not None:
            extra = {"assignee": manager, "support_group": group}
            service_id = managed or service_id
            who = f" Assigned to the capacity manager {manager}."
        else:
            who = " No capacity manager in a support group: routed by the rules."
    service_cis = list(
        ConfigurationItem.objects.filter(service_id__in=services).values_list("pk", flat=True)
    )
    incident = incident_register(
        actor=operator,
        requester=operator,
        title=(event.summary or f"{event.event_type} on {event.resource}")[:200],
        description=_description(event),
        channel=Channel.EVENT,
        service=service_id,
        cis=list(dict.fromkeys([ci.pk, *service_cis])),
        service_type=decision.registers,
        impact=Impact.MODERATE if services else Impact.MINOR,
        urgency=URGENCY.get(event.severity, Urgency.MEDIUM),
        **extra,
    )
    kind = ServiceType(decision.registers).label.lower()
    return incident, f"Registered {incident.number} ({kind}).{who}"


def _description(event: Event) -> str:
    return "\n".join(
        [
            f"Registered from event {event.number} of the monitoring source {event.source}.",
            f"Resource: {event.resource}",
            f"Event type: {event.event_type}",
            f"Severity: {event.get_severity_display()}",
            f"First seen: {event.first_seen_at.isoformat()}",
            f"Fingerprint: {event.fingerprint}",
        ]
    )


def _outage_mark(event: Event) -> str:
    """How an outage row names the event that opened it (its clear ends them)."""
    return f"{event.number}: "


def _outages(event: Event, services: set[int], incident: IncidentRequest | None) -> list[Outage]:
    """An unplanned outage (or degradation) of each service the CI supports, from the
    moment the event was first seen; the SLA reviews' availability reads them."""
    reference = incident.number if incident is not None else event.number
    return [
        Outage(
            service_id=service_id,
            started_at=event.first_seen_at,
            degraded=event.category == EventCategory.DEGRADATION,
            planned=False,
            description=f"{_outage_mark(event)}{event.summary}"[:2000],
            source_reference=str(reference)[:40],
        )
        for service_id in sorted(services)
    ]


# --- Clearing -------------------------------------------------------------------------------


def _close_cleared(ids: list[int], now: dt.datetime) -> None:
    """The monitor reported these handled events resolved: their outages end, and an event
    still open on the console is closed (proc. 1: "closes the event once resolved")."""
    for event in Event.objects.filter(pk__in=ids).order_by("pk"):
        if event.handling in OUTAGE_HANDLINGS and event.category in (
            EventCategory.OUTAGE,
            EventCategory.DEGRADATION,
        ):
            Outage.objects.filter(
                description__startswith=_outage_mark(event), ended_at__isnull=True
            ).update(ended_at=now)
        notify.record_event(
            record=event, event="events.event.cleared", actor=None, data={"count": event.count}
        )
        if event.status != EventStatus.CLOSED:
            event.closed_at = now
            transitions.transition(
                event,
                EventStatus.CLOSED,
                actor=None,
                workflow=workflows.EVENT,
                reason="The monitoring source reported it resolved.",
                event="events.event.closed",
                data={"handling": event.handling},
                also=["closed_at"],
            )
