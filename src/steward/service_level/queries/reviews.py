"""Reads of SLA reviews (restricted to what the actor may see) and the figures of a review
term: actual vs target (seed 003 ch. 11 proc. 5) for reviews and service reports.

The figures are reads too (records of the term, no writes), so they live with the other
reads; ``services/reviews.py`` stores them on the review.

``compute_figures(review)`` reads the records of the term (SLA clocks, outages) and returns
plain JSON: the review page, its print view, the CSV export and the service report email
all render this one shape, stored on ``SlaReview.figures``::

    {"version": 1, "computed_at": iso, "customer": {"id", "name"},
     "term": {"start": "2026-01-01", "end": "2026-03-31"},          # both days included
     "summary": {"targets", "met", "violated", "not_measured", "no_data"},
     "agreements": [{"id", "number", "name", "service": {"id", "name", "owner_id", "owner"},
                     "targets": [{"id", "kind", "kind_label", "priority", "label",
                                  "expected", "actual", "status", "detail": {...}}]}],
     "services": [{"id", "name", "status", "outages": [...], "availability": {...}}]}

Rules (shown in the report's legend, see ``LEGEND``):

- response / resolution: the target's SLA clocks (``SlaClock.target_id``) started in the
  term, cancelled ones left out. A clock is met when it stopped within its target, breached
  when it stopped late, was flagged by the sweep, or is still running past its breach time;
  others are open. The target is violated when *any* clock in the term breached.
  Mean and worst business time are over the clocks that stopped.
- availability: unplanned, not degraded outages of the service, clipped to the term and
  merged where they overlap, measured in the service's business hours (24x7 when it has
  none): ``1 - outage business time / term business time``; violated below the target.
  Degraded periods are reported separately; planned outages do not count.
- max_outages: unplanned, not degraded outages that started in the term; violated above
  the target count.
- RTO / RPO: not measured until continuity tests are recorded; never shown as met.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone

from steward.core import permissions
from steward.core.calendars import CalendarSpec, business_time_between, merge_spans, spec_for
from steward.core.choices import ClockState
from steward.core.models import Organisation, Person, SlaClock
from steward.core.queries import one
from steward.service_level.choices import AgreementKind, AgreementStatus, TargetKind
from steward.service_level.models import Agreement, Outage, Service, ServiceLevelTarget, SlaReview


def reviews_for(actor: Person) -> QuerySet[SlaReview]:
    """Service level managers and administrators, IT directors: all reviews (a manager
    limited to some customers: theirs); a service owner: reviews covering their services;
    a customer representative: their organisation's."""
    permission = "service_level.review.view"
    if not permissions.has(actor, permission):
        return SlaReview.objects.none()
    qs = SlaReview.objects.select_related("customer", "service_level_manager")
    everywhere, scoped = permissions.scopes_for(actor, permission)
    if everywhere:
        return qs
    org_ct = ContentType.objects.get_for_model(Organisation, for_concrete_model=True)
    service_ct = ContentType.objects.get_for_model(Service, for_concrete_model=True)
    org_ids = scoped.get(org_ct.id, set())
    service_ids = scoped.get(service_ct.id, set())
    covering = Agreement.objects.filter(service_id__in=service_ids).values("pk")
    reviewed = SlaReview.agreements.through.objects.filter(agreement_id__in=covering)
    return qs.filter(Q(customer_id__in=org_ids) | Q(pk__in=reviewed.values("slareview_id")))


def review_for(actor: Person, pk: Any) -> SlaReview:
    return one(reviews_for(actor), pk)


# --- Figures of a review term ------------------------------------------------------------


VERSION = 1

MET, VIOLATED, NOT_MEASURED, NO_DATA = "met", "violated", "not_measured", "no_data"
STATUS_LABELS = {
    MET: "Met",
    VIOLATED: "Violated",
    NOT_MEASURED: "Not measured",
    NO_DATA: "No records",
}

LEGEND = [
    "Response and resolution: a target is violated when any SLA clock started in the term "
    "breached it (stopped late, or still running past its breach time). % met counts "
    "finished clocks; mean and worst are business time used.",
    "Availability: unplanned outages (not degraded periods, not planned maintenance) in the "
    "service's business hours; violated when below the target.",
    "Maximum outages: unplanned outages started in the term; violated when above the target.",
    "RTO and RPO: not measured in this term (no continuity test records); never shown as met.",
    "No records: nothing happened in the term that the target measures.",
]

# The order of a report's rows: per priority response then resolution, then the rest.
KIND_ORDER = {
    TargetKind.RESPONSE: 0,
    TargetKind.RESOLUTION: 0,
    TargetKind.AVAILABILITY: 1,
    TargetKind.MAX_OUTAGES: 2,
    TargetKind.RTO: 3,
    TargetKind.RPO: 4,
}

