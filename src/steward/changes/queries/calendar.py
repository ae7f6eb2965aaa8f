"""Reads of the change calendar: planned events, the calendar's entries and the conflicts
of a window (seed 003 ch. 3 proc. 2 and 3: the change manager checks "that the timing of
the implementation does not conflict with other planned changes or planned events").

The rule, in one place (``conflicts`` for one window, ``calendar_entries`` for a whole
range at once; both use ``_Scope`` and ``_reasons``):

- a conflict is another *scheduled* change (status in ``SCHEDULED_STATUSES``, with a
  window) or a planned event that is not cancelled, whose window overlaps the proposed one
  (half-open ``[start, end)``: touching ends do not overlap);
- and that concerns the same or a related CI or service. Related CIs are the CIs the
  proposed CIs depend on or that depend on them, at any depth (the CMDB's impact
  traversal, in both directions); the services are the change's own, its other affected
  services and the services of those CIs (a CI standing for a service); a CI standing
  for one of the change's services counts as that service. A blackout period, and an
  event that concerns everything, conflicts with everything in its window.

Cost: one traversal of the relationship graph for every CI concerned (one statement), then
the candidates by index (window and CI, window and service), never a scan of every
change; the calendar reads its range once and matches in memory (sorted per CI and
service, so each entry only meets what overlaps it).
"""

import gc
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import BooleanField, DateTimeField, F, Func, Q, QuerySet, Value
from django.urls import reverse
from django.utils.translation import get_language

from steward.changes.choices import (
    SCHEDULED_STATUSES,
    ChangeStatus,
    PlannedEventKind,
)
from steward.changes.models import Change, ChangeTask, PlannedEvent
from steward.configuration.models import ConfigurationItem, Relationship, RelationshipType
from steward.core import permissions, queries
from steward.core.models import Person
from steward.service_level.models import Service

VIEW = "changes.change.view"
_CHUNK = 400  # keeps every IN list under SQLite's bound-parameter limit (two lists a query)
# Changes shown on the calendar: the scheduled ones and those that ended after running.
SHOWN_STATUSES = (*SCHEDULED_STATUSES, ChangeStatus.CLOSED, ChangeStatus.BACKED_OUT)
CHANGE = "change"
EVENT = "planned_event"


# --- planned events -------------------------------------------------------------------


def planned_events_for(actor: Person) -> QuerySet[PlannedEvent]:
    """The planned events ``actor`` may see: provider staff who may see changes."""
    qs = PlannedEvent.objects.select_related("created_by").prefetch_related("services", "cis")
    if not may_see_calendar(actor):
        return qs.none()
    return qs


def planned_event_for(actor: Person, pk: Any) -> PlannedEvent:
    return queries.one(planned_events_for(actor), pk, "planned event")


def may_see_calendar(actor: Person) -> bool:
    return (
        getattr(actor, "is_authenticated", False)
        and permissions.has(actor, VIEW)
        and not permissions.is_customer_side(actor)
    )


# --- what a conflict says --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reason:
    """Why two things collide: ``kind`` is ``same_ci``, ``related_ci``, ``same_service``,
    ``related_service``, ``blackout`` or ``everywhere``; ``text`` says it to a person."""

    kind: str
    text: str
    ci_id: int | None = None
    service_id: int | None = None


@dataclass(frozen=True, slots=True)
class Conflict:
    """Another scheduled change or a planned event the window collides with."""

    kind: str  # "change" or "planned_event"
    id: int
    number: str
    title: str
    status: str  # the change's status, or the event's kind
    status_label: str
    starts_at: datetime
    ends_at: datetime
    overlap_start: datetime
    overlap_end: datetime
    reasons: tuple[Reason, ...]

    @property
    def why(self) -> str:
        return "; ".join(reason.text for reason in self.reasons)

    @property
    def url(self) -> str:
        name = "change-detail" if self.kind == CHANGE else "planned-event-detail"
        return reverse(f"changes:{name}", args=[self.id])

    @property
    def is_blackout(self) -> bool:
        return any(reason.kind == "blackout" for reason in self.reasons)


# --- the items compared: changes and planned events as plain rows ---------------------


