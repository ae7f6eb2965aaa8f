"""SLA clocks: a core mechanism any record can use (issue 3).

A clock measures one promise on one record (an incident's P1 resolution under an SLA,
the assigned group's OLA, a supplier's UC) in business time:

- ``clock_start`` on registration; ``clock_pause`` while waiting on the requester or a
  supplier; ``clock_resume``; ``clock_stop`` on resolution (freezes the business time used
  and whether the target was met); ``clock_cancel`` when nothing is measured any more
  (the agreement ended, the record was withdrawn).
- While running, ``breach_at == add_business_time(started_at, target + paused)`` and
  ``warning_at`` the same with ``target * warning_percent / 100``, where ``paused`` is the
  business time spent paused so far. A paused clock has no deadline (both are cleared).
- Every transition locks the clock row and writes a ``ClockEvent`` (the clock's history).
- ``sweep`` (a periodic job every minute) finds the clocks whose warning or breach time
  has come, claims each with a conditional UPDATE and notifies once per clock and
  threshold, even when two sweeps run at the same time.

Clock functions take an optional ``actor`` for the history only: the record's own service
(``incident_resolve`` ...) decides who may do what and calls these inside its transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.db.models.sql import InsertQuery
from django.utils import timezone

from steward.core import notify, refcache, webhooks
from steward.core.calendars import add_business_time, business_time_between, spec_for
from steward.core.choices import ClockKind, ClockMetric, ClockState
from steward.core.errors import InvalidTransition
from steward.core.models import (
    BusinessCalendar,
    ClockEvent,
    Holiday,
    Person,
    SlaClock,
    WorkingPeriod,
)
from steward.core.workflows import Workflow

logger = logging.getLogger(__name__)

__all__ = [
    "CLOCK",
    "Reading",
    "clock_cancel",
    "clock_pause",
    "clock_recalculate",
    "clock_resume",
    "clock_start",
    "clock_start_many",
    "clock_stop",
    "clocks_cancel_for_agreement",
    "clocks_for",
    "due_clock_ids",
    "elapsed_business_seconds",
    "readable_types",
    "reading",
    "recalculate",
    "register_escalation",
    "register_reader",
    "remaining",
    "sweep",
]

S = ClockState
CLOCK = Workflow.build(
    "SLA clock",
    {
        S.RUNNING: {S.PAUSED, S.STOPPED, S.CANCELLED},
        S.PAUSED: {S.RUNNING, S.STOPPED, S.CANCELLED},
    },
)
OPEN_STATES = (S.RUNNING, S.PAUSED)

Level = Literal["warning", "breach"]
Escalation = Callable[[SlaClock, str], Iterable[Person]]
_ESCALATIONS: dict[str, Escalation] = {}
_READERS: dict[str, Callable[[Any], QuerySet]] = {}

# Clocks claimed per UPDATE: keeps the parameter list well under SQLite's limit and each
# sweep transaction short.
CLAIM_BATCH = 500
_NAME_MAX = SlaClock._meta.get_field("name").max_length
_REASON_MAX = ClockEvent._meta.get_field("reason").max_length


# --- Arithmetic -------------------------------------------------------------------------


def _seconds(delta: timedelta) -> int:
    """Whole seconds, rounded down: paused time is never over-counted, so the business time
    used (measured minus paused) can never go negative."""
    return delta // timedelta(seconds=1)


CALENDARS = "core.calendars"
# Every clock start and deadline reads its calendar; calendars change a few times a year.
refcache.register(CALENDARS, BusinessCalendar, WorkingPeriod, Holiday)


def _calendar(clock: SlaClock) -> BusinessCalendar:
    return calendar_with_hours(clock.calendar_id)


def _prefetched(calendar: BusinessCalendar) -> bool:
    """Whether the caller loaded the calendar with its periods and holidays already (so
    several clocks started together read the calendar once)."""
    cache = getattr(calendar, "_prefetched_objects_cache", {})
    return "periods" in cache and "holidays" in cache


def calendar_with_hours(calendar_id: int) -> BusinessCalendar:
    """A calendar with its periods and holidays, ready for ``clock_start`` (kept in memory
    between changes: treat it as read-only)."""

    def load() -> BusinessCalendar:
        return BusinessCalendar.objects.prefetch_related("periods", "holidays").get(pk=calendar_id)

    return refcache.cached(CALENDARS, load, key=calendar_id)


def recalculate(clock: SlaClock, calendar: BusinessCalendar | None = None) -> SlaClock:
    """Set ``warning_at`` and ``breach_at`` from the clock's state (not saved).

    Running: ``add_business_time(started_at, target + paused)`` for the breach and
    ``target * warning_percent / 100 + paused`` for the warning. Paused, stopped or
    cancelled: no deadline, both are None.
    """
    if clock.state != S.RUNNING:
        clock.warning_at = clock.breach_at = None
        return clock
    spec = spec_for(calendar or _calendar(clock))
    paused = timedelta(seconds=clock.paused_business_seconds)
    try:
        clock.breach_at = add_business_time(
            clock.started_at, timedelta(seconds=clock.target_seconds) + paused, spec
        )
        # Integer microseconds: exact for any percentage.
        warn = timedelta(microseconds=clock.target_seconds * clock.warning_percent * 10_000)
        clock.warning_at = add_business_time(clock.started_at, warn + paused, spec)
    except ValueError as exc:  # a calendar without hours, a date out of range
        raise ValidationError({"calendar": [str(exc)]}) from None
    return clock


def elapsed_business_seconds(clock: SlaClock, now: datetime | None = None) -> int:
    """Business time the clock has used, in whole seconds: never negative, never more than
    the wall time since it started. Frozen once stopped; a paused clock counts up to the
    pause."""
    if clock.state == S.STOPPED and clock.elapsed_business_seconds is not None:
        return clock.elapsed_business_seconds
    if clock.state == S.PAUSED and clock.paused_at is not None:
        end = clock.paused_at
    elif clock.state in (S.STOPPED, S.CANCELLED) and clock.stopped_at is not None:
        end = clock.stopped_at
    else:
        end = now or timezone.now()
    if end <= clock.started_at:
        return 0
    measured = _seconds(business_time_between(clock.started_at, end, spec_for(_calendar(clock))))
    return max(0, measured - clock.paused_business_seconds)


def remaining(clock: SlaClock, now: datetime | None = None) -> int:
    """Business seconds left before the breach; negative once the target is exceeded."""
    return clock.target_seconds - elapsed_business_seconds(clock, now)


@dataclass(frozen=True)
class Reading:
    """A clock as people read it (the record page and the API): business seconds used and
    left (negative: over the target), and whether the promise is broken."""

    elapsed: int
    remaining: int
    breached: bool


def reading(clock: SlaClock, now: datetime | None = None) -> Reading:
    """Read ``clock`` now: breached once over the target, once the sweep marked the breach,
    or when it stopped without meeting the target."""
    elapsed = elapsed_business_seconds(clock, now)
    left = clock.target_seconds - elapsed
    breached = left < 0 or clock.breached_at is not None or clock.met is False
    return Reading(elapsed=elapsed, remaining=left, breached=breached)


# --- Transitions ------------------------------------------------------------------------


def _event(clock: SlaClock, event: str, at: datetime, *, reason: str = "", actor=None) -> None:
    ClockEvent.objects.create(
        clock=clock, event=event, at=at, reason=(reason or "")[:_REASON_MAX], actor=actor
    )


def _locked(clock_id: int, new_state: str) -> SlaClock:
    clock = SlaClock.objects.select_for_update().get(pk=clock_id)
    CLOCK.check(clock.state, new_state)
    return clock


def _not_before(at: datetime, earliest: datetime, field: str) -> None:
    if at < earliest:
        raise ValidationError({"at": [f"The time must not be before the clock's {field}."]})


def _new_clock(
    *,
    record: models.Model,
    metric: str,
    name: str,
    calendar: BusinessCalendar,
    target_seconds: int,
    kind: str = ClockKind.SLA,
    warning_percent: int = 75,
    started_at: datetime | None = None,
    target_id: int | None = None,
    agreement_id: int | None = None,
) -> SlaClock:
    """A running clock, checked and with its deadlines, not saved yet."""
    errors: dict[str, list[str]] = {}
    if metric not in ClockMetric.values:
        errors["metric"] = [f"Unknown metric {metric!r}."]
    if kind not in ClockKind.values:
        errors["kind"] = [f"Unknown clock kind {kind!r}."]
    if not isinstance(target_seconds, int) or target_seconds <= 0:
        errors["target_seconds"] = ["The target must be a positive number of seconds."]
    if not isinstance(warning_percent, int) or not 1 <= warning_percent <= 100:
        errors["warning_percent"] = ["The warning must be between 1 and 100 percent."]
    if record is None or record.pk is None:
        errors["record"] = ["The record must be saved before a clock can start."]
    if errors:
        raise ValidationError(errors)
    clock = SlaClock(
        record_type=ContentType.objects.get_for_model(record, for_concrete_model=True),
        record_id=record.pk,
        kind=kind,
        metric=metric,
        name=name[:_NAME_MAX],
        target_id=target_id,
        agreement_id=agreement_id,
        calendar=calendar,
        target_seconds=target_seconds,
        warning_percent=warning_percent,
        state=S.RUNNING,
        started_at=started_at or timezone.now(),
    )
    return recalculate(clock, calendar if _prefetched(calendar) else _calendar(clock))


def clock_start_many(
    *, record: models.Model, starts: Iterable[dict[str, Any]], actor: Person | None = None
) -> list[SlaClock]:
    """Start several clocks on ``record`` at once (registration: the SLA and OLA response
    and resolution clocks); each item takes ``clock_start``'s arguments. All or none: every
    deadline is computed before anything is written, and the clocks and their "started"
    events are written with one statement each."""
    new = [_new_clock(record=record, **start) for start in starts]
    if not new:
        return []
    # No savepoint when nested: a failed write fails the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            _insert_started(new, actor)
        else:
            SlaClock.objects.bulk_create(new)
            ClockEvent.objects.bulk_create(
                ClockEvent(clock=clock, event="started", at=clock.started_at, actor=actor)
                for clock in new
            )
    return new


def _insert_started(new: list[SlaClock], actor: Person | None) -> None:
    """PostgreSQL: the clocks and their "started" events with one statement (the clocks'
    INSERT as the ORM writes it, in a CTE the events are selected from), as
    ``bulk_create`` would leave them: ids set, saved."""
    opts = SlaClock._meta
    for clock in new:
        clock._prepare_related_fields_for_save(operation_name="clock_start_many")
    query = InsertQuery(SlaClock)
    query.insert_values([f for f in opts.concrete_fields if not f.primary_key], new)
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [opts.pk, opts.get_field("started_at")]
    [(insert, params)] = compiler.as_sql()
    quote = connection.ops.quote_name
    event = ClockEvent._meta
    columns = ", ".join(
        quote(event.get_field(name).column) for name in ("clock", "event", "at", "reason", "actor")
    )
    sql = (
        f"WITH c AS ({insert}), e AS (INSERT INTO {quote(event.db_table)} ({columns}) "
        f"SELECT c.{quote(opts.pk.column)}, %s, c.{quote(opts.get_field('started_at').column)}, "
        f"'', %s FROM c) SELECT c.{quote(opts.pk.column)} FROM c"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, "started", actor.pk if actor else None])
        ids = [row[0] for row in cursor.fetchall()]
    # The CTE returns its rows in the order they were inserted, as bulk_create relies on.
    for clock, pk in zip(new, ids, strict=True):
        clock.pk = pk
        clock._state.adding, clock._state.db = False, connection.alias


def clock_start(
    *,
    record: models.Model,
    metric: str,
    name: str,
    calendar: BusinessCalendar,
    target_seconds: int,
    kind: str = ClockKind.SLA,
    warning_percent: int = 75,
    started_at: datetime | None = None,
    target_id: int | None = None,
    agreement_id: int | None = None,
    actor: Person | None = None,
) -> SlaClock:
    """Start a running clock on ``record`` (registration); warning and breach computed."""
    start = {
        "metric": metric, "name": name, "calendar": calendar, "target_seconds": target_seconds,
        "kind": kind, "warning_percent": warning_percent, "started_at": started_at,
        "target_id": target_id, "agreement_id": agreement_id,
    }  # fmt: skip
    return clock_start_many(record=record, starts=[start], actor=actor)[0]


def clock_pause(
    *, clock_id: int, at: datetime | None = None, reason: str = "", actor: Person | None = None
) -> SlaClock:
    """Pause a running clock (waiting on the requester or a supplier): no deadline meanwhile."""
    at = at or timezone.now()
    with transaction.atomic():
        clock = _locked(clock_id, S.PAUSED)
        _not_before(at, clock.started_at, "start")
        clock.state, clock.paused_at = S.PAUSED, at
        recalculate(clock)
        clock.save(update_fields=["state", "paused_at", "warning_at", "breach_at"])
        _event(clock, "paused", at, reason=reason, actor=actor)
    return clock


def _close_pause(clock: SlaClock, at: datetime, calendar: BusinessCalendar) -> None:
    """Add the business time of the pause ending at ``at`` to the paused total."""
    paused = business_time_between(clock.paused_at, at, spec_for(calendar))
    clock.paused_business_seconds += _seconds(paused)
    clock.paused_at = None


def clock_resume(
    *, clock_id: int, at: datetime | None = None, actor: Person | None = None
) -> SlaClock:
    """Resume a paused clock; the business time paused moves warning and breach later."""
    at = at or timezone.now()
    with transaction.atomic():
        clock = _locked(clock_id, S.RUNNING)
        _not_before(at, clock.paused_at, "pause")
        calendar = _calendar(clock)
        _close_pause(clock, at, calendar)
        clock.state = S.RUNNING
        recalculate(clock, calendar)
        clock.save(
            update_fields=[
                "state",
                "paused_at",
                "paused_business_seconds",
                "warning_at",
                "breach_at",
            ]
        )
        _event(clock, "resumed", at, actor=actor)
    return clock


def clock_stop(
    *, clock_id: int, at: datetime | None = None, actor: Person | None = None
) -> SlaClock:
    """Stop a running or paused clock (resolution): freeze the business time used and
    whether the target was met."""
    at = at or timezone.now()
    with transaction.atomic():
        clock = _locked(clock_id, S.STOPPED)
        _not_before(
            at, clock.paused_at or clock.started_at, "pause" if clock.paused_at else "start"
        )
        calendar = _calendar(clock)
        if clock.state == S.PAUSED:
            _close_pause(clock, at, calendar)
        measured = _seconds(business_time_between(clock.started_at, at, spec_for(calendar)))
        used = max(0, measured - clock.paused_business_seconds)
        clock.state, clock.stopped_at = S.STOPPED, at
        clock.elapsed_business_seconds, clock.met = used, used <= clock.target_seconds
        recalculate(clock)
        clock.save(
            update_fields=[
                "state",
                "paused_at",
                "paused_business_seconds",
                "stopped_at",
                "elapsed_business_seconds",
                "met",
                "warning_at",
                "breach_at",
            ]
        )
        _event(clock, "stopped", at, reason="met" if clock.met else "missed", actor=actor)
    return clock


def clock_cancel(*, clock_id: int, reason: str = "", actor: Person | None = None) -> SlaClock:
    """Stop measuring without a verdict (``met`` stays unknown)."""
    at = timezone.now()
    with transaction.atomic():
        clock = _locked(clock_id, S.CANCELLED)
        clock.state, clock.stopped_at, clock.paused_at = S.CANCELLED, at, None
        recalculate(clock)
        clock.save(update_fields=["state", "stopped_at", "paused_at", "warning_at", "breach_at"])
        _event(clock, "cancelled", at, reason=reason, actor=actor)
    return clock


def clocks_cancel_for_agreement(*, agreement_id: int, reason: str) -> int:
    """Cancel every open clock of an agreement (terminated: no more monitoring).

    Call inside the termination's transaction; returns how many clocks were cancelled.
    """
    at = timezone.now()
    with transaction.atomic():
        ids = list(
            SlaClock.objects.select_for_update()
            .filter(agreement_id=agreement_id, state__in=OPEN_STATES)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        SlaClock.objects.filter(pk__in=ids).update(
            state=S.CANCELLED, stopped_at=at, paused_at=None, warning_at=None, breach_at=None
        )
        ClockEvent.objects.bulk_create(
            ClockEvent(clock_id=pk, event="cancelled", at=at, reason=reason[:_REASON_MAX])
            for pk in ids
        )
    return len(ids)


def clock_recalculate(*, clock_id: int, actor: Person | None = None) -> SlaClock:
    """Recompute warning and breach of an open clock (its calendar changed)."""
    with transaction.atomic():
        clock = SlaClock.objects.select_for_update().get(pk=clock_id)
        if clock.state not in OPEN_STATES:
            raise InvalidTransition(CLOCK.name, clock.state, "recalculated")
        recalculate(clock)
        clock.save(update_fields=["warning_at", "breach_at"])
        _event(clock, "recalculated", timezone.now(), actor=actor)
    return clock


def register_reader(model: type[models.Model], query: Callable[[Any], QuerySet]) -> None:
    """Let people read the clocks of ``model`` records (``GET /api/v1/clocks/``): those in
    ``query(actor)``, the area's own "records this person may see"."""
    _READERS[model._meta.label_lower] = query


