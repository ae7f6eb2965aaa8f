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

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.urls import reverse

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


@dataclass(frozen=True)
class Reason:
    """Why two things collide: ``kind`` is ``same_ci``, ``related_ci``, ``same_service``,
    ``related_service``, ``blackout`` or ``everywhere``; ``text`` says it to a person."""

    kind: str
    text: str
    ci_id: int | None = None
    service_id: int | None = None


@dataclass(frozen=True)
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "number": self.number,
            "title": self.title,
            "status": self.status,
            "status_label": self.status_label,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "overlap_start": self.overlap_start,
            "overlap_end": self.overlap_end,
            "why": self.why,
            "reasons": [
                {"kind": r.kind, "text": r.text, "ci": r.ci_id, "service": r.service_id}
                for r in self.reasons
            ],
            "url": self.url,
        }


# --- the items compared: changes and planned events as plain rows ---------------------


@dataclass
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

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.id)

    @property
    def status_label(self) -> str:
        if self.kind == CHANGE:
            return ChangeStatus(self.status).label
        return PlannedEventKind(self.status).label


def _chunks(ids: Iterable[int], size: int = _CHUNK) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def _scheduled(start: datetime, end: datetime, prefix: str = "") -> Q:
    """Scheduled changes whose window overlaps ``[start, end)``."""
    return Q(
        **{
            f"{prefix}status__in": SCHEDULED_STATUSES,
            f"{prefix}planned_start__lt": end,
            f"{prefix}planned_end__gt": start,
        }
    )


def _change_items(rows: Iterable[dict[str, Any]]) -> dict[int, _Item]:
    items = {}
    for row in rows:
        items[row["id"]] = _Item(
            CHANGE,
            row["id"],
            row["number"],
            row["title"],
            row["status"],
            row["planned_start"],
            row["planned_end"],
            service_ids={row["service_id"]},
            service_id=row["service_id"],
            service_name=row.get("service__name", ""),
        )
    return items


_CHANGE_FIELDS = ("id", "number", "title", "status", "planned_start", "planned_end", "service_id")


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


@dataclass
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
        rows: list[tuple[int, int]] = []
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

    def scope(self, ci_ids: Iterable[int], service_ids: Iterable[int]) -> _Scope:
        scope = _Scope(set(ci_ids), set(service_ids))
        for own in sorted(scope.ci_ids):
            for other in self.related.get(own, ()):
                if other not in scope.ci_ids:
                    scope.related.setdefault(other, own)
        for ci_id in sorted(scope.ci_ids | set(scope.related)):
            service_id = self.service_of.get(ci_id)
            if service_id is not None and service_id not in scope.service_ids:
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
    """The scheduled changes overlapping the window on one of the scope's CIs or services:
    each set read by index (window + service, window + CI link), then the rows once."""
    window = _scheduled(start, end)
    linked = _scheduled(start, end, "change__")
    ids: set[int] = set()
    services = scope.service_keys()
    for chunk in _chunks(services):
        ids.update(Change.objects.filter(window, service_id__in=chunk).values_list("id", flat=True))
        ids.update(
            Change.services.through.objects.filter(linked, service_id__in=chunk).values_list(
                "change_id", flat=True
            )
        )
    for chunk in _chunks(scope.ci_keys()):
        ids.update(
            Change.cis.through.objects.filter(linked, configurationitem_id__in=chunk).values_list(
                "change_id", flat=True
            )
        )
    ids.discard(exclude_change_id)
    if not ids:
        return []
    items: dict[int, _Item] = {}
    for chunk in _chunks(ids):
        items.update(_change_items(Change.objects.filter(pk__in=chunk).values(*_CHANGE_FIELDS)))
        _add_links(items, Q(change_id__in=chunk))
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


@dataclass
class Entry:
    """A change or planned event on the calendar, with its conflicts (scheduled changes
    only: an ended change or an event has none of its own)."""

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
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def url(self) -> str:
        name = "change-detail" if self.kind == CHANGE else "planned-event-detail"
        return reverse(f"changes:{name}", args=[self.id])

    @property
    def is_change(self) -> bool:
        return self.kind == CHANGE

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "number": self.number,
            "title": self.title,
            "status": self.status,
            "status_label": self.status_label,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "service_name": self.service_name,
            "everywhere": self.everywhere,
            "blackout": self.blackout,
            "url": self.url,
            "conflicts": [conflict.as_dict() for conflict in self.conflicts],
        }


