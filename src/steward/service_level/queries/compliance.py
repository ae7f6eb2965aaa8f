"""Current SLA compliance of agreements and its trend (issue 13): for the service and
agreement pages, per response / resolution target, the share of its clocks met.

Counted as the review counts (``queries/reviews.py``): the target's clocks
(``SlaClock.target_id``) started in the period, cancelled ones left out; a clock is met
when it stopped within its target, breached when it stopped late, was flagged by the
sweep, or is still running past its breach time; the others are open and not in the
percentage. The current period is the last ``PERIOD_DAYS`` days; the trend is the same
share per week (Monday to Sunday, local time) over the last ``TREND_WEEKS`` weeks. The
goal (``settings.SLA_COMPLIANCE_GOAL``) is the share that counts as on target.

Two aggregate queries, whatever the number of clocks: one grouped by target, one grouped
by target and week (``TruncWeek``), both over the ``target_id`` index. Who may see what is
``agreements_for``: provider people every agreement, a customer representative their
organisations' SLAs, a requester none.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from steward.core.choices import ClockState
from steward.core.models import Person, SlaClock
from steward.service_level.choices import AgreementKind, AgreementStatus, TargetKind
from steward.service_level.models import Agreement, Service, ServiceLevelTarget
from steward.service_level.queries.agreements import agreements_for

PERIOD_DAYS = 30
TREND_WEEKS = 12
MEASURED = (TargetKind.RESPONSE, TargetKind.RESOLUTION)


@dataclass(frozen=True)
class Share:
    """Clocks met and breached (open ones are in neither), and the share met."""

    met: int = 0
    breached: int = 0
    open: int = 0

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def percent(self) -> Decimal | None:
        if not self.decided:
            return None
        return (Decimal(self.met) * 100 / self.decided).quantize(Decimal("0.1"), ROUND_HALF_UP)

    def on_goal(self, goal: Decimal) -> bool | None:
        percent = self.percent
        return None if percent is None else percent >= goal

    def __add__(self, other: "Share") -> "Share":
        return Share(self.met + other.met, self.breached + other.breached, self.open + other.open)


@dataclass(frozen=True)
class TargetCompliance:
    target: ServiceLevelTarget
    agreement: Agreement
    share: Share


@dataclass(frozen=True)
class Compliance:
    start: dt.datetime
    end: dt.datetime
    goal: Decimal
    targets: list[TargetCompliance]
    overall: Share
    trend: list[tuple[dt.date, Share]]  # (Monday, share), oldest first

    @property
    def empty(self) -> bool:
        return not self.targets


def _counts(now: dt.datetime) -> dict[str, Any]:
    met = Q(met=True)
    breached = ~met & (
        Q(met=False)
        | Q(breached_at__isnull=False)
        | Q(state=ClockState.RUNNING, breach_at__lte=now)
    )
    return {
        "n_met": Count("pk", filter=met),
        "n_breached": Count("pk", filter=breached),
        "n_all": Count("pk"),
    }


def _share(row: dict[str, Any]) -> Share:
    return Share(row["n_met"], row["n_breached"], row["n_all"] - row["n_met"] - row["n_breached"])


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def compliance_of(agreements: QuerySet[Agreement], *, now: dt.datetime | None = None) -> Compliance:
    """The compliance of ``agreements`` (already restricted to what the reader may see)."""
    now = now or timezone.now()
    goal = Decimal(settings.SLA_COMPLIANCE_GOAL)
    start = now - dt.timedelta(days=PERIOD_DAYS)
    targets = list(
        ServiceLevelTarget.objects.filter(agreement__in=agreements, kind__in=MEASURED)
        .select_related("agreement")
        .order_by("agreement__number", "priority", "-kind", "pk")
    )
    ids = [t.pk for t in targets]
    clocks = SlaClock.objects.filter(target_id__in=ids).exclude(state=ClockState.CANCELLED)
    current = {
        row["target_id"]: _share(row)
        for row in clocks.filter(started_at__gte=start, started_at__lt=now)
        .values("target_id")
        .annotate(**_counts(now))
        .order_by()
    }
    rows = [TargetCompliance(t, t.agreement, current.get(t.pk, Share())) for t in targets]
    this_monday = _monday(timezone.localdate(now))
    first = this_monday - dt.timedelta(weeks=TREND_WEEKS - 1)
    since = dt.datetime.combine(first, dt.time.min, tzinfo=timezone.get_current_timezone())
    weekly: dict[dt.date, Share] = {}
    for row in (
        clocks.filter(started_at__gte=since, started_at__lt=now)
        .annotate(week=TruncWeek("started_at"))
        .values("week")
        .annotate(**_counts(now))
        .order_by()
    ):
        week = row["week"]
        day = timezone.localtime(week).date() if isinstance(week, dt.datetime) else week
        weekly[day] = weekly.get(day, Share()) + _share(row)
    trend = [
        (first + dt.timedelta(weeks=n), weekly.get(first + dt.timedelta(weeks=n), Share()))
        for n in range(TREND_WEEKS)
    ]
    overall = sum((r.share for r in rows), Share())
    return Compliance(start, now, goal, rows, overall, trend)


def agreement_compliance(
    actor: Person, agreement: Agreement, *, now: dt.datetime | None = None
) -> Compliance:
    """One agreement's compliance, if the actor may see the agreement (else empty)."""
    return compliance_of(agreements_for(actor).filter(pk=agreement.pk), now=now)


def service_compliance(
    actor: Person, service: Service, *, now: dt.datetime | None = None
) -> Compliance:
    """The compliance of the service's active SLAs that the actor may see: every one for
    provider people, their organisations' for a customer representative, none otherwise."""
    agreements = agreements_for(actor).filter(
        service=service,
        kind=AgreementKind.SLA,
        status=AgreementStatus.ACTIVE,
    )
    return compliance_of(agreements, now=now)