# A service without service hours is measured around the clock.
ALWAYS = CalendarSpec("UTC", tuple(((dt.time(0), dt.time(0)),) for _ in range(7)))


# --- Formatting ------------------------------------------------------------------------------


def format_duration(seconds: float | int | None, *, days: bool = True) -> str:
    """``14400`` -> ``"4 h"``, ``5400`` -> ``"1 h 30 min"``, ``90`` -> ``"1 min 30 s"``.

    Business time is shown in hours (``days=False``): a business day is not 24 hours.
    """
    if seconds is None:
        return "—"
    seconds = round(seconds)
    days, rest = divmod(seconds, 86400) if days else (0, seconds)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes else []
    if secs and not days:
        parts.append(f"{secs} s")
    return " ".join(parts) or "0 s"


def _pct(value: Decimal | float, places: str = "0.1") -> str:
    return str(Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP))


def _pct3(value: Decimal) -> str:
    """A percentage with up to three decimals, trailing zeros dropped (``99.9``, ``100``)."""
    text = _pct(value, "0.001").rstrip("0").rstrip(".")
    return text or "0"


# --- Term ------------------------------------------------------------------------------------


def term_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, day after end 00:00) in the site's time zone: both days count."""
    zone = timezone.get_default_timezone()
    begin = dt.datetime.combine(start, dt.time(0), tzinfo=zone)
    finish = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    return begin, finish


def _spec(service: Service) -> CalendarSpec:
    return spec_for(service.service_hours) if service.service_hours_id else ALWAYS


# --- Services: outages and availability ----------------------------------------------------


def service_outages(
    service: Service, begin: dt.datetime, finish: dt.datetime, now: dt.datetime
) -> dict[str, Any]:
    """Outages of ``service`` overlapping [begin, finish), with business-time totals."""
    spec = _spec(service)
    until = min(finish, now)
    rows = list(
        Outage.objects.filter(service=service, started_at__lt=finish)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=begin))
        .order_by("started_at", "id")
    )

    def clipped(outages: list[Outage]) -> list[tuple[dt.datetime, dt.datetime]]:
        return merge_spans(
            (max(o.started_at, begin), min(o.ended_at or until, finish)) for o in outages
        )

    def business(spans: list[tuple[dt.datetime, dt.datetime]]) -> int:
        return int(
            sum(
                (business_time_between(s, e, spec) for s, e in spans), dt.timedelta()
            ).total_seconds()
        )

    down = [o for o in rows if not o.planned and not o.degraded]
    degraded = [o for o in rows if not o.planned and o.degraded]
    term_seconds = (
        int(business_time_between(begin, until, spec).total_seconds()) if until > begin else 0
    )
    down_seconds = business(clipped(down))
    return {
        "term_seconds": term_seconds,
        "outage_seconds": down_seconds,
        "degraded_seconds": business(clipped(degraded)),
        "unplanned_started": sum(1 for o in down if o.started_at >= begin),
        "degraded_count": len(degraded),
        "planned_count": sum(1 for o in rows if o.planned),
        "availability": (
            (Decimal(1) - Decimal(down_seconds) / Decimal(term_seconds)) * 100
            if term_seconds
            else None
        ),
        "list": [
            {
                "id": o.pk,
                "started_at": o.started_at.isoformat(),
                "started": f"{timezone.localtime(o.started_at):%Y-%m-%d %H:%M}",
                "ended_at": o.ended_at.isoformat() if o.ended_at else None,
                "duration": format_duration(((o.ended_at or until) - o.started_at).total_seconds()),
                "kind": "planned" if o.planned else ("degraded" if o.degraded else "outage"),
                "description": o.description,
                "source_reference": o.source_reference,
            }
            for o in rows
        ],
    }


# --- Targets ---------------------------------------------------------------------------------


def _clock_breached(clock: SlaClock, until: dt.datetime) -> bool:
    if clock.met is False or clock.breached_at is not None:
        return True
    return (
        clock.state == ClockState.RUNNING
        and clock.breach_at is not None
        and clock.breach_at <= until
    )


def clock_figures(clocks: list[SlaClock], until: dt.datetime) -> dict[str, Any]:
    """Counts, % met and business time used by the clocks of one target."""
    met = sum(1 for c in clocks if c.met is True)
    breached = sum(1 for c in clocks if c.met is not True and _clock_breached(c, until))
    used = [c.elapsed_business_seconds for c in clocks if c.elapsed_business_seconds is not None]
    decided = met + breached
    return {
        "count": len(clocks),
        "met": met,
        "breached": breached,
        "open": len(clocks) - decided,
        "percent_met": _pct(Decimal(met) * 100 / decided) if decided else None,
        "mean_seconds": round(sum(used) / len(used)) if used else None,
        "worst_seconds": max(used) if used else None,
    }


