"""The SLA clock sweep: each warning and breach is told once per clock, even when two
sweeps run at the same time (issue 3, acceptance 4)."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection

from steward.core import clocks, tasks
from steward.core.models import (
    ClockEvent,
    Notification,
    SlaClock,
    WebhookDelivery,
    WebhookSubscription,
)
from steward.core.scheduler import jobs
from steward.core.tests.factories import (
    BusinessCalendarFactory,
    OrganisationFactory,
    PersonFactory,
    start_clock,
)
from steward.core.workflows import Workflow

H = 3600
START = datetime(2024, 3, 4, 8, tzinfo=UTC)  # Monday 09:00 in Amsterdam
WARNING = START + timedelta(hours=3)  # 75 % of 4 office hours
BREACH = START + timedelta(hours=4)


@pytest.fixture
def coordinator(db):
    return PersonFactory(username="coordinator", email="coordinator@example.com")


@pytest.fixture
def escalate_to(monkeypatch, coordinator):
    """Clocks on organisations tell the coordinator (areas register their own rule)."""
    calls = []

    def escalation(clock, level):
        calls.append((clock.pk, level))
        return [coordinator]

    monkeypatch.setitem(clocks._ESCALATIONS, "core.organisation", escalation)
    return calls


def start(record, calendar, **kwargs) -> SlaClock:
    return start_clock(record, calendar, at=START, name="SLA000001 P1 resolution time", **kwargs)


def test_nothing_is_sent_before_the_warning_time(office, record, escalate_to):
    start(record, office)

    result = clocks.sweep(now=WARNING - timedelta(seconds=1))

    assert (result["warnings"], result["breaches"]) == (0, 0)
    assert not Notification.objects.exists()
    assert escalate_to == []


def test_warning_then_breach_are_each_sent_once(
    office, record, coordinator, escalate_to, django_capture_on_commit_callbacks
):
    clock = start(record, office)
    WebhookSubscription.objects.create(name="Monitor", url="https://example.com/hook", secret="s")

    with django_capture_on_commit_callbacks(execute=True):
        first = clocks.sweep(now=WARNING)
    with django_capture_on_commit_callbacks(execute=True):
        again = clocks.sweep(now=WARNING + timedelta(minutes=1))

    assert (first["warnings"], first["breaches"]) == (1, 0)
    assert (again["warnings"], again["breaches"]) == (0, 0)
    note = Notification.objects.get()
    assert note.recipient == coordinator
    assert note.event == "clock.warning"
    assert note.title == "SLA resolution 75% used: Clocked record"
    assert [m.to for m in mail.outbox] == [["coordinator@example.com"]]
    assert list(WebhookDelivery.objects.values_list("event", flat=True)) == [
        "core.sla_clock.warning"
    ]
    clock.refresh_from_db()
    assert clock.warned_at == WARNING
    assert clock.breached_at is None

    with django_capture_on_commit_callbacks(execute=True):
        breach = clocks.sweep(now=BREACH)
    with django_capture_on_commit_callbacks(execute=True):
        after = clocks.sweep(now=BREACH + timedelta(hours=1))

    assert (breach["warnings"], breach["breaches"]) == (0, 1)
    assert (after["warnings"], after["breaches"]) == (0, 0)
    assert sorted(Notification.objects.values_list("event", flat=True)) == [
        "clock.breach",
        "clock.warning",
    ]
    assert len(mail.outbox) == 2
    assert sorted(WebhookDelivery.objects.values_list("event", flat=True)) == [
        "core.sla_clock.breached",
        "core.sla_clock.warning",
    ]
    payload = WebhookDelivery.objects.get(event="core.sla_clock.breached").payload
    assert payload["record_type"] == "core.organisation"
    assert payload["data"]["clock_id"] == clock.pk
    assert escalate_to == [(clock.pk, "warning"), (clock.pk, "breach")]
    assert [e.event for e in clock.events.all()] == ["started", "warned", "breached"]


def test_a_late_sweep_sends_warning_and_breach_together(office, record, escalate_to):
    start(record, office)

    result = clocks.sweep(now=BREACH + timedelta(days=1))

    assert (result["warnings"], result["breaches"]) == (1, 1)
    assert Notification.objects.count() == 2


@pytest.mark.parametrize("state", ["paused", "stopped", "cancelled"])
def test_clocks_that_are_not_running_are_not_swept(office, record, escalate_to, state):
    clock = start(record, office)
    if state == "paused":
        clocks.clock_pause(clock_id=clock.pk, at=START + timedelta(hours=1))
    elif state == "stopped":
        clocks.clock_stop(clock_id=clock.pk, at=START + timedelta(hours=1))
    else:
        clocks.clock_cancel(clock_id=clock.pk)

    result = clocks.sweep(now=BREACH + timedelta(days=30))

    assert (result["warnings"], result["breaches"]) == (0, 0)
    assert not Notification.objects.exists()


def test_a_warned_clock_paused_and_resumed_is_not_warned_again(office, record, escalate_to):
    clock = start(record, office)
    clocks.sweep(now=WARNING)
    clocks.clock_pause(clock_id=clock.pk, at=WARNING + timedelta(minutes=5))
    clocks.clock_resume(clock_id=clock.pk, at=WARNING + timedelta(days=1))

    clock.refresh_from_db()
    result = clocks.sweep(now=clock.breach_at)

    assert (result["warnings"], result["breaches"]) == (0, 1)
    assert escalate_to == [(clock.pk, "warning"), (clock.pk, "breach")]


def test_the_pause_moves_the_breach_out_of_the_sweep(office, record, escalate_to):
    clock = start(record, office)
    clocks.clock_pause(clock_id=clock.pk, at=START + timedelta(hours=1))
    clocks.clock_resume(clock_id=clock.pk, at=START + timedelta(hours=3))

    # Two business hours paused: the warning is now due at 14:00 local, not 12:00.
    assert clocks.sweep(now=WARNING)["warnings"] == 0
    assert clocks.sweep(now=WARNING + timedelta(hours=2))["warnings"] == 1


def test_without_an_escalation_only_the_webhook_event_goes_out(
    office, record, django_capture_on_commit_callbacks
):
    WebhookSubscription.objects.create(name="Monitor", url="https://example.com/hook", secret="s")
    start(record, office)

    with django_capture_on_commit_callbacks(execute=True):
        result = clocks.sweep(now=WARNING)

    assert result["warnings"] == 1
    assert not Notification.objects.exists()
    assert list(WebhookDelivery.objects.values_list("event", flat=True)) == [
        "core.sla_clock.warning"
    ]


def test_a_failing_escalation_does_not_stop_the_sweep(office, record, monkeypatch):
    def broken(clock, level):
        raise RuntimeError("area bug")

    monkeypatch.setitem(clocks._ESCALATIONS, "core.organisation", broken)
    clock = start(record, office)

    assert clocks.sweep(now=WARNING)["warnings"] == 1
    clock.refresh_from_db()
    assert clock.warned_at == WARNING


def test_the_sweep_runs_every_minute_as_a_task(office, record, escalate_to):
    job = {j.name: j for j in jobs()}["core.sweep_sla_clocks"]
    assert job.cron == "* * * * *"
    assert job.task is tasks.sweep_sla_clocks
    start(record, office)  # long due by now (2024)

    result = tasks.sweep_sla_clocks.call()

    assert (result["warnings"], result["breaches"]) == (1, 1)


def test_the_clock_workflow_is_a_core_workflow():
    assert isinstance(clocks.CLOCK, Workflow)
    assert clocks.CLOCK.allowed("stopped") == frozenset()


# --- Two sweeps at once (PostgreSQL) ---------------------------------------------------------

CLOCKS = 40


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_time_notify_each_clock_once(monkeypatch):
    office = BusinessCalendarFactory(name="Office hours")
    record = OrganisationFactory(name="Clocked record", code="clocked")
    people = [PersonFactory(username=f"coordinator{n}") for n in range(2)]
    barrier = threading.Barrier(2)

    def slow_escalation(clock, level):
        # Hold the claimed rows a little so the other sweep really has to wait on them.
        threading.Event().wait(0.005)
        return people

    monkeypatch.setitem(clocks._ESCALATIONS, "core.organisation", slow_escalation)
    for n in range(CLOCKS):
        # Half are past their breach too, so both thresholds race.
        start_clock(record, office, at=START, name=f"clock {n}", target=4 * H if n % 2 else H)
    results, errors = [], []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(clocks.sweep(now=WARNING))
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    for _round in range(2):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert errors == []
    assert sum(r["warnings"] for r in results) == CLOCKS
    assert sum(r["breaches"] for r in results) == CLOCKS // 2
    sent = CLOCKS + CLOCKS // 2
    assert Notification.objects.count() == sent * len(people)
    assert len(mail.outbox) == sent * len(people)
    assert ClockEvent.objects.filter(event="warned").count() == CLOCKS
    assert ClockEvent.objects.filter(event="breached").count() == CLOCKS // 2
    # Each clock told once per threshold, never twice.
    told = ClockEvent.objects.filter(event__in=["warned", "breached"])
    assert len(set(told.values_list("clock_id", "event"))) == told.count() == sent


def test_a_breach_is_told_in_plain_words_in_the_list_and_the_email(
    client, office, record, coordinator, escalate_to, django_capture_on_commit_callbacks
):
    """Issue 13: the notification list showed the event code ``clock.breach``."""
    from django.urls import reverse

    from steward.core.models import RoleAssignment

    RoleAssignment.objects.create(person=coordinator, role="group_coordinator")
    start(record, office)
    with django_capture_on_commit_callbacks(execute=True):
        clocks.sweep(now=BREACH)
    client.force_login(coordinator)

    page = client.get(reverse("core:notification-list")).content.decode()

    assert "SLA target breached" in page and "SLA target at risk" in page
    assert "clock.breach" not in page and "clock.warning" not in page
    breach_mail = next(m for m in mail.outbox if "breached" in m.subject)
    assert breach_mail.subject == "SLA resolution breached: Clocked record"
    assert breach_mail.body.startswith(
        "SLA000001 P1 resolution time: the 4 h target (business time) was not met"
    )
    assert "clock." not in breach_mail.body
