"""Incident reports (IRP: Incident Resolution and Prevention; seed 003 ch. 8 procedure 3).

- ``daily_review``: what a group coordinator goes through every morning: breached and
  at-risk requests, unassigned ones, long pending ones and open actions past due.
- ``aging``: open requests and open actions by age bucket, per group and priority.
- ``weekly``: the requests of a period by criticality (priority) and by frequency
  (service, CI, category), with the previous period beside it.
- ``kpis``: first-contact resolution, mean time to resolve per priority, SLA compliance
  (response and resolution clocks met), reopened requests.

Every function reads only the requests the actor may see (``incidents_for``) and answers
with plain rows, shared by the pages, their CSV exports and the weekly email.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from steward.core import permissions
from steward.core.choices import ClockKind, ClockMetric, ClockState, Priority, Role
from steward.core.models import Person, RoleAssignment, SlaClock, SupportGroup, TimeEntry
from steward.incidents.choices import OPEN_ACTION_STATUSES, OPEN_STATUSES, IncidentStatus
from steward.incidents.models import Deflection, IncidentAction, IncidentRequest

AGE_BUCKETS: list[tuple[str, dt.timedelta | None]] = [
    ("< 1 day", dt.timedelta(days=1)),
    ("1-3 days", dt.timedelta(days=3)),
    ("3-7 days", dt.timedelta(days=7)),
    ("7-30 days", dt.timedelta(days=30)),
    ("> 30 days", None),
]
PENDING_TOO_LONG = dt.timedelta(days=3)
TOP = 10


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime  # exclusive

    @property
    def label(self) -> str:
        last = timezone.localtime(self.end - dt.timedelta(seconds=1)).date()
        return f"{timezone.localtime(self.start).date():%d %b %Y} - {last:%d %b %Y}"

    def previous(self) -> "Period":
        return Period(self.start - (self.end - self.start), self.start)

    def filters(self) -> dict[str, str]:
        """The request list's filters for "registered in this period" (``IncidentFilterSet``)."""
        return {"created_after": self.start.isoformat(), "created_before": self.end.isoformat()}


def week_of(day: dt.date) -> Period:
    """The ISO week (Monday to Sunday, local time) that contains ``day``."""
    monday = day - dt.timedelta(days=day.weekday())
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(monday, dt.time.min, tzinfo=tz)
    return Period(start, start + dt.timedelta(days=7))


def last_full_week(now: dt.datetime | None = None) -> Period:
    today = timezone.localdate(now or timezone.now())
    return week_of(today - dt.timedelta(days=7))


def _visible(actor: Person) -> QuerySet[IncidentRequest]:
    from steward.incidents.queries.incidents import incidents_for

    return incidents_for(actor)


def coordinated_groups(actor: Person) -> list[SupportGroup]:
    """The groups whose daily review is the actor's: those they coordinate; managers and
    administrators (a group coordinator role held everywhere included) see every group."""
    assignments = RoleAssignment.objects.filter(person=actor, role=Role.GROUP_COORDINATOR)
    group_type = ContentType.objects.get_for_model(SupportGroup)
    everywhere = (
        assignments.filter(scope_type__isnull=True).exists()
        or RoleAssignment.objects.filter(
            person=actor, role__in=[Role.OPERATIONS_MANAGER, Role.SYSTEM_ADMINISTRATOR]
        ).exists()
    )
    if everywhere:
        return list(SupportGroup.objects.order_by("name"))
    ids = assignments.filter(scope_type=group_type).values_list("scope_id", flat=True)
    return list(SupportGroup.objects.filter(pk__in=list(ids)).order_by("name"))


# --- Daily review ---------------------------------------------------------------------------


@dataclass
class ReviewSection:
    key: str
    title: str
    explanation: str
    rows: list[Any] = field(default_factory=list)


def _clock_ids(states: Iterable[str], **flags: Any) -> QuerySet:
    incident_type = ContentType.objects.get_for_model(IncidentRequest)
    return SlaClock.objects.filter(
        record_type=incident_type, state__in=list(states), **flags
    ).values("record_id")