def expected_text(target: ServiceLevelTarget) -> str:
    if target.kind in (TargetKind.RESPONSE, TargetKind.RESOLUTION):
        return f"≤ {format_duration(target.target_seconds, days=False)} (business time)"
    if target.kind in (TargetKind.RTO, TargetKind.RPO):
        return f"≤ {format_duration(target.target_seconds)}"
    if target.kind == TargetKind.AVAILABILITY:
        return f"≥ {_pct3(target.target_percent or Decimal(0))} %"
    if target.kind == TargetKind.MAX_OUTAGES:
        return f"≤ {target.target_count or 0} outages"
    return ""


def target_figures(
    target: ServiceLevelTarget,
    *,
    clocks: list[SlaClock],
    outages: dict[str, Any],
    until: dt.datetime,
) -> dict[str, Any]:
    """One row of the report: what was promised, what was delivered, met or violated."""
    row: dict[str, Any] = {
        "id": target.pk,
        "kind": target.kind,
        "kind_label": TargetKind(target.kind).label,
        "priority": target.priority,
        "label": str(target),
        "expected": expected_text(target),
    }
    if target.kind in (TargetKind.RESPONSE, TargetKind.RESOLUTION):
        figures = clock_figures(clocks, until)
        row["detail"] = figures
        if figures["count"] == 0:
            row.update(status=NO_DATA, actual="No records in the term")
        else:
            status = VIOLATED if figures["breached"] else MET
            percent = figures["percent_met"]
            actual = f"{percent} % met" if percent is not None else "open"
            actual += f" ({figures['met']} of {figures['met'] + figures['breached']}"
            actual += (
                f"; worst {format_duration(figures['worst_seconds'], days=False)})"
                if figures["worst_seconds"] is not None
                else ")"
            )
            row.update(status=status, actual=actual)
    elif target.kind == TargetKind.AVAILABILITY:
        availability = outages["availability"]
        row["detail"] = {
            k: outages[k]
            for k in ("term_seconds", "outage_seconds", "degraded_seconds", "planned_count")
        }
        if availability is None:
            row.update(status=NOT_MEASURED, actual="No service hours in the term")
        else:
            row["detail"]["percent"] = _pct3(availability)
            violated = availability < (target.target_percent or Decimal(0))
            row.update(status=VIOLATED if violated else MET, actual=f"{_pct3(availability)} %")
    elif target.kind == TargetKind.MAX_OUTAGES:
        count = outages["unplanned_started"]
        row["detail"] = {"count": count}
        violated = count > (target.target_count or 0)
        row.update(
            status=VIOLATED if violated else MET,
            actual=f"{count} outage{'' if count == 1 else 's'}",
        )
    else:  # RTO / RPO
        row.update(status=NOT_MEASURED, actual="Not measured in this term", detail={})
    return row


# --- The review ------------------------------------------------------------------------------


def _targets_and_clocks(
    agreements: list[Agreement], begin: dt.datetime, finish: dt.datetime
) -> tuple[dict[int, list[ServiceLevelTarget]], dict[int, list[SlaClock]]]:
    """The agreements' targets in report order, and the clocks of each started in the term."""
    targets_by_agreement: dict[int, list[ServiceLevelTarget]] = {a.pk: [] for a in agreements}
    for target in ServiceLevelTarget.objects.filter(agreement__in=agreements):
        targets_by_agreement[target.agreement_id].append(target)
    for targets in targets_by_agreement.values():
        targets.sort(
            key=lambda t: (KIND_ORDER.get(t.kind, 9), t.priority, t.kind != "response", t.pk)
        )
    target_ids = [t.pk for ts in targets_by_agreement.values() for t in ts]
    clocks: dict[int, list[SlaClock]] = {pk: [] for pk in target_ids}
    for clock in SlaClock.objects.filter(
        target_id__in=target_ids, started_at__gte=begin, started_at__lt=finish
    ).exclude(state=ClockState.CANCELLED):
        clocks[clock.target_id].append(clock)
    return targets_by_agreement, clocks


def _agreement_row(agreement: Agreement, service: Service, rows: list[dict]) -> dict[str, Any]:
    return {
        "id": agreement.pk,
        "number": agreement.number,
        "name": agreement.name,
        "status": agreement.status,
        "service": {
            "id": service.pk,
            "name": service.name,
            "owner_id": service.owner_id,
            "owner": str(service.owner) if service.owner_id else "",
        },
        "targets": rows,
    }


def _service_row(service: Service, outages: dict[str, Any]) -> dict[str, Any]:
    availability = outages["availability"]
    return {
        "id": service.pk,
        "name": service.name,
        "status": service.status,
        "status_label": service.get_status_display(),
        "availability": _pct3(availability) if availability is not None else None,
        "outage_seconds": outages["outage_seconds"],
        "degraded_seconds": outages["degraded_seconds"],
        "outages": outages["list"],
    }


