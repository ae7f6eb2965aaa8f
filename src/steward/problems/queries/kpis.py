"""The Problem Management reports and KPIs (issue 15, "Reports and KPIs"; IRP SG3, lessons
learned: the underlying causes of the most important incidents), read through
``problems_for(actor)`` and ``incidents_for(actor)``:

- **open problems by age and service**: the problems open now, per service, in the age
  buckets < 7 days, 7-30, 30-90 and > 90 days (since registration);
- **incidents per problem**: of the problems registered in the period, how many have 0,
  1, 2-4, 5-9 and 10 or more linked incident requests, and the problems with the most;
- **time to root cause**: for the problems whose root cause was found in the period, the
  days from registration to ``root_cause_found_at``: median, mean and 90th percentile
  (nearest rank), per service and per month;
- **known errors without a change**: open known errors whose request for change is
  missing or has no change yet (now, whatever the period);
- **recurrence after closure**: of the problems closed in the period, those that got
  incidents of the same kind after ``closed_at``: an incident linked to the problem after
  closing, or one of the same service registered after closing with the category or a CI
  of one of its linked incidents;
- **top incident causes**: the problems whose incident requests registered in the period
  weigh most (priority 1 counts 8, 2 counts 4, 3 counts 2, 4 counts 1), with their root
  cause and known errors; and, for the incidents of the period linked to no problem, the
  top categories: what is still unexplained.

A period is [start, end) in local days; the default is the current calendar quarter.
"""

import datetime as dt
import math
import statistics
from collections import defaultdict
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
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
from steward.incidents.models import IncidentRequest
from steward.incidents.queries.incidents import incidents_for
from steward.problems.choices import OPEN_KNOWN_ERROR_STATUSES, OPEN_PROBLEM_STATUSES, ProblemStatus
from steward.problems.models import KnownError, ProblemIncident
from steward.problems.queries.problems import problems_for

VIEW = "problems.kpi.view"
RANGES = [
    (QUARTER, "This quarter"),
    (LAST_QUARTER, "Last quarter"),
    (LAST_30, "Last 30 days"),
    (LAST_90, "Last 90 days"),
    (CUSTOM, "From and to"),
]
AGE_BUCKETS = [("< 7 d", 0, 7), ("7-30 d", 7, 30), ("30-90 d", 30, 90), ("> 90 d", 90, None)]
COUNT_BUCKETS = [("0", 0, 0), ("1", 1, 1), ("2-4", 2, 4), ("5-9", 5, 9), ("10+", 10, None)]
PRIORITY_WEIGHTS = {"1": 8, "2": 4, "3": 2, "4": 1}
TOP = 10


def period_for(
    choice: str = QUARTER, first: dt.date | None = None, last: dt.date | None = None
) -> Period:
    """The period asked for; no choice is this quarter (``core.periods``)."""
    return periods.period_for(choice, first, last, default=QUARTER)


# --- The figures ---------------------------------------------------------------------------


def _p90(values: list[float]) -> float:
    """The 90th percentile by nearest rank."""
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def _summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"count": 0, "median_days": None, "mean_days": None, "p90_days": None}
    return {
        "count": len(values),
        "median_days": round(statistics.median(values), 1),
        "mean_days": round(statistics.fmean(values), 1),
        "p90_days": round(_p90(values), 1),
    }


def age_bounds(now: dt.datetime) -> list[tuple[str, dt.datetime | None, dt.datetime]]:
    """Each age bucket as (label, registered from, registered before) at ``now``."""
    day = dt.timedelta(days=1)
    return [
        (label, now - oldest * day if oldest else None, now - youngest * day)
        for label, youngest, oldest in AGE_BUCKETS
    ]


