"""The Change Management KPIs (issue 14, "KPIs"), per week or month, read through
``changes_for(actor)``:

- **change success rate**: of the changes that ended in the period with an outcome
  (cancelled ones left out), the share closed successfully;
- **emergency change ratio**: of the changes registered in the period, the share of
  emergency changes;
- **changes that caused incidents**: of the changes implemented that ended in the period
  (closed successfully or backed out), how many have an incident request recorded as
  caused by them, and their share;
- **approval lead time**: for the changes approved in the period, the hours from the
  change entering approval (its last journal transition to "approval" before the
  approval) to ``approved_at``: median and 90th percentile (nearest rank);
- **backlog by state**: the open changes per status at the end of the period (now, for
  the running one), read back from the journal's transitions.

A change ends at ``closed_at`` (its ``updated_at`` when an ending left it empty). Periods
are local calendar weeks (Monday first) or months.
"""

import datetime as dt
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from steward.changes.choices import (
    ENDED_CHANGE_STATUSES,
    OPEN_CHANGE_STATUSES,
    ChangeOutcome,
    ChangeStatus,
    ChangeType,
)
from steward.changes.models import Change
from steward.changes.queries.changes import changes_for
from steward.core.choices import JournalKind
from steward.core.models import JournalEntry, Person

VIEW = "changes.kpi.view"
WEEK, MONTH = "week", "month"
GRAINS = [(MONTH, "Months"), (WEEK, "Weeks")]
DEFAULT_PERIODS = 12
MAX_PERIODS = 106  # two years of weeks; more is not a chart anyone reads
IMPLEMENTED = (ChangeOutcome.SUCCESSFUL, ChangeOutcome.BACKED_OUT)


@dataclass(frozen=True)
class Period:
    """One week or month: ``start`` inclusive, ``end`` exclusive (aware, local midnight)."""

    start: dt.datetime
    end: dt.datetime
    label: str

    @property
    def first_day(self) -> dt.date:
        return timezone.localtime(self.start).date()

    @property
    def last_day(self) -> dt.date:
        return timezone.localtime(self.end).date() - dt.timedelta(days=1)


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _period_of(grain: str, day: dt.date) -> tuple[dt.date, dt.date, str]:
    """(first day, first day of the next, label) of the week or month holding ``day``."""
    if grain == WEEK:
        first = day - dt.timedelta(days=day.weekday())
        year, week, _ = first.isocalendar()
        return first, first + dt.timedelta(days=7), f"{year}-W{week:02d}"
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following, f"{first:%Y-%m}"


def periods_between(
    grain: str = MONTH, start: dt.date | None = None, end: dt.date | None = None
) -> list[Period]:
    """The weeks or months from the one holding ``start`` to the one holding ``end``
    (default: today; without ``start``, the last 12). A ValidationError names the field
    that cannot be used."""
    if grain not in (WEEK, MONTH):
        raise ValidationError({"period": ["Choose week or month."]})
    try:
        end = end or timezone.localdate()
        if start is None:
            start = _period_of(grain, end)[0]
            for _ in range(DEFAULT_PERIODS - 1):
                start = _period_of(grain, start - dt.timedelta(days=1))[0]
        if start > end:
            raise ValidationError({"end": ["The end comes before the start."]})
        if start.year < 2 or end.year > 9998:
            raise OverflowError
        found: list[Period] = []
        day = start
        while day <= end:
            first, following, label = _period_of(grain, day)
            if len(found) == MAX_PERIODS:
                raise ValidationError(
                    {"start": [f"At most {MAX_PERIODS} {grain}s at once: choose a later start."]}
                )
            found.append(Period(_midnight(first), _midnight(following), label))
            day = following
    except (OverflowError, ValueError):
        raise ValidationError({"start": ["Choose dates between the years 2 and 9998."]}) from None
    return found


# --- The figures ---------------------------------------------------------------------------


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _p90(values: list[float]) -> float:
    """The 90th percentile by nearest rank: the value 90 % of the others do not exceed."""
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def _in(name: str, period: Period) -> Q:
    return Q(**{f"{name}__gte": period.start, f"{name}__lt": period.end})


def _counts(qs: QuerySet[Change], periods: list[Period]) -> list[dict[str, int]]:
    """The counted changes of each period, in one statement."""
    ended = Q(status__in=ENDED_CHANGE_STATUSES) & ~Q(outcome="")
    counted = ended & ~Q(outcome=ChangeOutcome.CANCELLED)
    implemented = ended & Q(outcome__in=IMPLEMENTED)
    caused = implemented & Q(caused=True)
    measures = {
        "registered": lambda p: _in("created_at", p),
        "emergency": lambda p: _in("created_at", p) & Q(change_type=ChangeType.EMERGENCY),
        "ended": lambda p: counted & _in("ended_at", p),
        "successful": lambda p: counted & _in("ended_at", p) & Q(outcome=ChangeOutcome.SUCCESSFUL),
        "implemented": lambda p: implemented & _in("ended_at", p),
        "caused": lambda p: caused & _in("ended_at", p),
    }
    aggregates = {
        f"{name}_{n}": Count("pk", filter=where(period))
        for n, period in enumerate(periods)
        for name, where in measures.items()
    }
    caused_any = Exists(Change.caused_incidents.through.objects.filter(change_id=OuterRef("pk")))
    totals = (
        qs.order_by()
        .annotate(ended_at=Coalesce("closed_at", "updated_at"), caused=caused_any)
        .aggregate(**aggregates)
    )
    return [{name: totals[f"{name}_{n}"] for name in measures} for n in range(len(periods))]


