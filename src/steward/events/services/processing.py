"""The event processor's batch (seed 003 ch. 6 proc. 1, before the operator looks): take
accepted events from the inbox, deduplicate them into ``Event`` rows, clear the resolved
ones and hand the new ones to procedure 1 (``services/handling.py``).

One batch is one transaction: the inbox rows are deleted by the statement that claims
them, so a crash before the commit puts them back and a commit applies them exactly once.
PostgreSQL: ``FOR UPDATE SKIP LOCKED`` lets several processors take disjoint batches.
SQLite: the IMMEDIATE transaction (settings) is the lock; batches run one after another.

Deduplication costs a few statements per batch, whatever the number of repeats: the batch
is grouped by (source, fingerprint) in arrival order and split at each "resolved"; each
round of segments is one multi-row ``INSERT ... ON CONFLICT (source_id, fingerprint) WHERE
active DO UPDATE`` (the partial unique index makes it exact under concurrency), whose
``RETURNING count`` tells a new row (the count sent) from a repeat. No ORM object is
built for a repeat; only new events are handled with the ORM.
"""

import datetime as dt
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from steward.core import refcache
from steward.events.choices import EventCategory, Severity
from steward.events.models import Event, EventInbox, EventType
from steward.events.rules import RESOLVED
from steward.events.services import handling

log = logging.getLogger(__name__)

# Rows per upsert statement: under PostgreSQL's 65,535 and SQLite's 32,766 parameters.
UPSERT_ROWS = 1000
DEADLOCK_RETRIES = 3
# SQLite has one writer at a time: between two batches of a backlog the processor leaves
# the lock free this long, so the ingestion's INSERTs (which try again every millisecond,
# ``ingest._sqlite_write``) get in instead of waiting for the whole backlog. The event_ingest
# bench: batches ingested at 1,470 events/s without the pause, 3,300 with it (loaded machine).
SQLITE_PAUSE_SECONDS = 0.01


@dataclass
class Segment:
    """Consecutive firing events of one fingerprint, maybe ended by a "resolved"."""

    source_id: int
    fingerprint: str
    first: dict[str, Any] | None = None  # the first firing event (resource, type, time)
    last: dict[str, Any] | None = None  # the latest (severity, summary, attributes)
    first_seen: dt.datetime | None = None
    last_seen: dt.datetime | None = None
    count: int = 0
    resolved_at: dt.datetime | None = None
    resolved: bool = False

    def add(self, data: dict[str, Any], received_at: dt.datetime) -> None:
        if self.first is None:
            self.first, self.first_seen = data, received_at
        self.last, self.count = data, self.count + 1
        self.last_seen = max(self.last_seen or received_at, received_at)


@dataclass
class BatchResult:
    """What one batch did: ids of new, repeated and cleared events."""

    rows: int = 0
    new: list[int] = field(default_factory=list)
    repeated: int = 0
    cleared: list[int] = field(default_factory=list)


def process_inbox(limit: int = 1000) -> int:
    """Process up to ``limit`` inbox rows in one transaction; return how many were taken.

    Seed 003 ch. 6 proc. 1: repeats counted, resolved events cleared, new events handled.
    A deadlock between processors (PostgreSQL) rolls the batch back; it is tried again."""
    for attempt in range(DEADLOCK_RETRIES):
        try:
            return process_batch(limit).rows
        except DatabaseError as error:
            if not _is_deadlock(error) or attempt == DEADLOCK_RETRIES - 1:
                raise
            log.warning("Event batch deadlocked; trying again.")
    return 0  # pragma: no cover - the loop returns or raises


def pause_between_batches() -> float:
    """Seconds the processor waits before the next batch of a backlog: SQLite's pause
    (``SQLITE_PAUSE_SECONDS``); none on PostgreSQL, where writers do not exclude each other."""
    return SQLITE_PAUSE_SECONDS if connection.vendor == "sqlite" else 0.0


def _is_deadlock(error: DatabaseError) -> bool:
    cause = getattr(error, "__cause__", None)
    return getattr(cause, "sqlstate", None) in ("40P01", "40001")


