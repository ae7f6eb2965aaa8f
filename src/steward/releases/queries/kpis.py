"""The Release Management KPIs (issue 16, "KPIs"; seed 003 ch. 10) of a period, overall
and per service, read through the actor's release queries:

- **releases on time**: the releases delivered in the period: in production in it
  (``production_at``), or closed in it without reaching production. A release with a
  target date is on time when ``production_at <= target_date``; late otherwise (one
  closed without production missed its target). Releases without a target date are
  counted apart; the rate is on time of (on time + late);
- **RFCs per release**: for the releases registered in the period (backlog releases left
  out), the requests for change in each (``RfcHandling.release``, as they are now: one
  moved back to the backlog release no longer counts): median, mean, max, and the
  releases holding the max (all of them on a tie);
- **time from CAB inclusion to production**: for the requests for change included by a
  CAB (``included_at``) whose release reached production in the period, the days from
  inclusion to ``release.production_at``: median, mean and 90th percentile (nearest rank);
- **rollbacks**: the rollbacks performed in the period, the releases they rolled back,
  and the releases in production in the period (the share is the first of the second);
- **business cases approved**: of the business cases decided in the period
  (``decided_at``), the approved ones, overall and per round (1, 2, 3 or more);
- **CAB outcomes**: the requests for change decided at the CAB meetings held in the
  period: rejected, included, back to the backlog;
- **backlog now**: the requests for change waiting in each service's backlog release.

A period is [start, end) in local days; the default is the last 90 days.
"""

import datetime as dt
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from steward.core import periods
from steward.core.models import Person
from steward.core.periods import (  # noqa: F401  (the pages and API read them here)
    CUSTOM,
    LAST_30,
    LAST_90,
    LAST_QUARTER,
    MAX_DAYS,
    QUARTER,
    Period,
    midnight,
)
from steward.releases.choices import BusinessCaseStatus, CabOutcome, MeetingStatus, ReleaseStatus
from steward.releases.models import CabAgendaItem, Release, RfcHandling, Rollback
from steward.releases.queries import releases as release_queries

VIEW = "releases.kpi.view"
RANGES = [
    (LAST_90, "Last 90 days"),
    (LAST_30, "Last 30 days"),
    (QUARTER, "This quarter"),
    (LAST_QUARTER, "Last quarter"),
    (CUSTOM, "From and to"),
]
ROUNDS = ["1", "2", "3+"]  # business case rounds: the first, one adjustment, more
ON_TIME, LATE, NO_TARGET = "on_time", "late", "no_target"
PUNCTUALITY = [(ON_TIME, "On time"), (LATE, "Late"), (NO_TARGET, "No target date")]


def period_for(
    choice: str = LAST_90, first: dt.date | None = None, last: dt.date | None = None
) -> Period:
    """The period asked for; no choice is the last 90 days (``core.periods``)."""
    return periods.period_for(choice, first, last, default=LAST_90)


# --- Which releases a figure counts (shared with the list filters' meaning) ----------------


def delivered_q(start: dt.datetime | None, end: dt.datetime | None) -> Q:
    """Releases delivered in [start, end): in production in it, or closed in it without
    reaching production (``ReleaseFilterSet``'s ``delivered_after``/``_before``)."""
    produced = Q(production_at__isnull=False)
    closed = Q(production_at__isnull=True, status=ReleaseStatus.CLOSED, closed_at__isnull=False)
    if start is not None:
        produced &= Q(production_at__gte=start)
        closed &= Q(closed_at__gte=start)
    if end is not None:
        produced &= Q(production_at__lt=end)
        closed &= Q(closed_at__lt=end)
    return produced | closed


def punctuality_q(value: str) -> Q:
    """On time, late or without a target date (``ReleaseFilterSet``'s ``on_time``)."""
    if value == NO_TARGET:
        return Q(target_date__isnull=True)
    on_time = Q(production_at__isnull=False, production_at__lte=F("target_date"))
    if value == ON_TIME:
        return Q(target_date__isnull=False) & on_time
    return Q(target_date__isnull=False) & ~on_time


# --- The figures ---------------------------------------------------------------------------