def _entered_approval(change_ids: Iterable[int]) -> dict[int, list[dt.datetime]]:
    """When each change entered approval (its journal transitions to "approval")."""
    entries = JournalEntry.objects.filter(
        record_type=ContentType.objects.get_for_model(Change),
        record_id__in=list(change_ids),
        kind=JournalKind.TRANSITION,
        field="status",
        new_value=ChangeStatus.APPROVAL,
    ).values_list("record_id", "created_at")
    found: dict[int, list[dt.datetime]] = defaultdict(list)
    for record_id, at in entries:
        found[record_id].append(at)
    return found


def _lead_times(qs: QuerySet[Change], periods: list[Period]) -> list[list[float]]:
    """Per period, the approval lead times (hours) of the changes approved in it."""
    approved = list(
        qs.order_by()
        .filter(approved_at__gte=periods[0].start, approved_at__lt=periods[-1].end)
        .values_list("pk", "approved_at")
    )
    entered = _entered_approval(pk for pk, _ in approved)
    hours: list[list[float]] = [[] for _ in periods]
    for pk, approved_at in approved:
        before = [at for at in entered.get(pk, []) if at <= approved_at]
        if not before:
            continue  # no recorded entry into approval: nothing to measure from
        n = next(i for i, p in enumerate(periods) if p.start <= approved_at < p.end)
        hours[n].append((approved_at - max(before)).total_seconds() / 3600)
    return hours


def _backlogs(qs: QuerySet[Change], periods: list[Period]) -> list[Counter[str]]:
    """Per period, the open changes per status at its end (now for the running one),
    the status at a moment read back from the journal's transitions."""
    now = timezone.now()
    moments = [min(p.end, now) for p in periods]
    candidates = list(
        qs.order_by()
        .annotate(ended_at=Coalesce("closed_at", "updated_at"))
        .filter(created_at__lt=moments[-1])
        .filter(Q(status__in=OPEN_CHANGE_STATUSES) | Q(ended_at__gte=periods[0].start))
        .values_list("pk", "status", "change_type", "created_at", "ended_at")
    )
    moves: dict[int, list[tuple[dt.datetime, str, str]]] = defaultdict(list)
    for record_id, at, old, new in (
        JournalEntry.objects.filter(
            record_type=ContentType.objects.get_for_model(Change),
            record_id__in=[row[0] for row in candidates],
            kind=JournalKind.TRANSITION,
            field="status",
        )
        .order_by("created_at", "id")
        .values_list("record_id", "created_at", "old_value", "new_value")
    ):
        moves[record_id].append((at, old, new))
    backlogs: list[Counter[str]] = [Counter() for _ in periods]
    for pk, status, change_type, created_at, ended_at in candidates:
        history = moves.get(pk, [])
        first = history[0][1] if history else _initial(status, change_type)
        for n, moment in enumerate(moments):
            if created_at >= moment or (status in ENDED_CHANGE_STATUSES and ended_at <= moment):
                continue
            then = first
            for at, _, new in history:
                if at > moment:
                    break
                then = new
            if then in OPEN_CHANGE_STATUSES:
                backlogs[n][then] += 1
    return backlogs


def _initial(status: str, change_type: str) -> str:
    """The status a change without recorded transitions had: its own while open; an ended
    one was registered (implemented first, for an emergency change) until it ended."""
    if status in OPEN_CHANGE_STATUSES:
        return status
    if change_type == ChangeType.EMERGENCY:
        return ChangeStatus.IMPLEMENTATION
    return ChangeStatus.REGISTERED


@dataclass
class Kpis:
    """The figures of each period, oldest first, and the trend of the last two."""

    grain: str
    periods: list[dict[str, Any]] = field(default_factory=list)

    @property
    def current(self) -> dict[str, Any] | None:
        return self.periods[-1] if self.periods else None

    def trend(self, name: str) -> dict[str, Any]:
        """The last period's value of ``name`` against the one before: up, down, same, or
        None when either has no value."""
        now = self.periods[-1][name] if self.periods else None
        before = self.periods[-2][name] if len(self.periods) > 1 else None
        direction = None
        if now is not None and before is not None:
            direction = "up" if now > before else "down" if now < before else "same"
        return {"current": now, "previous": before, "direction": direction}

    def trends(self) -> dict[str, dict[str, Any]]:
        return {name: self.trend(name) for name in TREND_MEASURES}


TREND_MEASURES = (
    "success_rate",
    "emergency_ratio",
    "caused_incidents",
    "caused_incidents_share",
    "approval_median_hours",
    "approval_p90_hours",
    "backlog_total",
)


