"""Issue 13: current SLA compliance per target (share of clocks met over the last 30 days)
and its weekly trend, on the service and agreement pages, counted in SQL as the review
counts, and shown only to whoever may see the agreement."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from steward.core.models import SlaClock
from steward.core.tests.factories import OrganisationFactory, make_customer
from steward.service_level.choices import AgreementKind, AgreementStatus
from steward.service_level.models import Agreement, ServiceLevelTarget
from steward.service_level.queries import compliance
from steward.service_level.tests.test_reviews import AMS, build_world

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 3, 20, 12, 0, tzinfo=AMS)  # a Thursday
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@pytest.fixture
def world(db):
    return build_world()


def clock(
    target: ServiceLevelTarget,
    *,
    started: dt.timedelta | dt.datetime,
    state: str = "stopped",
    met: bool | None = None,
    breached: bool = False,
    due: dt.timedelta = 4 * HOUR,
    now: dt.datetime = NOW,
) -> Any:
    """A clock of ``target`` started ``started`` before ``now`` (or at ``started``), due
    ``due`` after its start."""
    start = started if isinstance(started, dt.datetime) else now - started
    return SlaClock.objects.create(
        record_type=ContentType.objects.get_for_model(Agreement), record_id=1,
        metric=target.kind, name=str(target), calendar_id=target.agreement.service.service_hours_id,
        target_seconds=target.target_seconds or 3600, target_id=target.pk,
        agreement_id=target.agreement_id, state=state, started_at=start, met=met,
        stopped_at=start + HOUR if state == "stopped" else None,
        breach_at=start + due, breached_at=start + due if breached else None,
    )  # fmt: skip


# Each case: the clocks (keyword arguments of ``clock``), then (met, breached, open, % met).
CASES = {
    "nothing started": ([], (0, 0, 0, None)),
    "stopped in time": ([dict(started=DAY, met=True)], (1, 0, 0, Decimal("100.0"))),
    "stopped late": ([dict(started=DAY, met=False)], (0, 1, 0, Decimal("0.0"))),
    "two met, one late": (
        [
            dict(started=DAY, met=True),
            dict(started=2 * DAY, met=True),
            dict(started=3 * DAY, met=False),
        ],
        (2, 1, 0, Decimal("66.7")),
    ),
    "running within its target is open": (
        [dict(started=HOUR, state="running"), dict(started=DAY, met=True)],
        (1, 0, 1, Decimal("100.0")),
    ),
    "running past its deadline, not swept yet": (
        [dict(started=DAY, state="running")],
        (0, 1, 0, Decimal("0.0")),
    ),
    "paused after the sweep flagged it": (
        [dict(started=DAY, state="paused", breached=True, due=HOUR)],
        (0, 1, 0, Decimal("0.0")),
    ),
    "cancelled is left out": ([dict(started=DAY, state="cancelled")], (0, 0, 0, None)),
    "started before the 30 days": (
        [dict(started=31 * DAY, met=False), dict(started=29 * DAY, met=True)],
        (1, 0, 0, Decimal("100.0")),
    ),
}


@pytest.mark.parametrize("clocks, expected", list(CASES.values()), ids=list(CASES))
def test_compliance_counts_met_breached_and_open_clocks_of_the_period(world, clocks, expected):
    for spec in clocks:
        clock(world.resolution, **spec)
    found = compliance.agreement_compliance(world.slm, world.sla, now=NOW)
    [row] = found.targets  # response and resolution targets only
    share = row.share
    assert (share.met, share.breached, share.open, share.percent) == expected
    assert found.overall == share


def test_the_trend_is_the_share_met_per_week_over_twelve_weeks(world):
    clock(world.resolution, started=DAY, met=True)  # this week (Monday 17 March)
    clock(world.resolution, started=2 * DAY, met=False)  # this week
    clock(world.resolution, started=8 * DAY, met=True)  # week of 10 March
    clock(world.resolution, started=90 * DAY, met=False)  # before the 12 weeks
    trend = compliance.agreement_compliance(world.slm, world.sla, now=NOW).trend
    assert len(trend) == compliance.TREND_WEEKS
    assert trend[-1][0] == dt.date(2025, 3, 17) and trend[0][0] == dt.date(2024, 12, 30)
    assert trend[-1][1].percent == Decimal("50.0")
    assert trend[-2][1].percent == Decimal("100.0")
    assert [share.decided for _, share in trend[:-2]] == [0] * 10


def test_compliance_is_two_aggregate_queries_whatever_the_number_of_clocks(world):
    def queries_for(n: int) -> int:
        for day in range(n):
            clock(world.resolution, started=(day % 60 + 1) * DAY, met=day % 3 != 0)
        with CaptureQueriesContext(connection) as captured:
            compliance.service_compliance(world.slm, world.service, now=NOW)
        return len(captured)

    compliance.service_compliance(world.slm, world.service, now=NOW)  # permissions cached
    assert queries_for(3) == queries_for(40) <= 4


def test_the_goal_is_the_configured_share(world, settings):
    settings.SLA_COMPLIANCE_GOAL = 60
    clock(world.resolution, started=DAY, met=True)
    clock(world.resolution, started=DAY, met=False)
    found = compliance.agreement_compliance(world.slm, world.sla, now=NOW)
    assert found.goal == 60 and found.overall.on_goal(found.goal) is False


# --- Pages ---------------------------------------------------------------------------------


@pytest.fixture
def two_customers(world):
    """A second customer of Payroll with its own SLA and a breached clock."""
    globex = world.other_customer
    world.service.customers.add(globex)
    theirs = Agreement.objects.create(
        kind=AgreementKind.SLA, number="SLA000002", name="Globex Payroll SLA",
        service=world.service, customer=globex, status=AgreementStatus.ACTIVE,
        term_start=dt.date(2025, 1, 1),
    )  # fmt: skip
    target = ServiceLevelTarget.objects.create(
        agreement=theirs, kind="response", priority="2", target_seconds=3600
    )
    clock(world.resolution, started=DAY, met=True)
    clock(target, started=DAY, met=False)
    return theirs


@freeze_time(NOW)
def test_the_service_page_shows_every_sla_to_staff_and_its_own_to_a_representative(
    client, world, two_customers
):
    client.force_login(world.slm)
    page = client.get(world.service.get_absolute_url())
    assert page.status_code == 200
    labels = [row["label"] for row in page.context["compliance_rows"]]
    assert labels == ["SLA000001 · P1 Resolution time", "SLA000002 · P2 Response time"]
    assert "SLA compliance" in page.content.decode()
    assert "goal 95 %" in page.content.decode()

    client.force_login(world.rep)
    page = client.get(world.service.get_absolute_url())
    assert [row["label"] for row in page.context["compliance_rows"]] == [
        "SLA000001 · P1 Resolution time"
    ]
    assert "SLA000002" not in page.content.decode()


def test_a_requester_sees_the_service_without_compliance(client, world, two_customers):
    requester = make_customer(world.customer, "requester", username="req")
    client.force_login(requester)
    page = client.get(world.service.get_absolute_url())
    assert page.status_code == 200
    assert "compliance_rows" not in page.context
    assert "SLA compliance" not in page.content.decode()


@freeze_time(NOW)
def test_the_agreement_page_shows_its_compliance_and_another_customer_gets_404(
    client, world, two_customers
):
    client.force_login(world.rep)
    page = client.get(world.sla.get_absolute_url())
    assert page.status_code == 200
    assert page.context["compliance"].overall.met == 1
    assert 'aria-label="Share of SLA clocks met per week' in page.content.decode()
    assert client.get(two_customers.get_absolute_url()).status_code == 404
    outsider = make_customer(OrganisationFactory(kind="customer"), "customer_representative")
    client.force_login(outsider)
    assert client.get(world.sla.get_absolute_url()).status_code == 404