def readable_types() -> dict[str, Callable[[Any], QuerySet]]:
    """Record types ("app.model") whose clocks can be read, with their record queries."""
    return dict(_READERS)


def clocks_for(record: models.Model) -> QuerySet[SlaClock]:
    """The clocks of a record, with their calendars (history via ``.events``)."""
    return SlaClock.objects.filter(
        record_type=ContentType.objects.get_for_model(record, for_concrete_model=True),
        record_id=record.pk,
    ).select_related("calendar")


# --- Escalation and the sweep -------------------------------------------------------------


def register_escalation(model_label: str, fn: Escalation) -> None:
    """Who is told when a clock on a ``model_label`` ("incidents.incident") record reaches
    its warning or breach: ``fn(clock, "warning" | "breach") -> [Person, ...]``.

    Without one, only the webhook event ("clock.warning" / "clock.breach") goes out.
    """
    _ESCALATIONS[model_label.lower()] = fn


def _recipients(clock: SlaClock, record: models.Model | None, level: Level) -> list[Person]:
    if record is None:
        return []
    fn = _ESCALATIONS.get(webhooks.record_type_label(record))
    if fn is None:
        return []
    try:
        return list(fn(clock, level))
    except Exception:  # an area's bug must not block every other clock's notice
        logger.exception("Escalation for clock %s (%s) failed", clock.pk, level)
        return []


