"""Service level targets put to work: start the SLA, OLA and UC clocks of a new record.

Incidents (and any other record measured against agreements) call ``start_clocks_for``
when they are registered; the clocks themselves live in ``steward.core.clocks``.
"""

from datetime import datetime, time

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


AGREEMENTS = "service_level.agreements"
# Every registration looks up the agreements of its service; they change rarely.
refcache.register(AGREEMENTS, Agreement, ServiceLevelTarget)


def _service_agreements(service_id: int) -> list[Agreement]:
    """The service's active agreements, latest signed first, with their clock targets."""
    targets = models.Prefetch(
        "targets",
        queryset=ServiceLevelTarget.objects.filter(
            kind__in=list(_METRICS), target_seconds__gt=0
        ).order_by("kind", "pk"),
    )
    return list(
        Agreement.objects.filter(service_id=service_id, status=AgreementStatus.ACTIVE)
        .order_by("-signed_at", "-pk")
        .prefetch_related(targets)
    )


def _latest_active(service: Service, kind: str, party: str, party_id: int) -> Agreement | None:
    """The active agreement of that kind for the service and party (latest signed first);
    ``party`` names the agreement's field (customer, support_group, supplier)."""
    agreements = refcache.cached(
        AGREEMENTS, lambda: _service_agreements(service.pk), key=service.pk
    )
    for agreement in agreements:
        if agreement.kind == kind and getattr(agreement, f"{party}_id") == party_id:
            return agreement
    return None


def _targets(agreement: Agreement, priority: str) -> list[ServiceLevelTarget]:
    return [t for t in agreement.targets.all() if t.priority == priority]


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
    parties = [
        (AgreementKind.SLA, ClockKind.SLA, "customer", customer),
        (AgreementKind.OLA, ClockKind.OLA, "support_group", support_group),
        (AgreementKind.UC, ClockKind.UC, "supplier", supplier),
    ]
    chosen = []
    for agreement_kind, clock_kind, field, party in parties:
        if party is not None:
            agreement = _latest_active(service, agreement_kind, field, party.pk)
            if agreement is not None:
                chosen.append((agreement, clock_kind))
    starts = []
    calendar: BusinessCalendar | None = None
    for agreement, clock_kind in chosen:
        for target in _targets(agreement, priority):
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


def response_target_seconds(
    service: Service, customer: Organisation | None, priority: str | int
) -> int | None:
    """The response promise (business seconds) of the customer's active SLA of the service
    at ``priority``, else of one without a priority; ``None`` when nothing is promised."""
    if customer is None:
        return None
    agreement = _latest_active(service, AgreementKind.SLA, "customer", customer.pk)
    if agreement is None:
        return None
    responses = [t for t in agreement.targets.all() if t.kind == TargetKind.RESPONSE]
    for wanted in (str(priority), ""):
        for target in responses:
            if target.priority == wanted:
                return target.target_seconds
    return None
