"""Service level targets put to work: start the SLA, OLA and UC clocks of a new record.

Incidents (and any other record measured against agreements) call ``start_clocks_for``
when they are registered; the clocks themselves live in ``steward.core.clocks``.
"""

from datetime import datetime, time
from functools import reduce
from operator import or_

from django.db import IntegrityError, models, transaction

from steward.core import clocks, refcache
from steward.core.choices import ClockKind, ClockMetric
from steward.core.models import (
    BusinessCalendar,
    Organisation,
    Person,
    SlaClock,
    SupportGroup,
    WorkingPeriod,
)
from steward.service_level.choices import AgreementKind, AgreementStatus, TargetKind
from steward.service_level.models import Agreement, Service, ServiceLevelTarget

ALWAYS_CALENDAR = "24x7"
_METRICS = {
    TargetKind.RESPONSE: ClockMetric.RESPONSE,
    TargetKind.RESOLUTION: ClockMetric.RESOLUTION,
}


def _always_calendar() -> BusinessCalendar:
    calendar = BusinessCalendar.objects.filter(name=ALWAYS_CALENDAR).first()
    if calendar is not None:
        return calendar
    try:
        with transaction.atomic():
            calendar = BusinessCalendar.objects.create(
                name=ALWAYS_CALENDAR,
                time_zone="UTC",
                description="Around the clock: for services without service hours.",
            )
            WorkingPeriod.objects.bulk_create(
                WorkingPeriod(calendar=calendar, weekday=day, start_time=time(0), end_time=time(0))
                for day in range(7)
            )
            refcache.bump(clocks.CALENDARS)
    except IntegrityError:  # created meanwhile by another transaction
        calendar = BusinessCalendar.objects.get(name=ALWAYS_CALENDAR)
    return calendar


def always_calendar() -> BusinessCalendar:
    """The "24x7" calendar (every day, all day, UTC), created the first time it is needed."""
    return refcache.cached(clocks.CALENDARS, _always_calendar, key=ALWAYS_CALENDAR)


def start_clocks_for(
    *,
    record: models.Model,
    service: Service,
    customer: Organisation | None = None,
    priority: str | int,
    support_group: SupportGroup | None = None,
    supplier: Organisation | None = None,
    started_at: datetime | None = None,
    actor: Person | None = None,
) -> list[SlaClock]:
    """Start the response and resolution clocks that apply to ``record`` at ``priority``.

    One set per party, measured in parallel: the customer's active SLA of the service
    (kind ``sla``), the support group's active OLA (``ola``) and the supplier's active
    underpinning contract (``uc``). Draft, unsigned and discontinued agreements promise
    nothing, so they start nothing; neither does a party without an agreement. Clocks run
    in the service's hours, or around the clock when the service has none.
    """
    priority = str(priority)
    parties: list[tuple[str, str, dict[str, object]]] = []
    if customer is not None:
        parties.append((AgreementKind.SLA, ClockKind.SLA, {"customer": customer}))
    if support_group is not None:
        parties.append((AgreementKind.OLA, ClockKind.OLA, {"support_group": support_group}))
    if supplier is not None:
        parties.append((AgreementKind.UC, ClockKind.UC, {"supplier": supplier}))
    if not parties:
        return []
    # One query for the candidate agreements of every party, one for their targets.
    candidates = Agreement.objects.filter(service=service, status=AgreementStatus.ACTIVE).filter(
        reduce(or_, (models.Q(kind=kind, **party) for kind, _, party in parties))
    )
    latest: dict[str, Agreement] = {}
    for agreement in candidates.order_by("-signed_at", "-pk"):
        latest.setdefault(agreement.kind, agreement)
    chosen = [(latest[kind], clock_kind) for kind, clock_kind, _ in parties if kind in latest]
    if not chosen:
        return []
    targets = ServiceLevelTarget.objects.filter(
        agreement__in=[agreement for agreement, _ in chosen],
        kind__in=list(_METRICS),
        priority=priority,
        target_seconds__gt=0,
    ).order_by("kind", "pk")
    by_agreement: dict[int, list[ServiceLevelTarget]] = {}
    for target in targets:
        by_agreement.setdefault(target.agreement_id, []).append(target)
    starts = []
    calendar: BusinessCalendar | None = None
    for agreement, clock_kind in chosen:
        for target in by_agreement.get(agreement.pk, []):
            if calendar is None:
                # Loaded once with its hours for every clock of this record.
                hours = service.service_hours_id or always_calendar().pk
                calendar = clocks.calendar_with_hours(hours)
            starts.append({
                "metric": _METRICS[target.kind],
                "name": f"{agreement.number} P{priority} {target.get_kind_display().lower()}",
                "calendar": calendar,
                "target_seconds": target.target_seconds,
                "kind": clock_kind,
                "warning_percent": min(max(target.warning_percent, 1), 100),
                "started_at": started_at,
                "target_id": target.pk,
                "agreement_id": agreement.pk,
            })  # fmt: skip
    return clocks.clock_start_many(record=record, starts=starts, actor=actor)