_LEVELS: dict[str, tuple[str, str]] = {
    # level: (deadline column, claim column)
    "warning": ("warning_at", "warned_at"),
    "breach": ("breach_at", "breached_at"),
}


def due_clock_ids(level: Level, now: datetime | None = None, limit: int | None = None) -> list[int]:
    """Ids of running clocks whose ``level`` time has come and was not yet notified.

    Answered from the partial indexes ``clock_warning_due`` / ``clock_breach_due``.
    """
    deadline, claimed = _LEVELS[level]
    qs = (
        SlaClock.objects.filter(
            state=S.RUNNING,
            **{f"{claimed}__isnull": True, f"{deadline}__lte": now or timezone.now()},
        )
        .order_by(deadline)
        .values_list("pk", flat=True)
    )
    return list(qs[:limit] if limit else qs)


def _claim(level: Level, ids: list[int], now: datetime) -> list[int]:
    """Set the claim column where it is still empty; return the ids this call claimed.

    One ``UPDATE ... WHERE id IN (...) AND <claimed> IS NULL RETURNING id``: a concurrent
    sweep blocks on the row locks, then re-checks the condition and skips what we took.
    """
    deadline, claimed = _LEVELS[level]
    table = connection.ops.quote_name(SlaClock._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f"UPDATE {table} SET {claimed} = %s "
        f"WHERE id IN ({marks}) AND {claimed} IS NULL AND state = %s AND {deadline} <= %s "
        "RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, *ids, S.RUNNING, now])
        return [row[0] for row in cursor.fetchall()]


notify.describe("clock.warning", "SLA target at risk")
notify.describe("clock.breach", "SLA target breached")


def _title(clock: SlaClock, record: models.Model | None, level: Level) -> str:
    """ "SLA resolution breached: INC000123 Mailbox does not open"."""
    what = str(record) if record is not None else "a record"
    verb = f"{clock.warning_percent}% used" if level == "warning" else "breached"
    return f"{clock.get_kind_display()} {clock.get_metric_display().lower()} {verb}: {what}"


def _duration_words(seconds: int) -> str:
    """8 h, 45 min, 2 d 4 h: a clock's target as people say it."""
    minutes = max(int(seconds), 0) // 60
    days, minutes = divmod(minutes, 60 * 24)
    hours, minutes = divmod(minutes, 60)
    parts = [
        f"{days} d" if days else "",
        f"{hours} h" if hours else "",
        f"{minutes} min" if minutes else "",
    ]
    return " ".join(part for part in parts if part) or "0 min"


def _body(clock: SlaClock, level: Level) -> str:
    target = _duration_words(clock.target_seconds)
    if level == "warning":
        return (f"{clock.name}: {clock.warning_percent}% of the {target} target (business time) "
                "is used. Act before it breaches.")  # fmt: skip
    return f"{clock.name}: the {target} target (business time) was not met."


def _notify(level: Level, ids: list[int], now: datetime) -> None:
    clocks = list(
        SlaClock.objects.filter(pk__in=ids).select_related("record_type").prefetch_related("record")
    )
    event = f"clock.{level}"
    for clock in clocks:
        record = clock.record
        notify.send(
            recipients=_recipients(clock, record, level),
            event=event,
            title=_title(clock, record, level),
            body=_body(clock, level),
            record=record,
        )
        notify.record_event(
            record=record if record is not None else clock,
            event="core.sla_clock.warning" if level == "warning" else "core.sla_clock.breached",
            actor=None,
            data={
                "clock_id": clock.pk,
                "kind": clock.kind,
                "metric": clock.metric,
                "name": clock.name,
                "target_id": clock.target_id,
                "agreement_id": clock.agreement_id,
                "warning_at": clock.warning_at,
                "breach_at": clock.breach_at,
            },
        )
    ClockEvent.objects.bulk_create(
        ClockEvent(clock_id=clock.pk, event="warned" if level == "warning" else "breached", at=now)
        for clock in clocks
    )


def _sweep_level(level: Level, now: datetime) -> int:
    ids = due_clock_ids(level, now)
    sent = 0
    for start in range(0, len(ids), CLAIM_BATCH):
        # Claim and notify in one transaction: the notification rows commit with the claim
        # (emails and webhooks go out after commit), so a crash loses neither nor doubles.
        with transaction.atomic():
            mine = _claim(level, ids[start : start + CLAIM_BATCH], now)
            if mine:
                _notify(level, mine, now)
        sent += len(mine)
    return sent


def sweep(now: datetime | None = None) -> dict[str, Any]:
    """Send every due warning and breach notification exactly once per clock.

    Returns ``{"warnings": n, "breaches": n, "elapsed_ms": x}`` (what this call sent).
    """
    began = time.perf_counter()
    now = now or timezone.now()
    warnings = _sweep_level("warning", now)
    breaches = _sweep_level("breach", now)
    return {
        "warnings": warnings,
        "breaches": breaches,
        "elapsed_ms": round((time.perf_counter() - began) * 1000, 1),
    }