@dataclass(slots=True)
class _Item:
    kind: str
    id: int
    number: str
    title: str
    status: str
    start: datetime
    end: datetime
    service_ids: set[int] = field(default_factory=set)
    ci_ids: set[int] = field(default_factory=set)
    everywhere: bool = False
    blackout: bool = False
    service_id: int | None = None  # a change's own service
    service_name: str = ""
    # What it concerns as one set (``_tagged``), made by ``_Timeline`` for the calendar.
    tags: frozenset[int] = frozenset()

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.id)

    @property
    def status_label(self) -> str:
        return _labels(get_language())[(self.kind, self.status)]


@lru_cache(maxsize=8)
def _labels(language: str | None) -> dict[tuple[str, str], str]:
    """The status and kind labels, translated once per language (thousands of entries)."""
    labels = {(CHANGE, value): str(label) for value, label in ChangeStatus.choices}
    labels.update({(EVENT, value): str(label) for value, label in PlannedEventKind.choices})
    return labels


def _chunks(ids: Iterable[int], size: int = _CHUNK) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


class _WindowOverlaps(Func):
    """PostgreSQL: the change's window, as a range, overlaps ``[start, end)``: the
    expression of the GiST index ``change_window_range_idx`` (migration
    ``calendar_window_range``), so a range is found by index instead of by reading every
    change that starts before its end."""

    output_field = BooleanField()

    def __init__(self, prefix: str, start: datetime, end: datetime) -> None:
        super().__init__(
            F(f"{prefix}planned_start"),
            F(f"{prefix}planned_end"),
            Value(start, output_field=DateTimeField()),
            Value(end, output_field=DateTimeField()),
        )

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, more = compiler.compile(expression)
            parts.append(sql)
            params.extend(more)
        first, last, start, end = parts
        return f"TSTZRANGE({first}, GREATEST({first}, {last})) && TSTZRANGE({start}, {end})", params


def _window(start: datetime, end: datetime, prefix: str = "") -> Q:
    """Changes whose window overlaps ``[start, end)`` (by index on PostgreSQL)."""
    condition = Q(
        **{
            f"{prefix}planned_start__isnull": False,
            f"{prefix}planned_end__isnull": False,
            f"{prefix}planned_start__lt": end,
            f"{prefix}planned_end__gt": start,
        }
    )
    if connection.vendor == "postgresql":
        condition &= Q(_WindowOverlaps(prefix, start, end))
    return condition


def _scheduled(start: datetime, end: datetime, prefix: str = "") -> Q:
    """Scheduled changes whose window overlaps ``[start, end)``."""
    return _window(start, end, prefix) & Q(**{f"{prefix}status__in": SCHEDULED_STATUSES})


_CHANGE_FIELDS = ("id", "number", "title", "status", "planned_start", "planned_end", "service_id")


def _change_items(rows: Iterable[tuple]) -> dict[int, _Item]:
    """Items from ``values_list(*_CHANGE_FIELDS[, "service__name"])`` rows."""
    items = {}
    for row in rows:
        pk, number, title, status, start, end, service_id = row[:7]
        items[pk] = _Item(
            CHANGE, pk, number, title, status, start, end,
            service_ids={service_id}, service_id=service_id,
            service_name=row[7] if len(row) > 7 else "",
        )  # fmt: skip
    return items


def _add_links(items: dict[int, _Item], window: Q) -> None:
    """The CIs and other services of the changes ``items`` (all matching ``window``, a
    condition on the change written from the link table's side)."""
    cis = Change.cis.through.objects.filter(window)
    for change_id, ci_id in cis.values_list("change_id", "configurationitem_id"):
        if change_id in items:
            items[change_id].ci_ids.add(ci_id)
    services = Change.services.through.objects.filter(window)
    for change_id, service_id in services.values_list("change_id", "service_id"):
        if change_id in items:
            items[change_id].service_ids.add(service_id)