def open_by_age(actor: Person, now: dt.datetime) -> dict[str, Any]:
    """The problems open now per service and age bucket, in one statement."""
    buckets = age_bounds(now)
    aggregates = {}
    for n, (_, after, before) in enumerate(buckets):
        where = Q(created_at__lt=before) & (Q(created_at__gte=after) if after else Q())
        aggregates[f"b{n}"] = Count("pk", filter=where)
    rows = (
        problems_for(actor)
        .filter(status__in=OPEN_PROBLEM_STATUSES, created_at__lt=now)
        .order_by()
        .values("service_id", "service__name")
        .annotate(**aggregates)
        .order_by("service__name", "service_id")
    )
    services = []
    for row in rows:
        counts = [row[f"b{n}"] for n in range(len(buckets))]
        services.append(
            {"service": row["service_id"], "name": row["service__name"], "counts": counts,
             "total": sum(counts)}
        )  # fmt: skip
    totals = [sum(s["counts"][n] for s in services) for n in range(len(buckets))]
    return {
        "at": now,
        "buckets": [label for label, *_ in buckets],
        "bounds": buckets,
        "services": services,
        "totals": totals,
        "total": sum(totals),
    }


def incidents_per_problem(actor: Person, period: Period) -> dict[str, Any]:
    """Of the problems registered in the period, the distribution of their linked incident
    requests and the ones with the most."""
    qs = (
        problems_for(actor)
        .filter(created_at__gte=period.start, created_at__lt=period.end)
        .annotate(incident_count=Count("incident_links"))
    )
    counts = list(qs.order_by().values_list("incident_count", flat=True))
    distribution = []
    for label, low, high in COUNT_BUCKETS:
        n = sum(1 for c in counts if c >= low and (high is None or c <= high))
        distribution.append({"label": label, "problems": n})
    top = qs.filter(incident_count__gt=0).order_by("-incident_count", "number")[:TOP]
    return {
        "problems": len(counts),
        "incidents": sum(counts),
        "mean": round(sum(counts) / len(counts), 1) if counts else None,
        "distribution": distribution,
        "top": [
            {"id": p.pk, "number": p.number, "title": p.title, "service": p.service.name,
             "status": p.get_status_display(), "incidents": p.incident_count}
            for p in top
        ],
    }  # fmt: skip


def _months(period: Period) -> list[tuple[str, dt.date]]:
    found, day = [], period.first.replace(day=1)
    while day <= period.last:
        found.append((f"{day:%Y-%m}", day))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return found


def time_to_root_cause(actor: Person, period: Period) -> dict[str, Any]:
    """For the problems whose root cause was found in the period, the days from
    registration to finding it, overall, per service and per month (local)."""
    rows = (
        problems_for(actor)
        .filter(root_cause_found_at__gte=period.start, root_cause_found_at__lt=period.end)
        .order_by()
        .values_list("service__name", "created_at", "root_cause_found_at")
    )
    every: list[float] = []
    by_service: dict[str, list[float]] = defaultdict(list)
    by_month: dict[str, list[float]] = defaultdict(list)
    for name, created_at, found_at in rows:
        days = max((found_at - created_at).total_seconds(), 0) / 86400
        every.append(days)
        by_service[name].append(days)
        by_month[f"{timezone.localtime(found_at):%Y-%m}"].append(days)
    return {
        **_summary(every),
        "services": [{"service": n, **_summary(v)} for n, v in sorted(by_service.items())],
        "months": [{"month": m, **_summary(by_month.get(m, []))} for m, _ in _months(period)],
    }


def known_errors_without_change(actor: Person) -> dict[str, Any]:
    """The open known errors with no request for change, or whose request for change has
    no change yet (now). Known errors are read through the problems the actor may see."""
    qs = (
        KnownError.objects.filter(
            problem__in=problems_for(actor), status__in=OPEN_KNOWN_ERROR_STATUSES
        )
        .filter(Q(rfc__isnull=True) | Q(rfc__change__isnull=True))
        .select_related("service", "problem", "rfc")
        .order_by("created_at", "pk")
    )
    now = timezone.now()
    rows = [
        {"id": ke.pk, "number": ke.number, "title": ke.title, "service": ke.service.name,
         "problem": ke.problem_id, "problem_number": ke.problem.number,
         "rfc": ke.rfc.number if ke.rfc_id else None,
         "age_days": (now - ke.created_at).days}
        for ke in qs
    ]  # fmt: skip
    return {"count": len(rows), "known_errors": rows}