def process_batch(limit: int = 1000) -> BatchResult:
    """One batch (``process_inbox``), with what it did."""
    result = BatchResult()
    with transaction.atomic(), refcache.scope():
        claimed = _claim(limit)
        result.rows = len(claimed)
        if not claimed:
            return result
        rounds = _segments(claimed)
        types = _types(claimed)
        now = timezone.now()
        for segments in rounds:
            firing = [s for s in segments if s.count]
            new, repeated = _upsert(firing, types)
            result.new.extend(new)
            result.repeated += repeated
            result.cleared.extend(_clear([s for s in segments if s.resolved], now))
        handling.handle_batch(new_ids=result.new, cleared_ids=result.cleared, now=now)
    return result


# --- Claiming -------------------------------------------------------------------------------


def _claim(limit: int) -> list[tuple[int, int, dt.datetime, dict[str, Any]]]:
    """Delete and return up to ``limit`` inbox rows, oldest first."""
    table = connection.ops.quote_name(EventInbox._meta.db_table)
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    sql = (
        f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} ORDER BY id LIMIT %s{lock})"
        f" RETURNING id, source_id, received_at, data"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [int(limit)])
        rows = cursor.fetchall()
    claimed = [(pk, source_id, _moment(at), _json(data)) for pk, source_id, at, data in rows]
    claimed.sort(key=lambda row: row[0])
    return claimed


def _moment(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is None:
        return timezone.now()
    return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, (str, bytes)):
        value = json.loads(value)
    return value if isinstance(value, dict) else {}


# --- Grouping -------------------------------------------------------------------------------


def _segments(
    claimed: Iterable[tuple[int, int, dt.datetime, dict[str, Any]]],
) -> list[list[Segment]]:
    """The batch as rounds of segments: round n holds the n-th segment of each fingerprint,
    so no upsert names a row twice (PostgreSQL refuses that) and a fingerprint that fired,
    resolved and fired again in one batch ends as a cleared event and a new one."""
    per_key: dict[tuple[int, str], list[Segment]] = {}
    for _pk, source_id, received_at, data in claimed:
        fingerprint = str(data.get("fingerprint") or "")[:255]
        if not fingerprint:
            continue  # ingestion refuses these; a hand-written row is dropped
        segments = per_key.setdefault((source_id, fingerprint), [])
        if not segments or segments[-1].resolved:
            segments.append(Segment(source_id, fingerprint))
        segment = segments[-1]
        if data.get("status") == RESOLVED:
            segment.resolved, segment.resolved_at = True, received_at
        else:
            segment.add(data, received_at)
    rounds: list[list[Segment]] = []
    for segments in per_key.values():
        for n, segment in enumerate(segments):
            if n == len(rounds):
                rounds.append([])
            rounds[n].append(segment)
    for segments in rounds:  # one lock order for every processor: fewer deadlocks
        segments.sort(key=lambda s: (s.source_id, s.fingerprint))
    return rounds


def _types(claimed: Iterable[tuple[int, int, dt.datetime, dict[str, Any]]]) -> dict[str, EventType]:
    codes = {str(data.get("event_type") or "") for *_, data in claimed} - {""}
    if not codes:
        return {}
    return {t.code: t for t in EventType.objects.filter(code__in=codes, is_active=True)}


def _category(data: dict[str, Any], event_type: EventType | None) -> str:
    """The payload's explicit category, else its event type's, else information for an
    "info" event and an outage otherwise (a monitor alerts on failures by default)."""
    explicit = data.get("category")
    if explicit in EventCategory.values:
        return explicit
    if event_type is not None:
        return event_type.category
    if data.get("severity") == Severity.INFO:
        return EventCategory.INFORMATIONAL
    return EventCategory.OUTAGE


# --- Deduplication --------------------------------------------------------------------------

_COLUMNS = (
    "lock_version", "source_id", "fingerprint", "resource", "event_type", "type_id", "severity",
    "category", "summary", "attributes", "occurred_at", "first_seen_at", "last_seen_at",
    "count", "active", "status", "handling", "close_note",
)  # fmt: skip