def change_kpis(actor: Person, periods: list[Period], *, service_id: int | None = None) -> Kpis:
    """The KPIs of the changes ``actor`` may see (of one service when given) per period."""
    qs = changes_for(actor)
    if service_id is not None:
        qs = qs.filter(service_id=service_id)
    kpis = Kpis(grain=WEEK if periods and "-W" in periods[0].label else MONTH)
    if not periods:
        return kpis
    counts = _counts(qs, periods)
    lead_times = _lead_times(qs, periods)
    backlogs = _backlogs(qs, periods)
    for period, count, hours, backlog in zip(periods, counts, lead_times, backlogs, strict=True):
        kpis.periods.append(
            {
                "label": period.label,
                "start": period.first_day,
                "end": period.last_day,
                "registered": count["registered"],
                "emergency": count["emergency"],
                "emergency_ratio": _percent(count["emergency"], count["registered"]),
                "ended": count["ended"],
                "successful": count["successful"],
                "success_rate": _percent(count["successful"], count["ended"]),
                "implemented": count["implemented"],
                "caused_incidents": count["caused"],
                "caused_incidents_share": _percent(count["caused"], count["implemented"]),
                "approved": len(hours),
                "approval_median_hours": round(statistics.median(hours), 1) if hours else None,
                "approval_p90_hours": round(_p90(hours), 1) if hours else None,
                "backlog": {str(s.value): backlog.get(s, 0) for s in OPEN_CHANGE_STATUSES},
                "backlog_total": sum(backlog.values()),
            }
        )
    return kpis


# --- What Change Management answers the CMDB and the service report (core.registry) ---------

RECENTLY_CLOSED = dt.timedelta(days=14)
IMPLEMENTED_STATUSES = (ChangeStatus.CLOSED, ChangeStatus.BACKED_OUT)


def change_for_cmdb(actor: Person, reference: int | str) -> Change:
    """The change a CMDB write is made under (seed 003 ch. 3 proc. 6: the CMDB update
    after a change), by id or number: one ``actor`` may see that is open, or closed or
    backed out in the last 14 days. Anything else is a ValidationError naming ``change``,
    the same for a change that does not exist and one the actor may not see."""
    qs = changes_for(actor).annotate(ended_at=Coalesce("closed_at", "updated_at"))
    if isinstance(reference, str):
        wanted = reference.strip().upper()
        change = qs.filter(number=wanted).first() if wanted else None
    else:
        change = qs.filter(pk=reference).first()
    if change is None:
        raise ValidationError({"change": [f"There is no change {reference} you may see."]})
    recent = change.status in IMPLEMENTED_STATUSES and (
        change.ended_at >= timezone.now() - RECENTLY_CLOSED
    )
    if change.status not in OPEN_CHANGE_STATUSES and not recent:
        raise ValidationError(
            {
                "change": [
                    f"{change.number} is {change.get_status_display().lower()}: name an open "
                    f"change, or one closed in the last {RECENTLY_CLOSED.days} days."
                ]
            }
        )
    return change


def service_report_changes(
    service_ids: Iterable[int], begin: dt.datetime, end: dt.datetime
) -> list[dict[str, Any]]:
    """The changes of the services for a service report of [begin, end): those
    implemented that ended in the period with their outcome, and those in progress (in
    implementation or production test now, or open with a window in the period), each
    saying whether it was an emergency change. Plain values, oldest first."""
    qs = (
        Change.objects.filter(service_id__in=list(service_ids))
        .select_related("service")
        .annotate(ended_at=Coalesce("closed_at", "updated_at"))
    )
    ended = qs.filter(
        status__in=IMPLEMENTED_STATUSES, ended_at__gte=begin, ended_at__lt=end
    ).exclude(outcome="")
    in_progress = qs.filter(
        Q(status__in=(ChangeStatus.IMPLEMENTATION, ChangeStatus.PRODUCTION_TEST))
        | Q(status__in=OPEN_CHANGE_STATUSES, planned_start__lt=end, planned_end__gte=begin),
        created_at__lt=end,
    )
    rows = []
    for change in [*ended, *in_progress]:
        done = change.status in IMPLEMENTED_STATUSES
        rows.append(
            {
                "number": change.number,
                "title": change.title,
                "service": change.service.name,
                "emergency": change.change_type == ChangeType.EMERGENCY,
                "type": change.get_change_type_display(),
                "state": "ended" if done else "in_progress",
                "status": change.get_status_display(),
                "outcome": change.get_outcome_display() if done else "",
                "successful": change.outcome == ChangeOutcome.SUCCESSFUL,
                "ended_at": change.ended_at if done else None,
                "planned_start": change.planned_start,
                "planned_end": change.planned_end,
            }
        )
    rows.sort(key=lambda r: (r["state"], r["service"], r["ended_at"] or r["planned_start"] or end))
    return rows


__all__ = [
    "GRAINS",
    "MONTH",
    "WEEK",
    "Kpis",
    "Period",
    "change_for_cmdb",
    "change_kpis",
    "periods_between",
    "service_report_changes",
]