def _p90(values: list[float]) -> float:
    """The 90th percentile by nearest rank."""
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def _days_summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"count": 0, "median_days": None, "mean_days": None, "p90_days": None}
    return {
        "count": len(values),
        "median_days": round(statistics.median(values), 1),
        "mean_days": round(statistics.fmean(values), 1),
        "p90_days": round(_p90(values), 1),
    }


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _releases(actor: Person, service_id: int | None) -> QuerySet[Release]:
    qs = release_queries.releases_for(actor).filter(is_backlog=False)
    return qs.filter(service_id=service_id) if service_id else qs


def _by_service(rows: list[dict[str, Any]], keys: list[str]) -> dict[str, Any]:
    """Per-service rows (sorted by name) and their totals."""
    rows = sorted(rows, key=lambda r: (r["name"], r["service"]))
    return {"services": rows, "total": {k: sum(r[k] for r in rows) for k in keys}}


def on_time(actor: Person, period: Period, service_id: int | None = None) -> dict[str, Any]:
    """Releases delivered in the period: on time, late, without a target date."""
    aggregates = {key: Count("pk", filter=punctuality_q(key)) for key, _ in PUNCTUALITY}
    rows = (
        _releases(actor, service_id)
        .filter(delivered_q(period.start, period.end))
        .order_by()
        .values("service_id", "service__name")
        .annotate(delivered=Count("pk"), **aggregates)
    )
    services = []
    for row in rows:
        services.append(
            {"service": row["service_id"], "name": row["service__name"],
             "delivered": row["delivered"], **{k: row[k] for k, _ in PUNCTUALITY},
             "rate": _percent(row[ON_TIME], row[ON_TIME] + row[LATE])}
        )  # fmt: skip
    data = _by_service(services, ["delivered", ON_TIME, LATE, NO_TARGET])
    total = data["total"]
    total["rate"] = _percent(total[ON_TIME], total[ON_TIME] + total[LATE])
    return data


def rfcs_per_release(
    actor: Person, period: Period, service_id: int | None = None
) -> dict[str, Any]:
    """For the releases registered in the period, the requests for change in each."""
    releases = list(
        _releases(actor, service_id)
        .filter(created_at__gte=period.start, created_at__lt=period.end)
        .annotate(rfc_count=Count("rfc_handlings"))
        .order_by("number")
        .values("pk", "number", "title", "service_id", "service__name", "rfc_count")
    )

    def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
        counts = [r["rfc_count"] for r in rows]
        if not counts:
            return {"releases": 0, "rfcs": 0, "median": None, "mean": None, "max": None,
                    "largest": []}  # fmt: skip
        top = max(counts)
        return {
            "releases": len(counts),
            "rfcs": sum(counts),
            "median": round(statistics.median(counts), 1),
            "mean": round(statistics.fmean(counts), 1),
            "max": top,
            "largest": [
                {"id": r["pk"], "number": r["number"], "title": r["title"],
                 "service": r["service__name"], "rfcs": r["rfc_count"]}
                for r in rows if r["rfc_count"] == top
            ],
        }  # fmt: skip

    grouped: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for r in releases:
        grouped[(r["service__name"], r["service_id"])].append(r)
    return {
        **summary(releases),
        "services": [
            {"service": pk, "name": name, **summary(rows)}
            for (name, pk), rows in sorted(grouped.items())
        ],
    }


def inclusion_to_production(
    actor: Person, period: Period, service_id: int | None = None
) -> dict[str, Any]:
    """For the requests for change a CAB included whose release reached production in the
    period, the days from inclusion to production."""
    rows = (
        RfcHandling.objects.filter(
            release__in=_releases(actor, service_id).values("pk"),
            included_at__isnull=False,
            release__production_at__gte=period.start,
            release__production_at__lt=period.end,
        )
        .order_by()
        .values_list("release__service_id", "release__service__name", "included_at",
                     "release__production_at", "release_id")
    )  # fmt: skip
    every: list[float] = []
    releases: set[int] = set()
    by_service: dict[tuple[str, int], list[float]] = defaultdict(list)
    for service, name, included_at, production_at, release_id in rows:
        days = max((production_at - included_at).total_seconds(), 0) / 86400
        every.append(days)
        releases.add(release_id)
        by_service[(name, service)].append(days)
    return {
        **_days_summary(every),
        "releases": len(releases),
        "services": [
            {"service": pk, "name": name, **_days_summary(values)}
            for (name, pk), values in sorted(by_service.items())
        ],
    }