def recurrence(actor: Person, period: Period) -> dict[str, Any]:
    """Of the problems closed in the period, those with incidents of the same kind after
    closing: linked to it after ``closed_at``, or of its service registered after
    ``closed_at`` with the category or a CI of one of its linked incidents."""
    linked = IncidentRequest.objects.filter(problem_link__problem_id=OuterRef(OuterRef("pk")))
    same_kind = IncidentRequest.objects.filter(
        service_id=OuterRef("service_id"), created_at__gt=OuterRef("closed_at")
    ).filter(
        Q(category_id__in=linked.exclude(category=None).values("category_id"))
        | Q(cis__in=linked.values("cis"))
    )
    relinked = ProblemIncident.objects.filter(
        problem_id=OuterRef("pk"), linked_at__gt=OuterRef("closed_at")
    )
    closed = (
        problems_for(actor)
        .filter(status=ProblemStatus.CLOSED, closed_at__gte=period.start, closed_at__lt=period.end)
        .annotate(relinked=Exists(relinked), same_kind=Exists(same_kind))
        .order_by("closed_at", "pk")
    )
    total = recurred = 0
    rows = []
    for p in closed:
        total += 1
        if p.relinked or p.same_kind:
            recurred += 1
            rows.append(
                {"id": p.pk, "number": p.number, "title": p.title, "service": p.service.name,
                 "closed_at": p.closed_at, "relinked": p.relinked, "same_kind": p.same_kind}
            )  # fmt: skip
    return {
        "closed": total,
        "recurred": recurred,
        "rate": round(100 * recurred / total, 1) if total else None,
        "problems": rows,
    }


def _weight() -> Case:
    return Case(
        *[When(priority=p, then=Value(w)) for p, w in PRIORITY_WEIGHTS.items()],
        default=Value(1),
        output_field=IntegerField(),
    )


def top_causes(actor: Person, period: Period) -> dict[str, Any]:
    """The root causes of the period's incident requests (IRP SG3, lessons learned): the
    problems whose incidents registered in the period weigh most (by priority), and the
    categories of those linked to no problem."""
    incidents = incidents_for(actor).filter(created_at__gte=period.start, created_at__lt=period.end)
    weighed = incidents.order_by().annotate(weight=_weight())
    visible = problems_for(actor).values("pk")
    by_problem = list(
        weighed.filter(problem_link__problem__in=visible)
        .values(problem=F("problem_link__problem_id"))
        .annotate(incidents=Count("pk"), weight=Sum("weight"))
        .order_by("-weight", "-incidents", "problem")[:TOP]
    )
    problems = {
        p.pk: p
        for p in problems_for(actor)
        .filter(pk__in=[r["problem"] for r in by_problem])
        .prefetch_related("known_errors")
    }
    causes = []
    for row in by_problem:
        p = problems[row["problem"]]
        causes.append(
            {"id": p.pk, "number": p.number, "title": p.title, "service": p.service.name,
             "status": p.get_status_display(), "root_cause": p.root_cause,
             "known_errors": [ke.number for ke in p.known_errors.all()],
             "incidents": row["incidents"], "weight": row["weight"]}
        )  # fmt: skip
    unlinked = ~Exists(ProblemIncident.objects.filter(incident_id=OuterRef("pk")))
    by_category = list(
        weighed.filter(unlinked)
        .values("category_id", "category__name")
        .annotate(incidents=Count("pk"), weight=Sum("weight"))
        .order_by("-weight", "-incidents", "category__name")[:TOP]
    )
    return {
        "causes": causes,
        "unexplained": incidents.filter(unlinked).count(),
        "linked": incidents.exclude(unlinked).count(),
        "categories": [
            {"category": r["category_id"], "name": r["category__name"] or "(no category)",
             "incidents": r["incidents"], "weight": r["weight"]}
            for r in by_category
        ],
    }  # fmt: skip


def problem_kpis(actor: Person, period: Period) -> dict[str, Any]:
    """Every figure of the report for ``period`` (the open problems and known errors as
    they are now)."""
    return {
        "from": period.first,
        "to": period.last,
        "open_by_age": open_by_age(actor, timezone.now()),
        "incidents_per_problem": incidents_per_problem(actor, period),
        "time_to_root_cause": time_to_root_cause(actor, period),
        "known_errors_without_change": known_errors_without_change(actor),
        "recurrence": recurrence(actor, period),
        "top_causes": top_causes(actor, period),
    }


__all__ = ["RANGES", "Period", "age_bounds", "period_for", "problem_kpis"]