def compute_figures_for(
    *,
    customer: Any,
    agreements: Iterable[Agreement],
    term_start: dt.date,
    term_end: dt.date,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The figures of ``agreements`` over a term (shared by reviews and service reports)."""
    now = now or timezone.now()
    begin, finish = term_bounds(term_start, term_end)
    until = min(finish, now)
    agreements = list(agreements)
    targets_by_agreement, clocks = _targets_and_clocks(agreements, begin, finish)
    services: dict[int, Service] = {}
    for agreement in agreements:
        services.setdefault(agreement.service_id, agreement.service)
    outages = {pk: service_outages(service, begin, finish, now) for pk, service in services.items()}

    summary = {"targets": 0, MET: 0, VIOLATED: 0, NOT_MEASURED: 0, NO_DATA: 0}
    agreement_rows = []
    for agreement in agreements:
        rows = [
            target_figures(
                t, clocks=clocks[t.pk], outages=outages[agreement.service_id], until=until
            )
            for t in targets_by_agreement[agreement.pk]
        ]
        for row in rows:
            summary["targets"] += 1
            summary[row["status"]] += 1
        agreement_rows.append(_agreement_row(agreement, services[agreement.service_id], rows))
    return {
        "version": VERSION,
        "computed_at": now.isoformat(timespec="seconds"),
        "customer": {"id": customer.pk, "name": str(customer)},
        "term": {"start": term_start.isoformat(), "end": term_end.isoformat()},
        "summary": summary,
        "agreements": agreement_rows,
        "services": [
            _service_row(service, outages[pk])
            for pk, service in sorted(services.items(), key=lambda kv: kv[1].name)
        ],
    }


def review_agreements(customer: Any, term_start: dt.date, term_end: dt.date) -> Any:
    """The customer's SLAs in force at some point of the term (active or terminated since)."""
    begin, _ = term_bounds(term_start, term_end)
    return (
        Agreement.objects.filter(
            kind=AgreementKind.SLA,
            customer=customer,
            status__in=[AgreementStatus.ACTIVE, AgreementStatus.DISCONTINUED],
            term_start__lte=term_end,
        )
        .filter(Q(term_end__isnull=True) | Q(term_end__gte=term_start))
        .filter(Q(terminated_at__isnull=True) | Q(terminated_at__gte=begin))
        .select_related("service__owner", "service__service_hours")
        .prefetch_related("service__service_hours__periods", "service__service_hours__holidays")
        .order_by("service__name", "number")
    )


def compute_figures(review: Any, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The figures of a review's agreements over its term (see the module docstring)."""
    agreements = (
        review.agreements.select_related("service__owner", "service__service_hours")
        .prefetch_related("service__service_hours__periods", "service__service_hours__holidays")
        .order_by("service__name", "number")
    )
    return compute_figures_for(
        customer=review.customer,
        agreements=agreements,
        term_start=review.term_start,
        term_end=review.term_end,
        now=now,
    )


def violated_targets(figures: dict[str, Any]) -> Iterable[tuple[dict, dict]]:
    """(agreement row, target row) for every violated target in ``figures``."""
    for agreement in figures.get("agreements", []):
        for target in agreement["targets"]:
            if target["status"] == VIOLATED:
                yield agreement, target


CSV_HEADER = [
    "Customer", "Term start", "Term end", "Agreement", "Service", "Target", "Kind",
    "Priority", "Expected", "Actual", "Status", "Clocks", "Met", "Breached", "Open",
    "% met", "Mean business time (s)", "Worst business time (s)", "Availability %",
    "Outage business time (s)", "Outages",
]  # fmt: skip


def csv_rows(figures: dict[str, Any]) -> Iterable[list[Any]]:
    """One CSV line per target (header not included)."""
    for agreement in figures.get("agreements", []):
        for t in agreement["targets"]:
            d = t.get("detail") or {}
            yield [
                figures["customer"]["name"],
                figures["term"]["start"],
                figures["term"]["end"],
                agreement["number"],
                agreement["service"]["name"],
                t["label"],
                t["kind"],
                t["priority"],
                t["expected"],
                t["actual"],
                STATUS_LABELS.get(t["status"], t["status"]),
                d.get("count", "") if t["kind"] in ("response", "resolution") else "",
                d.get("met", ""),
                d.get("breached", ""),
                d.get("open", ""),
                d.get("percent_met") or "",
                d.get("mean_seconds") if d.get("mean_seconds") is not None else "",
                d.get("worst_seconds") if d.get("worst_seconds") is not None else "",
                d.get("percent", ""),
                d.get("outage_seconds", ""),
                d.get("count", "") if t["kind"] == "max_outages" else "",
            ]