def rollbacks(actor: Person, period: Period, service_id: int | None = None) -> dict[str, Any]:
    """The rollbacks of the period, the releases rolled back, the releases deployed."""
    visible = _releases(actor, service_id)
    done = (
        Rollback.objects.filter(
            release__in=visible.values("pk"),
            performed_at__gte=period.start,
            performed_at__lt=period.end,
        )
        .order_by()
        .values("release__service_id", "release__service__name")
        .annotate(rollbacks=Count("pk"), rolled_back=Count("release", distinct=True))
    )
    deployed = (
        visible.filter(production_at__gte=period.start, production_at__lt=period.end)
        .order_by()
        .values("service_id", "service__name")
        .annotate(deployed=Count("pk"))
    )
    found: dict[int, dict[str, Any]] = {}

    def row(pk: int, name: str) -> dict[str, Any]:
        return found.setdefault(
            pk, {"service": pk, "name": name, "rollbacks": 0, "rolled_back": 0, "deployed": 0}
        )

    for r in done:
        entry = row(r["release__service_id"], r["release__service__name"])
        entry.update(rollbacks=r["rollbacks"], rolled_back=r["rolled_back"])
    for r in deployed:
        row(r["service_id"], r["service__name"])["deployed"] = r["deployed"]
    for entry in found.values():
        entry["share"] = _percent(entry["rolled_back"], entry["deployed"])
    data = _by_service(list(found.values()), ["rollbacks", "rolled_back", "deployed"])
    data["total"]["share"] = _percent(data["total"]["rolled_back"], data["total"]["deployed"])
    return data


def business_cases(actor: Person, period: Period, service_id: int | None = None) -> dict[str, Any]:
    """Of the business cases decided in the period, the approved ones, per round."""
    qs = release_queries.business_cases_for(actor).filter(
        decided_at__gte=period.start, decided_at__lt=period.end
    )
    if service_id:
        qs = qs.filter(release__service_id=service_id)
    approved = Q(status=BusinessCaseStatus.APPROVED)
    rows = (
        qs.order_by()
        .values("round")
        .annotate(decided=Count("pk"), approved=Count("pk", filter=approved))
    )
    rounds = {label: {"round": label, "decided": 0, "approved": 0} for label in ROUNDS}
    for r in rows:
        label = ROUNDS[min(r["round"], len(ROUNDS)) - 1] if r["round"] >= 1 else ROUNDS[0]
        rounds[label]["decided"] += r["decided"]
        rounds[label]["approved"] += r["approved"]
    for r in rounds.values():
        r["rate"] = _percent(r["approved"], r["decided"])
    decided = sum(r["decided"] for r in rounds.values())
    approved_n = sum(r["approved"] for r in rounds.values())
    return {
        "decided": decided,
        "approved": approved_n,
        "rate": _percent(approved_n, decided),
        "rounds": list(rounds.values()),
    }


def cab_outcomes(actor: Person, period: Period, service_id: int | None = None) -> dict[str, Any]:
    """The requests for change decided at the CAB meetings held in the period."""
    meetings = release_queries.meetings_for(actor).filter(
        starts_at__gte=period.start, starts_at__lt=period.end
    )
    if service_id:
        meetings = meetings.filter(cab__service_id=service_id)
    outcomes = [o.value for o in CabOutcome]
    rows = (
        CabAgendaItem.objects.filter(meeting__in=meetings.values("pk"))
        .exclude(outcome="")
        .order_by()
        .values("meeting__cab__service_id", "meeting__cab__service__name")
        .annotate(
            meetings=Count("meeting", distinct=True),
            **{o: Count("pk", filter=Q(outcome=o)) for o in outcomes},
        )
    )
    services = [
        {"service": r["meeting__cab__service_id"], "name": r["meeting__cab__service__name"],
         "meetings": r["meetings"], **{o: r[o] for o in outcomes},
         "decided": sum(r[o] for o in outcomes)}
        for r in rows
    ]  # fmt: skip
    data = _by_service(services, ["meetings", *outcomes, "decided"])
    data["held"] = meetings.count()
    return data