def daily_review(
    actor: Person,
    *,
    groups: Iterable[SupportGroup] | None = None,
    now: dt.datetime | None = None,
    groupless: bool = True,
) -> list[ReviewSection]:
    """The group coordinator's morning list for ``groups`` (default: their groups), and
    (``groupless``) the open requests in no group's queue, which nobody would see."""
    now = now or timezone.now()
    groups = list(groups) if groups is not None else coordinated_groups(actor)
    all_open = (
        _visible(actor)
        .filter(status__in=OPEN_STATUSES)
        .select_related("support_group", "assignee", "service", "requester")
        .order_by("priority", "created_at", "pk")
    )
    open_requests = all_open.filter(support_group__in=groups)
    no_group = list(all_open.filter(support_group__isnull=True)) if groupless else []
    running = [ClockState.RUNNING, ClockState.PAUSED]
    breached = open_requests.filter(pk__in=_clock_ids(running, breached_at__isnull=False))
    at_risk = open_requests.filter(
        pk__in=_clock_ids(running, warned_at__isnull=False, breached_at__isnull=True)
    ).exclude(pk__in=breached.values("pk"))
    unassigned = open_requests.filter(assignee__isnull=True)
    pending = open_requests.filter(
        status=IncidentStatus.PENDING, updated_at__lt=now - PENDING_TOO_LONG
    )
    actions = (
        IncidentAction.objects.filter(
            incident__in=_visible(actor).filter(support_group__in=groups),
            status__in=OPEN_ACTION_STATUSES,
            due_at__lt=now,
        )
        .select_related("incident", "assignee")
        .order_by("due_at")
    )
    return [
        *([ReviewSection("no_group", "In no group's queue",
                         "Open without a group: choose one (edit the request).", no_group)]
          if no_group else []),
        ReviewSection("breached", "Past their SLA target",
                      "A response or resolution clock has breached: act now.", list(breached)),
        ReviewSection("at_risk", "At risk",
                      "Past the warning point of a clock, not breached yet.", list(at_risk)),
        ReviewSection("unassigned", "Waiting for a specialist",
                      "In the group's queue without an assignee.", list(unassigned)),
        ReviewSection("pending", "Pending for more than 3 days",
                      "Check whether the reason still holds.", list(pending)),
        ReviewSection("actions_overdue", "Actions past their due date",
                      "Open actions (tasks) of the group's requests.", list(actions)),
    ]  # fmt: skip


# --- Aging ---------------------------------------------------------------------------------------


def age_periods(now: dt.datetime) -> dict[str, Period]:
    """Each age bucket as the registration times it holds: ``start <= created < end``
    (the youngest ends at the end of time, the oldest starts at its beginning).
    The report counts by these and links to the request list with the same bounds, so
    the list holds exactly what a cell counted."""
    periods: dict[str, Period] = {}
    younger: dt.timedelta | None = None
    for label, limit in AGE_BUCKETS:
        start = now - limit if limit is not None else dt.datetime.min.replace(tzinfo=dt.UTC)
        end = now - younger if younger is not None else dt.datetime.max.replace(tzinfo=dt.UTC)
        periods[label] = Period(start, end)
        younger = limit
    return periods


def age_filters(period: Period) -> dict[str, str]:
    """``Period.filters`` without the open bound of the youngest or oldest bucket."""
    found = {}
    if period.start.year > 1:
        found["created_after"] = period.start.isoformat()
    if period.end.year < 9999:
        found["created_before"] = period.end.isoformat()
    return found


def _bucket(created: dt.datetime, periods: dict[str, Period]) -> str:
    for label, period in periods.items():
        if period.start <= created < period.end:
            return label
    return AGE_BUCKETS[0][0]  # registered "in the future": a clock skew, the youngest