class _Index:
    """Items by key (a CI or a service id), sorted by start, so the items overlapping a
    window are found by bisection (bounded by the longest window under that key)."""

    def __init__(self) -> None:
        self.items: dict[int, list[_Item]] = defaultdict(list)
        self.starts: dict[int, list[datetime]] = {}
        self.longest: dict[int, timedelta] = {}

    def add(self, key: int, item: _Item) -> None:
        self.items[key].append(item)

    def freeze(self) -> None:
        for key, items in self.items.items():
            items.sort(key=lambda item: item.start)
            self.starts[key] = [item.start for item in items]
            self.longest[key] = max(item.end - item.start for item in items)

    def overlapping(self, key: int, start: datetime, end: datetime) -> Iterator[_Item]:
        items = self.items.get(key)
        if not items:
            return
        starts = self.starts[key]
        low = bisect_left(starts, start - self.longest[key])
        high = bisect_left(starts, end)
        for item in items[low:high]:
            if item.end > start:
                yield item


def _shown_changes(
    start: datetime, end: datetime, service_id: int | None, ci_id: int | None, group_id: int | None
) -> dict[int, _Item]:
    qs = Change.objects.filter(
        planned_start__lt=end, planned_end__gt=start, status__in=SHOWN_STATUSES
    )
    if service_id is not None:
        qs = qs.filter(
            Q(service_id=service_id)
            | Q(
                pk__in=Change.services.through.objects.filter(service_id=service_id).values(
                    "change_id"
                )
            )
        )
    if ci_id is not None:
        qs = qs.filter(
            pk__in=Change.cis.through.objects.filter(configurationitem_id=ci_id).values("change_id")
        )
    if group_id is not None:
        qs = qs.filter(
            pk__in=ChangeTask.objects.filter(support_group_id=group_id).values("change_id")
        )
    items = _change_items(qs.values(*_CHANGE_FIELDS, "service__name"))
    shown = Q(
        change__planned_start__lt=end,
        change__planned_end__gt=start,
        change__status__in=SHOWN_STATUSES,
    )
    _add_links(items, shown)
    return items


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
    start: datetime, end: datetime, shown: dict[int, _Item], filtered: bool
) -> tuple[list[_Item], list[_Item]]:
    """The scheduled changes and the events the shown ones can collide with: those
    overlapping the range and the windows of the shown changes."""
    scheduled = [item for item in shown.values() if item.status in SCHEDULED_STATUSES]
    first = min([start, *(item.start for item in scheduled)])
    last = max([end, *(item.end for item in scheduled)])
    events = _event_items(first, last)
    if not filtered and (first, last) == (start, end):
        return scheduled, events
    pool = _change_items(Change.objects.filter(_scheduled(first, last)).values(*_CHANGE_FIELDS))
    _add_links(pool, _scheduled(first, last, "change__"))
    return list(pool.values()), events


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
    shown = _shown_changes(start, end, service_id, ci_id, group_id)
    filtered = any(x is not None for x in (service_id, ci_id, group_id))
    pool, events = _pool(start, end, shown, filtered)
    by_ci, by_service, everywhere = _Index(), _Index(), []
    for item in [*pool, *events]:
        if item.blackout or item.everywhere:
            everywhere.append(item)
        for ci_id_ in item.ci_ids:
            by_ci.add(ci_id_, item)
        for service_id_ in item.service_ids:
            by_service.add(service_id_, item)
    by_ci.freeze()
    by_service.freeze()
    scheduled = [item for item in shown.values() if item.status in SCHEDULED_STATUSES]
    graph = _Graph(
        {pk for item in scheduled for pk in item.ci_ids},
        {pk for item in scheduled for pk in item.service_ids},
    )
    matches: dict[int, list[tuple[_Item, list[_Raw]]]] = {}
    for item in scheduled:
        scope = graph.scope(item.ci_ids, item.service_ids)
        met: dict[tuple[str, int], _Item] = {}
        for key in scope.ci_keys():
            met.update((other.key, other) for other in by_ci.overlapping(key, item.start, item.end))
        for key in scope.service_keys():
            met.update(
                (other.key, other) for other in by_service.overlapping(key, item.start, item.end)
            )
        met.update((o.key, o) for o in everywhere if o.start < item.end and o.end > item.start)
        met.pop(item.key, None)
        matches[item.id] = [(other, _reasons(other, scope)) for other in met.values()]
    names = _Names(raws for found in matches.values() for _, raws in found)
    entries = [_entry(item, matches.get(item.id, []), names) for item in shown.values()]
    entries += [
        _entry(item, [], names)
        for item in events
        if item.start < end and item.end > start and _event_shown(item, service_id, ci_id, group_id)
    ]
    return sorted(entries, key=lambda e: (e.starts_at, e.kind, e.number))


def _entry(item: _Item, found: list[tuple[_Item, list[_Raw]]], names: _Names) -> Entry:
    conflicts_ = [
        _conflict(other, item.start, item.end, tuple(names.reason(r) for r in raws))
        for other, raws in found
        if raws
    ]
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
        conflicts=sorted(conflicts_, key=_order),
    )