def _event_items(start: datetime, end: datetime) -> list[_Item]:
    events = (
        PlannedEvent.objects.filter(is_cancelled=False, starts_at__lt=end, ends_at__gt=start)
        .prefetch_related("services", "cis")
        .only("id", "number", "title", "kind", "starts_at", "ends_at", "everywhere")
    )
    return [
        _Item(
            EVENT,
            event.pk,
            event.number,
            event.title,
            event.kind,
            event.starts_at,
            event.ends_at,
            service_ids={s.pk for s in event.services.all()},
            ci_ids={c.pk for c in event.cis.all()},
            everywhere=event.everywhere,
            blackout=event.kind == PlannedEventKind.BLACKOUT,
        )
        for event in events
    ]


# --- the scope: what a change concerns, with its related CIs and services --------------


def related_cis(ci_ids: Iterable[int]) -> dict[int, set[int]]:
    """For each CI of ``ci_ids``: the CIs it depends on and those depending on it, at any
    depth (not itself). One statement per chunk: the CMDB's impact traversal
    (``configuration.queries.impact``) walked both ways from every CI at once."""
    qn = connection.ops.quote_name
    rel = qn(Relationship._meta.db_table)
    rtype = qn(RelationshipType._meta.db_table)
    ci = qn(ConfigurationItem._meta.db_table)
    impacting = (
        f"r.{qn('valid_to')} IS NULL AND r.{qn('type_id')} IN (SELECT t.{qn('id')} FROM "
        f"{rtype} t WHERE t.{qn('impact_flows_to_source')} = %s)"
    )

    def walk(name: str, walk_from: str, walk_to: str, marks: str) -> str:
        return (
            f"{name}(origin, id) AS (SELECT c.{qn('id')}, c.{qn('id')} FROM {ci} c"
            f" WHERE c.{qn('id')} IN ({marks}) UNION SELECT {name}.origin, r.{qn(walk_to)}"
            f" FROM {rel} r JOIN {name} ON r.{qn(walk_from)} = {name}.id WHERE {impacting})"
        )

    found: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(ci_ids):
        marks = ", ".join(["%s"] * len(chunk))
        sql = (
            f"WITH RECURSIVE {walk('up', 'target_id', 'source_id', marks)},"
            f" {walk('down', 'source_id', 'target_id', marks)}"
            f" SELECT origin, id FROM up UNION SELECT origin, id FROM down"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*chunk, True, *chunk, True])
            for origin, reached in cursor.fetchall():
                if origin != reached:
                    found[origin].add(reached)
    return found


@dataclass(slots=True)
class _Scope:
    """What one change (or proposed window) concerns: its CIs and services, the related
    CIs (each with the CI of the change it relates to) and the services those CIs stand
    for (each with its CI)."""

    ci_ids: set[int]
    service_ids: set[int]
    related: dict[int, int] = field(default_factory=dict)
    via_ci: dict[int, int] = field(default_factory=dict)  # service -> the CI standing for it
    service_cis: dict[int, int] = field(default_factory=dict)  # CI -> own service it stands for

    def ci_keys(self) -> set[int]:
        return self.ci_ids | set(self.related) | set(self.service_cis)

    def service_keys(self) -> set[int]:
        return self.service_ids | set(self.via_ci)