@dataclass
class AgingRow:
    group: str
    priority: str
    buckets: dict[str, int]
    group_id: int | None = None
    priority_value: str = ""

    @property
    def total(self) -> int:
        return sum(self.buckets.values())


def aging(actor: Person, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Open requests and open actions counted by age bucket (per group and priority)."""
    # Whole seconds: the bucket bounds are in the links to the list, readable there.
    now = (now or timezone.now()).replace(microsecond=0)
    labels = [label for label, _ in AGE_BUCKETS]
    periods = age_periods(now)
    counts: dict[tuple[str, int | None, str], Counter] = defaultdict(Counter)
    rows = (
        _visible(actor)
        .filter(status__in=OPEN_STATUSES)
        .values_list("support_group__name", "support_group_id", "priority", "created_at")
    )
    for group, group_id, priority, created in rows.iterator(chunk_size=2000):
        counts[(group or "(no group)", group_id, priority)][_bucket(created, periods)] += 1
    request_rows = [
        AgingRow(group, Priority(priority).label, {b: c[b] for b in labels}, group_id, priority)
        for (group, group_id, priority), c in sorted(counts.items(), key=_row_order)
    ]
    action_counts: dict[str, Counter] = defaultdict(Counter)
    actions = IncidentAction.objects.filter(
        incident__in=_visible(actor), status__in=OPEN_ACTION_STATUSES
    ).values_list("support_group__name", "incident__support_group__name", "created_at")
    for own_group, incident_group, created in actions.iterator(chunk_size=2000):
        action_counts[own_group or incident_group or "(no group)"][_bucket(created, periods)] += 1
    action_rows = [
        AgingRow(group, "", {b: c[b] for b in labels}) for group, c in sorted(action_counts.items())
    ]
    totals = {b: sum(r.buckets[b] for r in request_rows) for b in labels}
    return {"buckets": labels, "requests": request_rows, "actions": action_rows,
            "totals": totals, "periods": periods}  # fmt: skip


def _row_order(item: tuple[tuple[str, int | None, str], Counter]) -> tuple[str, str]:
    (group, _, priority), _ = item
    return group, priority


# --- Weekly: criticality and frequency ----------------------------------------------------


def _top(qs: QuerySet, name_field: str, pk_field: str) -> list[tuple[str, int, Any]]:
    rows = (
        qs.exclude(**{f"{pk_field}__isnull": True})
        .values(pk_field, name_field)
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", name_field)[:TOP]
    )
    return [(r[name_field], r["n"], r[pk_field]) for r in rows]


def weekly(actor: Person, period: Period) -> dict[str, Any]:
    """Requests registered in ``period`` by priority and by service, CI and category,
    with the previous period's counts beside them."""
    created = _visible(actor).filter(created_at__gte=period.start, created_at__lt=period.end)
    before = period.previous()
    previous = _visible(actor).filter(created_at__gte=before.start, created_at__lt=before.end)
    by_priority = dict(created.values_list("priority").annotate(n=Count("pk")))
    before_priority = dict(previous.values_list("priority").annotate(n=Count("pk")))
    per_day = Counter(
        timezone.localtime(at).date() for at in created.values_list("created_at", flat=True)
    )
    days = [
        (period.start + dt.timedelta(days=n)).date()
        for n in range((period.end - period.start).days)
    ]
    return {
        "period": period,
        "total": created.count(),
        "previous_total": previous.count(),
        "by_priority": [
            (label, by_priority.get(value, 0), before_priority.get(value, 0))
            for value, label in Priority.choices
        ],
        "by_service": _top(created, "service__name", "service_id"),
        "by_ci": _top(created, "cis__name", "cis__id"),
        "by_category": _top(created, "category__name", "category_id"),
        "per_day": [(f"{d:%a %d}", per_day.get(d, 0)) for d in days],
        "days": [Period(*_day_bounds(d)) for d in days],
    }


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


# --- KPIs ----------------------------------------------------------------------------------


def _hours(delta: dt.timedelta) -> float:
    return round(delta.total_seconds() / 3600, 1)


def deflections(actor: Person, period: Period) -> int:
    """Requests that ended before they were registered because a suggested solution
    solved them ("This solved it" on the portal; issue 13). Provider people only."""
    if permissions.is_customer_side(actor):
        return 0
    return Deflection.objects.filter(
        created_at__gte=period.start, created_at__lt=period.end
    ).count()


def kpis(actor: Person, period: Period) -> dict[str, Any]:
    """First-contact resolution, mean time to resolve, SLA compliance, reopened."""
    visible = _visible(actor)
    resolved = visible.filter(resolved_at__gte=period.start, resolved_at__lt=period.end)
    rows = list(
        resolved.values_list("priority", "created_at", "resolved_at", "first_contact_resolution")
    )
    total = len(rows)
    first_contact = sum(1 for *_, fcr in rows if fcr)
    durations: dict[str, list[dt.timedelta]] = defaultdict(list)
    for priority, created, resolved_at, _ in rows:
        durations[priority].append(resolved_at - created)
    mttr = [
        (label, len(durations[value]),
         _hours(sum(durations[value], dt.timedelta()) / len(durations[value]))
         if durations[value] else None)
        for value, label in Priority.choices
    ]  # fmt: skip
    incident_type = ContentType.objects.get_for_model(IncidentRequest)
    clocks = SlaClock.objects.filter(
        record_type=incident_type,
        record_id__in=resolved.values("pk"),
        kind=ClockKind.SLA,
        state=ClockState.STOPPED,
    )
    compliance = []
    for metric, label in (
        (ClockMetric.RESPONSE, "Response"),
        (ClockMetric.RESOLUTION, "Resolution"),
    ):
        counted = clocks.filter(metric=metric).aggregate(
            total=Count("pk"), met=Count("pk", filter=Q(met=True))
        )
        percent = round(100 * counted["met"] / counted["total"], 1) if counted["total"] else None
        compliance.append((label, counted["met"], counted["total"], percent))
    return {
        "period": period,
        "resolved": total,
        "first_contact": first_contact,
        "first_contact_percent": round(100 * first_contact / total, 1) if total else None,
        "mttr": mttr,
        "mttr_all": _hours(sum((r - c for _, c, r, _ in rows), dt.timedelta()) / total)
        if total
        else None,
        "sla_compliance": compliance,
        "reopened": resolved.filter(reopen_count__gt=0).count(),
        "registered": visible.filter(
            created_at__gte=period.start, created_at__lt=period.end
        ).count(),
    }


# --- Time spent ---------------------------------------------------------------------------


def time_spent(actor: Person, period: Period) -> dict[str, Any]:
    """Minutes recorded on requests in ``period`` (when the time was written), per group
    (the group working on the request then) and per person, most first."""
    entries = TimeEntry.objects.filter(
        record_type=ContentType.objects.get_for_model(IncidentRequest),
        record_id__in=_visible(actor).values("pk"),
        created_at__gte=period.start,
        created_at__lt=period.end,
    )
    by_group = [
        (name or "No group", minutes)
        for name, minutes in entries.values_list("support_group__name")
        .annotate(m=Sum("minutes"))
        .order_by("-m", "support_group__name")
    ]
    people = (
        entries.values("person_id", "person__first_name", "person__last_name", "person__username")
        .annotate(m=Sum("minutes"))
        .order_by("-m", "person__last_name")
    )
    by_person = [
        (
            f"{p['person__first_name']} {p['person__last_name']}".strip() or p["person__username"],
            p["m"],
        )
        for p in people
    ]
    return {
        "total": sum(m for _, m in by_group),
        "by_group": by_group,
        "by_person": by_person,
    }


def report_recipients() -> list[Person]:
    """People subscribed to the weekly report who may still read it."""
    people = Person.objects.filter(incident_report_subscription__isnull=False, is_active=True)
    return [p for p in people if permissions.has(p, "incidents.report.view")]