def _upsert_sql(rows: int) -> str:
    qn = connection.ops.quote_name
    table = qn(Event._meta.db_table)
    postgres = connection.vendor == "postgresql"
    jsonb = "::jsonb" if postgres else ""
    stamp = "::timestamptz" if postgres else ""
    one = (
        f"(1, %s, %s, %s, %s, %s, %s, %s, %s, %s{jsonb}, %s{stamp}, %s{stamp}, %s{stamp},"
        f" %s, true, 'open', 'pending', '')"
    )
    latest = "GREATEST" if postgres else "MAX"
    return (
        f"INSERT INTO {table} ({', '.join(qn(c) for c in _COLUMNS)}) VALUES "
        + ", ".join([one] * rows)
        + f" ON CONFLICT ({qn('source_id')}, {qn('fingerprint')}) WHERE {qn('active')}"
        f" DO UPDATE SET {qn('count')} = {table}.{qn('count')} + excluded.{qn('count')},"
        f" {qn('last_seen_at')} = {latest}({table}.{qn('last_seen_at')},"
        f" excluded.{qn('last_seen_at')}),"
        f" {qn('severity')} = excluded.{qn('severity')},"
        f" {qn('summary')} = excluded.{qn('summary')},"
        f" {qn('attributes')} = excluded.{qn('attributes')}"
        f" RETURNING id, {qn('source_id')}, {qn('fingerprint')}, {qn('count')}"
    )


def _row(segment: Segment, types: dict[str, EventType]) -> list[Any]:
    first, last = segment.first or {}, segment.last or {}
    code = str(first.get("event_type") or "")[:100]
    event_type = types.get(code)
    severity = last.get("severity")
    occurred = (
        parse_datetime(str(first.get("occurred_at") or "")) if first.get("occurred_at") else None
    )
    if occurred is None or timezone.is_naive(occurred):
        occurred = segment.first_seen
    stamp = connection.ops.adapt_datetimefield_value
    return [
        segment.source_id,
        segment.fingerprint,
        str(first.get("resource") or "")[:255],
        code,
        event_type.pk if event_type else None,
        severity if severity in Severity.values else Severity.MAJOR,
        _category(first, event_type),
        str(last.get("summary") or "")[:500],
        json.dumps(last.get("attributes") if isinstance(last.get("attributes"), dict) else {}),
        stamp(occurred),
        stamp(segment.first_seen),
        stamp(segment.last_seen),
        segment.count,
    ]


def _upsert(segments: list[Segment], types: dict[str, EventType]) -> tuple[list[int], int]:
    """Insert or count up the segments; return the ids of new events and how many
    existing ones were repeated."""
    new: list[int] = []
    repeated = 0
    for start in range(0, len(segments), UPSERT_ROWS):
        chunk = segments[start : start + UPSERT_ROWS]
        sent = {(s.source_id, s.fingerprint): s.count for s in chunk}
        params = [value for s in chunk for value in _row(s, types)]
        with connection.cursor() as cursor:
            cursor.execute(_upsert_sql(len(chunk)), params)
            returned = cursor.fetchall()
        for pk, source_id, fingerprint, count in returned:
            if count == sent[(source_id, fingerprint)]:
                new.append(pk)
            else:
                repeated += 1
    return new, repeated


def _clear(segments: list[Segment], now: dt.datetime) -> list[int]:
    """The monitor's "resolved": the active event of each fingerprint stops firing. A
    "resolved" for no active event is dropped."""
    if not segments:
        return []
    qn = connection.ops.quote_name
    table = qn(Event._meta.db_table)
    cleared: list[int] = []
    by_source: dict[int, list[str]] = {}
    for s in segments:
        by_source.setdefault(s.source_id, []).append(s.fingerprint)
    for source_id, fingerprints in sorted(by_source.items()):
        for start in range(0, len(fingerprints), UPSERT_ROWS):
            chunk = fingerprints[start : start + UPSERT_ROWS]
            sql = (
                f"UPDATE {table} SET {qn('active')} = false, {qn('cleared_at')} = %s"
                f" WHERE {qn('active')} AND {qn('source_id')} = %s"
                f" AND {qn('fingerprint')} IN ({', '.join(['%s'] * len(chunk))}) RETURNING id"
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    sql, [connection.ops.adapt_datetimefield_value(now), source_id, *chunk]
                )
                cleared.extend(row[0] for row in cursor.fetchall())
    return cleared