class _Graph:
    """The CMDB facts a set of scopes needs, read once: related CIs, the service a CI
    stands for and the CI standing for a service."""

    def __init__(self, ci_ids: Iterable[int], service_ids: Iterable[int]) -> None:
        ci_ids, service_ids = set(ci_ids), set(service_ids)
        self.related = related_cis(ci_ids) if ci_ids else {}
        reached = ci_ids.union(*self.related.values()) if self.related else set(ci_ids)
        self.service_of: dict[int, int] = {}
        self.ci_of: dict[int, int] = {}
        self.pieces: dict[int, tuple[dict[int, int], dict[int, int]]] = {}
        rows: list[tuple[int, int]] = []
        # One statement when both lists are short (the check of one window), else chunks.
        if len(reached) <= _CHUNK and len(service_ids) <= _CHUNK:
            condition = Q(pk__in=reached, service_id__isnull=False) | Q(service_id__in=service_ids)
            rows += ConfigurationItem.objects.filter(condition).values_list("pk", "service_id")
        else:
            for chunk in _chunks(reached):
                rows += ConfigurationItem.objects.filter(
                    pk__in=chunk, service_id__isnull=False
                ).values_list("pk", "service_id")
            for chunk in _chunks(service_ids):
                rows += ConfigurationItem.objects.filter(service_id__in=chunk).values_list(
                    "pk", "service_id"
                )
        for ci_id, service_id in rows:
            self.service_of[ci_id] = service_id
            self.ci_of[service_id] = ci_id

    def _piece(self, ci_id: int) -> tuple[dict[int, int], dict[int, int]]:
        """What one CI brings to a scope, computed once per CI: its related CIs (each
        naming it) and the services those CIs, or it, stand for (each with its CI)."""
        piece = self.pieces.get(ci_id)
        if piece is None:
            related = dict.fromkeys(self.related.get(ci_id, ()), ci_id)
            via = {}
            for other in (ci_id, *related):
                service_id = self.service_of.get(other)
                if service_id is not None:
                    via.setdefault(service_id, other)
            piece = self.pieces[ci_id] = (related, via)
        return piece

    def scope(self, ci_ids: Iterable[int], service_ids: Iterable[int]) -> _Scope:
        scope = _Scope(set(ci_ids), set(service_ids))
        for own in sorted(scope.ci_ids):
            related, via = self._piece(own)
            for other, through in related.items():
                if other not in scope.ci_ids:
                    scope.related.setdefault(other, through)
            for service_id, ci_id in via.items():
                if service_id not in scope.service_ids:
                    scope.via_ci.setdefault(service_id, ci_id)
        for service_id in scope.service_ids:
            ci_id = self.ci_of.get(service_id)
            if ci_id is not None and ci_id not in scope.ci_ids and ci_id not in scope.related:
                scope.service_cis[ci_id] = service_id
        return scope


# --- matching ---------------------------------------------------------------------------

_Raw = tuple[str, int | None, int | None, int | None]  # kind, ci, service, via (a CI id)


def _reasons(item: _Item, scope: _Scope) -> list[_Raw]:
    """Why ``item`` concerns what ``scope`` concerns, strongest first (empty: it does not)."""
    found: list[_Raw] = []
    if item.blackout:
        found.append(("blackout", None, None, None))
    elif item.everywhere:
        found.append(("everywhere", None, None, None))
    for ci_id in sorted(item.ci_ids):
        if ci_id in scope.ci_ids:
            found.append(("same_ci", ci_id, None, None))
        elif ci_id in scope.related:
            found.append(("related_ci", ci_id, None, scope.related[ci_id]))
        elif ci_id in scope.service_cis:
            found.append(("same_service", ci_id, scope.service_cis[ci_id], None))
    for service_id in sorted(item.service_ids):
        if service_id in scope.service_ids:
            found.append(("same_service", None, service_id, None))
        elif service_id in scope.via_ci:
            found.append(("related_service", None, service_id, scope.via_ci[service_id]))
    return found


class _Names:
    """CI and service names for the reasons' texts, read once for all of them."""

    def __init__(self, raws: Iterable[list[_Raw]]) -> None:
        ci_ids: set[int] = set()
        service_ids: set[int] = set()
        for reasons in raws:
            for _, ci_id, service_id, via in reasons:
                ci_ids.update(x for x in (ci_id, via) if x is not None)
                if service_id is not None:
                    service_ids.add(service_id)
        self.cis: dict[int, str] = {}
        self.services: dict[int, str] = {}
        for chunk in _chunks(ci_ids):
            self.cis.update(
                ConfigurationItem.objects.filter(pk__in=chunk).values_list("pk", "name")
            )
        for chunk in _chunks(service_ids):
            self.services.update(Service.objects.filter(pk__in=chunk).values_list("pk", "name"))

    def reason(self, raw: _Raw) -> Reason:
        kind, ci_id, service_id, via = raw
        ci = self.cis.get(ci_id or 0, "")
        service = self.services.get(service_id or 0, "")
        texts = {
            "blackout": "blackout period: no changes",
            "everywhere": "concerns every service and CI",
            "same_ci": f"same CI {ci}",
            "related_ci": f"related CI {ci} (through {self.cis.get(via or 0, '')})",
            "same_service": f"same service {service}"
            + (f" (its CI {ci})" if ci_id is not None else ""),
            "related_service": f"related service {service} (of CI {self.cis.get(via or 0, '')})",
        }
        return Reason(kind, texts[kind], ci_id, service_id)