def backlog_now(actor: Person, service_id: int | None = None) -> dict[str, Any]:
    """The requests for change waiting in each service's backlog release, now."""
    qs = release_queries.releases_for(actor).filter(is_backlog=True)
    if service_id:
        qs = qs.filter(service_id=service_id)
    rows = (
        qs.annotate(rfcs=Count("rfc_handlings"))
        .order_by("service__name", "pk")
        .values("pk", "number", "service_id", "service__name", "rfcs")
    )
    services = [
        {"service": r["service_id"], "name": r["service__name"], "release": r["pk"],
         "number": r["number"], "rfcs": r["rfcs"]}
        for r in rows
    ]  # fmt: skip
    return {"services": services, "total": sum(s["rfcs"] for s in services)}


def release_kpis(actor: Person, period: Period, service_id: int | None = None) -> dict[str, Any]:
    """Every figure of the report for ``period`` (of one service when given; the backlog
    as it is now)."""
    return {
        "from": period.first,
        "to": period.last,
        "service": service_id,
        "on_time": on_time(actor, period, service_id),
        "rfcs_per_release": rfcs_per_release(actor, period, service_id),
        "inclusion_to_production": inclusion_to_production(actor, period, service_id),
        "rollbacks": rollbacks(actor, period, service_id),
        "business_cases": business_cases(actor, period, service_id),
        "cab_outcomes": cab_outcomes(actor, period, service_id),
        "backlog": backlog_now(actor, service_id),
    }


# --- The release roadmap (issue 16: "a release roadmap picture") ---------------------------

BEHIND, AHEAD, MAX_MONTHS = 2, 6, 24


@dataclass(frozen=True)
class Window:
    """Whole local months: from the first day of ``behind`` months before today's month
    to the end of ``ahead`` months after it."""

    start: dt.datetime
    end: dt.datetime
    months: list[dt.date]


def _add_months(day: dt.date, n: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def roadmap_window(behind: int = BEHIND, ahead: int = AHEAD) -> Window:
    """The months the roadmap shows around today."""
    this_month = timezone.localdate().replace(day=1)
    first = _add_months(this_month, -behind)
    months = [_add_months(first, n) for n in range(behind + ahead + 1)]
    return Window(midnight(first), midnight(_add_months(months[-1], 1)), months)


def roadmap(actor: Person, window: Window, service_id: int | None = None) -> dict[str, Any]:
    """The releases to draw in ``window`` (abandoned and backlog releases left out): with
    a deployment window overlapping it (``planned_start`` to ``planned_end``; a start
    alone is one day), or without one and a target date in it; and the CAB meetings held
    or planned in it (cancelled ones left out), per service."""
    start, end = window.start, window.end
    spans = (
        Q(planned_start__lt=end, planned_end__gte=start)
        | Q(planned_start__gte=start, planned_start__lt=end, planned_end__isnull=True)
        | Q(planned_start__isnull=True, target_date__gte=start, target_date__lt=end)
    )
    releases = list(
        _releases(actor, service_id)
        .exclude(status=ReleaseStatus.ABANDONED)
        .filter(spans)
        .order_by("service__name", "planned_start", "target_date", "number")
    )
    meetings = release_queries.meetings_for(actor).filter(starts_at__gte=start, starts_at__lt=end)
    meetings = meetings.exclude(status=MeetingStatus.CANCELLED).order_by("starts_at", "pk")
    if service_id:
        meetings = meetings.filter(cab__service_id=service_id)
    return {"window": window, "releases": releases, "meetings": list(meetings)}


__all__ = ["RANGES", "Period", "delivered_q", "period_for", "punctuality_q", "release_kpis",
           "roadmap", "roadmap_window"]  # fmt: skip
