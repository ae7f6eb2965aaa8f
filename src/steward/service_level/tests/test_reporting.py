"""Periodic service reports (ISO/IEC 20000 service reporting): one email per customer and
period with service status, outages, changes and SLT performance; never sent twice."""

import datetime as dt
from unittest import mock

import pytest
from django.core import mail

from steward.core import registry
from steward.service_level.models import ServiceReportSchedule
from steward.service_level.services import reporting
from steward.service_level.tests.test_reviews import at, build_world, clock, outage

pytestmark = pytest.mark.django_db

# The world's SLA term starts 1 January 2025; March 2025 is the month reported in April.
APRIL = dt.date(2025, 4, 10)


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def schedule(world):
    s = ServiceReportSchedule.objects.create(customer=world.customer, frequency="monthly")
    s.recipients.set([world.rep, world.slm])
    return s


@pytest.mark.parametrize(
    ("frequency", "today", "period"),
    [
        ("weekly", dt.date(2025, 3, 12), (dt.date(2025, 3, 3), dt.date(2025, 3, 9))),
        ("weekly", dt.date(2025, 3, 10), (dt.date(2025, 3, 3), dt.date(2025, 3, 9))),
        ("monthly", APRIL, (dt.date(2025, 3, 1), dt.date(2025, 3, 31))),
        ("monthly", dt.date(2025, 1, 1), (dt.date(2024, 12, 1), dt.date(2024, 12, 31))),
        ("quarterly", APRIL, (dt.date(2025, 1, 1), dt.date(2025, 3, 31))),
        ("quarterly", dt.date(2025, 2, 1), (dt.date(2024, 10, 1), dt.date(2024, 12, 31))),
    ],
)
def test_the_report_covers_the_last_complete_period(frequency, today, period):
    assert reporting.period_for(frequency, today) == period


def test_a_due_schedule_sends_one_email_with_status_outages_changes_and_slts(world, schedule):
    clock(world, at(3, 9), at(3, 10))
    clock(world, at(5, 9), at(5, 14))
    outage(world, at(4, 9), at(4, 11), description="Payroll down", source_reference="INC000001")

    sent = reporting.send_due_reports(today=APRIL)

    assert sent == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["rep@example.com", "slm@example.com"]
    assert message.subject == "Service report Acme Bank: 2025-03-01 to 2025-03-31"
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    for text in (message.body, html):
        assert "Payroll" in text and "Active" in text  # service and its status
        assert "Payroll down" in text  # the outage
        assert reporting.NO_CHANGES_NOTE in text  # no change of Payroll in March
        assert "50.0 % met" in text  # P1 resolution: 1 of 2 clocks met
    schedule.refresh_from_db()
    assert schedule.last_period_end == dt.date(2025, 3, 31)
    assert schedule.last_sent_at is not None


ROW = {
    "number": "CHG000007",
    "title": "Move payroll to the new cluster",
    "service": "Payroll",
    "emergency": True,
    "type": "Emergency",
    "state": "ended",
    "status": "Closed",
    "outcome": "Successful: all requirements met",
    "successful": True,
    "ended_at": dt.datetime(2025, 3, 14, 10, 0, tzinfo=dt.UTC),
    "planned_start": None,
    "planned_end": None,
}


def test_the_changes_section_lists_what_change_management_provides(world, schedule, monkeypatch):
    asked = []

    def provided(service_ids, begin, end):
        asked.append((sorted(service_ids), begin.date(), end.date()))
        return [ROW]

    monkeypatch.setitem(registry.PROVIDERS, reporting.REPORT_CHANGES, provided)

    reporting.send_due_reports(today=APRIL)

    assert asked == [([world.service.pk], dt.date(2025, 3, 1), dt.date(2025, 4, 1))]
    message = mail.outbox[0]
    for text in (message.body, message.alternatives[0][0]):
        assert "CHG000007 Move payroll to the new cluster" in text
        assert "Successful: all requirements met, 2025-03-14" in text
        assert "Emergency" in text or "EMERGENCY" in text
        assert reporting.NO_CHANGES_NOTE not in text


def test_without_change_management_the_report_says_so(world, schedule, monkeypatch):
    monkeypatch.delitem(registry.PROVIDERS, reporting.REPORT_CHANGES, raising=False)

    reporting.send_due_reports(today=APRIL)

    assert reporting.CHANGES_NOTE in mail.outbox[0].body


def test_running_twice_sends_once(world, schedule):
    assert reporting.send_due_reports(today=APRIL) == 1
    assert reporting.send_due_reports(today=APRIL + dt.timedelta(days=1)) == 0
    assert reporting.send_report(schedule, today=APRIL) is False  # even when asked directly

    assert len(mail.outbox) == 1


def test_the_next_period_is_sent_when_it_ends(world, schedule):
    reporting.send_due_reports(today=APRIL)

    reporting.send_due_reports(today=dt.date(2025, 5, 2))

    assert [m.subject[-24:] for m in mail.outbox] == [
        "2025-03-01 to 2025-03-31",
        "2025-04-01 to 2025-04-30",
    ]


def test_inactive_schedules_and_schedules_without_recipients_send_nothing(world, schedule):
    schedule.is_active = False
    schedule.save()
    empty = ServiceReportSchedule.objects.create(customer=world.other_customer)

    assert reporting.send_due_reports(today=APRIL) == 0
    assert mail.outbox == []
    empty.refresh_from_db()
    assert empty.last_period_end is None


def test_a_failed_send_is_retried_next_run(world, schedule):
    with mock.patch.object(
        reporting.mail.EmailMultiAlternatives, "send", side_effect=OSError("smtp down")
    ):
        assert reporting.send_due_reports(today=APRIL) == 0
    schedule.refresh_from_db()
    assert schedule.last_period_end is None

    assert reporting.send_due_reports(today=APRIL) == 1
    assert len(mail.outbox) == 1


def test_the_periodic_tasks_are_registered():
    from steward.core.scheduler import jobs

    names = {job.name for job in jobs()}
    assert {"service_level.service_reports", "service_level.schedule_reviews"} <= names