def _conflict(item: _Item, start: datetime, end: datetime, reasons: tuple[Reason, ...]) -> Conflict:
    return Conflict(
        kind=item.kind,
        id=item.id,
        number=item.number,
        title=item.title,
        status=item.status,
        status_label=item.status_label,
        starts_at=item.start,
        ends_at=item.end,
        overlap_start=max(start, item.start),
        overlap_end=min(end, item.end),
        reasons=reasons,
    )


def _order(conflict: Conflict) -> tuple:
    return (not conflict.is_blackout, conflict.overlap_start, conflict.kind, conflict.number)


# --- one window -------------------------------------------------------------------------


def conflicts(
    *,
    start: datetime,
    end: datetime,
    ci_ids: Iterable[int],
    service_ids: Iterable[int],
    exclude_change_id: int | None = None,
) -> list[Conflict]:
    """The scheduled changes and planned events a window ``[start, end)`` on these CIs and
    services would collide with (the rule: this module's docstring), blackouts first, then
    by the start of the overlap. An empty or inverted window collides with nothing."""
    if start is None or end is None or end <= start:
        return []
    ci_ids, service_ids = set(ci_ids), {pk for pk in service_ids if pk is not None}
    graph = _Graph(ci_ids, service_ids)
    scope = graph.scope(ci_ids, service_ids)
    candidates = _candidates(start, end, scope, exclude_change_id)
    candidates += _event_items(start, end)
    matched = [(item, _reasons(item, scope)) for item in candidates]
    matched = [(item, raws) for item, raws in matched if raws]
    names = _Names(raws for _, raws in matched)
    found = [
        _conflict(item, start, end, tuple(names.reason(r) for r in raws)) for item, raws in matched
    ]
    return sorted(found, key=_order)


def _candidates(
    start: datetime, end: datetime, scope: _Scope, exclude_change_id: int | None
) -> list[_Item]:
    """The scheduled changes overlapping the window on one of the scope's CIs or services,
    in one statement (the window by index, then the CI and service links by theirs), with
    their CIs and other services."""
    services, cis = sorted(scope.service_keys()), sorted(scope.ci_keys())
    if not services and not cis:
        return []
    concerned = Q(service_id__in=services) | Q(
        pk__in=Change.services.through.objects.filter(service_id__in=services).values("change_id")
    )
    if cis:
        concerned |= Q(
            pk__in=Change.cis.through.objects.filter(configurationitem_id__in=cis).values(
                "change_id"
            )
        )
    found = Change.objects.filter(_scheduled(start, end), concerned)
    if exclude_change_id is not None:
        found = found.exclude(pk=exclude_change_id)
    items = _change_items(found.values_list(*_CHANGE_FIELDS))
    if items:
        _add_links(items, Q(change_id__in=list(items)))
    return list(items.values())


def conflicts_for_change(change: Change) -> list[Conflict]:
    """The conflicts of ``change``'s implementation window (none without one)."""
    if not change.planned_start or not change.planned_end:
        return []
    return conflicts(
        start=change.planned_start,
        end=change.planned_end,
        ci_ids=change.cis.values_list("pk", flat=True),
        service_ids=[change.service_id, *change.services.values_list("pk", flat=True)],
        exclude_change_id=change.pk,
    )


# --- the calendar: a range, every entry with its conflicts ----------------------------


