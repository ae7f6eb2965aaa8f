"""start_clocks_for: a new record gets the response and resolution clocks its active SLA,
OLA and underpinning contract promise for its priority, and nothing else."""

from datetime import UTC, date, datetime, timedelta

import pytest

from steward.core import clocks, numbering
from steward.core.models import BusinessCalendar, SlaClock
from steward.core.tests.factories import (
    BusinessCalendarFactory,
    OrganisationFactory,
    SupportGroupFactory,
)
from steward.service_level.choices import AGREEMENT_PREFIX
from steward.service_level.models import Agreement, Service, ServiceLevelTarget
from steward.service_level.services.slt import ALWAYS_CALENDAR, start_clocks_for

H = 3600
START = datetime(2024, 3, 4, 8, tzinfo=UTC)  # Monday 09:00 in Amsterdam


@pytest.fixture
def office(db):
    return BusinessCalendarFactory(name="Office hours")


@pytest.fixture
def service(db, office):
    service = Service(name="E-mail", service_hours=office, status="active")
    numbering.assign(service)
    service.save()
    return service


@pytest.fixture
def group(db):
    return SupportGroupFactory(name="Messaging team")


@pytest.fixture
def supplier(db):
    return OrganisationFactory(kind="supplier", name="MailCo", code="mailco")


@pytest.fixture
def record(db):
    # Stands in for an incident: any saved model can carry clocks.
    return OrganisationFactory(name="Clocked record", code="clocked")


def agreement(service, kind, status="active", **party) -> Agreement:
    """An agreement with P1 response 30 min and resolution 4 h, P2 resolution 8 h, and an
    availability target (never a clock)."""
    made = Agreement(
        kind=kind,
        name=f"{kind} for {service}",
        service=service,
        status=status,
        term_start=date(2024, 1, 1),
        signed_at=START - timedelta(days=30) if status == "active" else None,
        **party,
    )
    numbering.assign(made, prefix=AGREEMENT_PREFIX[kind])
    made.save()
    for kind_, priority, seconds, warning in [
        ("response", "1", H // 2, 50),
        ("resolution", "1", 4 * H, 75),
        ("resolution", "2", 8 * H, 75),
    ]:
        ServiceLevelTarget.objects.create(
            agreement=made,
            kind=kind_,
            priority=priority,
            target_seconds=seconds,
            warning_percent=warning,
        )
    ServiceLevelTarget.objects.create(agreement=made, kind="availability", target_percent="99.9")
    return made


def test_the_customers_active_sla_starts_response_and_resolution_clocks(
    service, customer_org, record, office
):
    sla = agreement(service, "sla", customer=customer_org)

    started = start_clocks_for(
        record=record, service=service, customer=customer_org, priority="1", started_at=START
    )

    assert [(c.kind, c.metric, c.target_seconds) for c in started] == [
        ("sla", "resolution", 4 * H),
        ("sla", "response", H // 2),
    ]
    response = started[1]
    assert response.agreement_id == sla.pk
    assert response.target_id == sla.targets.get(kind="response").pk
    assert response.calendar == office
    assert response.warning_percent == 50
    assert response.name == f"{sla.number} P1 response time"
    assert response.breach_at == START + timedelta(minutes=30)
    assert started[0].breach_at == START + timedelta(hours=4)
    assert list(clocks.clocks_for(record).order_by("pk")) == started


def test_priority_picks_the_targets_for_that_priority(service, customer_org, record):
    agreement(service, "sla", customer=customer_org)

    started = start_clocks_for(
        record=record, service=service, customer=customer_org, priority=2, started_at=START
    )

    assert [(c.metric, c.target_seconds) for c in started] == [("resolution", 8 * H)]


def start_all_three(record, service, customer, group, supplier):
    """The clocks of a P1 record with a customer (SLA), a support group (OLA) and a supplier (UC)."""
    return start_clocks_for(
        record=record,
        service=service,
        customer=customer,
        support_group=group,
        supplier=supplier,
        priority="1",
        started_at=START,
    )


def test_sla_ola_and_uc_clocks_run_in_parallel(service, customer_org, group, supplier, record):
    agreement(service, "sla", customer=customer_org)
    ola = agreement(service, "ola", support_group=group)
    uc = agreement(service, "uc", supplier=supplier)

    started = start_all_three(record, service, customer_org, group, supplier)

    assert sorted((c.kind, c.metric) for c in started) == [
        ("ola", "resolution"),
        ("ola", "response"),
        ("sla", "resolution"),
        ("sla", "response"),
        ("uc", "resolution"),
        ("uc", "response"),
    ]
    assert {c.agreement_id for c in started if c.kind == "ola"} == {ola.pk}
    assert {c.agreement_id for c in started if c.kind == "uc"} == {uc.pk}
    assert all(c.state == "running" for c in started)


@pytest.mark.parametrize("status", ["draft", "not_signed", "discontinued"])
def test_agreements_that_are_not_active_start_nothing(
    service, customer_org, group, supplier, record, status
):
    agreement(service, "sla", status=status, customer=customer_org)
    agreement(service, "ola", status=status, support_group=group)
    agreement(service, "uc", status=status, supplier=supplier)

    started = start_all_three(record, service, customer_org, group, supplier)

    assert started == []
    assert not SlaClock.objects.exists()


def test_no_agreement_no_clock(service, customer_org, group, record):
    assert (
        start_clocks_for(
            record=record, service=service, customer=customer_org, support_group=group, priority="1"
        )
        == []
    )
    assert not SlaClock.objects.exists()


def test_another_customers_or_services_agreement_does_not_apply(
    service, customer_org, other_customer_org, record
):
    agreement(service, "sla", customer=other_customer_org)
    other_service = Service(name="Telephony", status="active")
    numbering.assign(other_service)
    other_service.save()
    agreement(other_service, "sla", customer=customer_org)

    started = start_clocks_for(
        record=record, service=service, customer=customer_org, priority="1", started_at=START
    )

    assert started == []


def test_a_priority_without_targets_starts_nothing(service, customer_org, record):
    agreement(service, "sla", customer=customer_org)

    assert (
        start_clocks_for(
            record=record, service=service, customer=customer_org, priority="4", started_at=START
        )
        == []
    )


def test_a_service_without_hours_is_measured_around_the_clock(customer_org, record, db):
    service = Service(name="Hosting", status="active")
    numbering.assign(service)
    service.save()
    agreement(service, "sla", customer=customer_org)
    saturday_night = datetime(2024, 3, 2, 23, tzinfo=UTC)

    started = start_clocks_for(
        record=record,
        service=service,
        customer=customer_org,
        priority="1",
        started_at=saturday_night,
    )

    assert {c.calendar.name for c in started} == {ALWAYS_CALENDAR}
    resolution = next(c for c in started if c.metric == "resolution")
    assert resolution.breach_at == saturday_night + timedelta(hours=4)
    # Created once, reused afterwards.
    start_clocks_for(record=record, service=service, customer=customer_org, priority="2")
    assert BusinessCalendar.objects.filter(name=ALWAYS_CALENDAR).count() == 1