@dataclass(slots=True)
class Entry:
    """A change or planned event on the calendar, with its conflicts (scheduled changes
    only: an ended change or an event has none of its own). The conflicts are built when
    first read: a month page draws only some of its entries."""

    kind: str
    id: int
    number: str
    title: str
    status: str
    status_label: str
    starts_at: datetime
    ends_at: datetime
    service_name: str = ""
    everywhere: bool = False
    blackout: bool = False
    found: list[tuple["_Item", list["_Raw"]]] = field(default_factory=list, repr=False)
    names: "_Names | None" = field(default=None, repr=False)
    _conflicts: list[Conflict] | None = field(default=None, repr=False)

    @property
    def has_conflicts(self) -> bool:
        return bool(self.found)

    @property
    def conflicts(self) -> list[Conflict]:
        if self._conflicts is None:
            names = self.names
            built = [
                _conflict(other, self.starts_at, self.ends_at, tuple(names.reason(r) for r in raws))
                for other, raws in self.found
            ] if names is not None else []  # fmt: skip
            self._conflicts = sorted(built, key=_order)
        return self._conflicts

    @property
    def url(self) -> str:
        name = "change-detail" if self.kind == CHANGE else "planned-event-detail"
        return reverse(f"changes:{name}", args=[self.id])

    @property
    def is_change(self) -> bool:
        return self.kind == CHANGE


EVERYTHING = -1  # the tag of an item concerning everything (a blackout, an everywhere event)


def _tagged(ci_ids: Iterable[int], service_ids: Iterable[int], everything: bool) -> frozenset[int]:
    """CIs and services in one set of integers (CI ``n`` as ``2n``, service ``n`` as
    ``2n + 1``), so "concerns one of these" is one set operation in the calendar's loop."""
    tags = {2 * pk for pk in ci_ids} | {2 * pk + 1 for pk in service_ids}
    if everything:
        tags.add(EVERYTHING)
    return frozenset(tags)


class _Timeline:
    """Items sorted by start, so those overlapping a window are found by bisection: at any
    moment only a few dozen changes run, whatever the size of the schedule. Windows longer
    than ``SHORT`` (blackouts, long changes: few) are checked one by one, so one long
    window does not widen every search."""

    SHORT = timedelta(days=1)

    def __init__(self, items: Iterable[_Item]) -> None:
        self.long: list[_Item] = []
        short: list[_Item] = []
        for item in items:
            item.tags = _tagged(item.ci_ids, item.service_ids, item.everywhere or item.blackout)
            (short if item.end - item.start <= self.SHORT else self.long).append(item)
        self.short = sorted(short, key=lambda item: item.start)
        self.starts = [item.start for item in self.short]
        # How far before a window an overlapping short item can start: the longest one.
        self.reach = max((item.end - item.start for item in short), default=timedelta(0))


def _in_range(start: datetime, end: datetime) -> dict[int, _Item]:
    """Every change the calendar may show in ``[start, end)``, with its CIs and services."""
    shown = Q(status__in=SHOWN_STATUSES)
    rows = Change.objects.filter(_window(start, end), shown)
    items = _change_items(rows.values_list(*_CHANGE_FIELDS, "service__name"))
    _add_links(items, _window(start, end, "change__") & Q(change__status__in=SHOWN_STATUSES))
    return items


def _shown_changes(
    items: dict[int, _Item],
    start: datetime,
    end: datetime,
    service_id: int | None,
    ci_id: int | None,
    group_id: int | None,
) -> dict[int, _Item]:
    """The changes of the range the filters keep: a service (its own or another it
    touches), a CI, a support group (one of the change's tasks is the group's)."""
    kept = dict(items)
    if service_id is not None:
        kept = {pk: item for pk, item in kept.items() if service_id in item.service_ids}
    if ci_id is not None:
        kept = {pk: item for pk, item in kept.items() if ci_id in item.ci_ids}
    if group_id is not None:
        tasks = ChangeTask.objects.filter(
            _window(start, end, "change__"), support_group_id=group_id
        ).values_list("change_id", flat=True)
        wanted = set(tasks)
        kept = {pk: item for pk, item in kept.items() if pk in wanted}
    return kept


def _event_shown(
    item: _Item, service_id: int | None, ci_id: int | None, group_id: int | None
) -> bool:
    if item.blackout or item.everywhere:
        return True
    if group_id is not None:
        return False
    if service_id is not None and service_id not in item.service_ids:
        return False
    return ci_id is None or ci_id in item.ci_ids


def _pool(
    start: datetime, end: datetime, in_range: dict[int, _Item], shown: dict[int, _Item]
) -> tuple[list[_Item], list[_Item]]:
    """The scheduled changes and the events the shown ones can collide with: those of the
    range, and those overlapping a shown change's window beyond the range's edges."""
    scheduled = [item for item in shown.values() if item.status in SCHEDULED_STATUSES]
    first = min([start, *(item.start for item in scheduled)])
    last = max([end, *(item.end for item in scheduled)])
    pool = {pk: item for pk, item in in_range.items() if item.status in SCHEDULED_STATUSES}
    extra: dict[int, _Item] = {}
    for edge_start, edge_end in ((first, start), (end, last)):
        if edge_start < edge_end:
            rows = Change.objects.filter(_scheduled(edge_start, edge_end))
            for pk, item in _change_items(rows.values_list(*_CHANGE_FIELDS)).items():
                if pk not in pool:
                    extra[pk] = item
    if extra:
        _add_links(extra, Q(change_id__in=list(extra)))
        pool.update(extra)
    return list(pool.values()), _event_items(first, last)


def calendar_entries(
    *,
    start: datetime,
    end: datetime,
    service_id: int | None = None,
    ci_id: int | None = None,
    group_id: int | None = None,
) -> list[Entry]:
    """The changes (scheduled, or ended after running) and planned events whose window
    overlaps ``[start, end)``, limited to a service, a CI or a support group (the groups
    of the change's tasks), each scheduled change with its conflicts; by start."""
    with _collector_paused():
        return _calendar_entries(start, end, service_id, ci_id, group_id)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a range's thousands of small objects are made
    (none forms a cycle; reference counting frees them): a full collection in the middle
    cost a month page ~60 ms at random."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _calendar_entries(
    start: datetime,
    end: datetime,
    service_id: int | None,
    ci_id: int | None,
    group_id: int | None,
) -> list[Entry]:
    in_range = _in_range(start, end)
    shown = _shown_changes(in_range, start, end, service_id, ci_id, group_id)
    pool, events = _pool(start, end, in_range, shown)
    timeline = _Timeline([*pool, *events])
    scheduled = [item for item in shown.values() if item.status in SCHEDULED_STATUSES]
    graph = _Graph(
        {pk for item in scheduled for pk in item.ci_ids},
        {pk for item in scheduled for pk in item.service_ids},
    )
    matches = {item.id: _matches(item, graph.scope(item.ci_ids, item.service_ids), timeline)
               for item in scheduled}  # fmt: skip
    names = _Names(raws for found in matches.values() for _, raws in found)
    entries = [_entry(item, matches.get(item.id, []), names) for item in shown.values()]
    entries += [
        _entry(item, [], names)
        for item in events
        if item.start < end and item.end > start and _event_shown(item, service_id, ci_id, group_id)
    ]
    return sorted(entries, key=lambda e: (e.starts_at, e.kind, e.number))


def _matches(item: _Item, scope: _Scope, timeline: _Timeline) -> list[tuple[_Item, list[_Raw]]]:
    """What ``item`` collides with (the rule: ``_reasons``), among the timeline's items
    overlapping it (inlined search: the calendar runs it for every scheduled change)."""
    tags = _tagged(scope.ci_keys(), scope.service_keys(), True)
    start, end = item.start, item.end
    low = bisect_left(timeline.starts, start - timeline.reach)
    high = bisect_left(timeline.starts, end)
    met = [o for o in timeline.short[low:high] if o.end > start and not tags.isdisjoint(o.tags)]
    met += [
        o for o in timeline.long if o.start < end and o.end > start and not tags.isdisjoint(o.tags)
    ]
    return [
        (other, _reasons(other, scope))
        for other in met
        if not (other.kind == CHANGE and other.id == item.id)
    ]


def _entry(item: _Item, found: list[tuple[_Item, list[_Raw]]], names: _Names) -> Entry:
    return Entry(
        kind=item.kind,
        id=item.id,
        number=item.number,
        title=item.title,
        status=item.status,
        status_label=item.status_label,
        starts_at=item.start,
        ends_at=item.end,
        service_name=item.service_name,
        everywhere=item.everywhere,
        blackout=item.blackout,
        found=[(other, raws) for other, raws in found if raws],
        names=names,
    )
