"""Reference data kept in process memory (core.refcache): whatever changes it, through the
ORM here, in bulk with a bump, in another process, or in a transaction that rolls back,
the next reader sees the data as the database has it."""

from contextlib import contextmanager
from datetime import time

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.test.utils import CaptureQueriesContext

from steward.core import clocks, refcache
from steward.core.models import ReferenceVersion, WorkingPeriod
from steward.core.tests.factories import BusinessCalendarFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    calendar = BusinessCalendarFactory(name="Office")
    WorkingPeriod.objects.filter(calendar=calendar).delete()
    WorkingPeriod.objects.create(
        calendar=calendar, weekday=0, start_time=time(9), end_time=time(17)
    )
    return calendar


def hours(calendar_id: int) -> list[tuple[int, time, time]]:
    calendar = clocks.calendar_with_hours(calendar_id)
    return [(p.weekday, p.start_time, p.end_time) for p in calendar.periods.all()]


@contextmanager
def web_request():
    """The signals of one web request around the block, as the test client sends them
    (without closing the test's database connection)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        request_started.send(sender=None)
        yield
    finally:
        request_finished.send(sender=None)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def test_unchanged_data_costs_one_small_query_per_read(office):
    hours(office.pk)

    # Outside a web request every read checks the tokens, and only that.
    assert queries(lambda: hours(office.pk)) == 1


def test_within_a_request_the_tokens_are_read_once(office):
    hours(office.pk)
    with web_request():
        assert queries(lambda: (hours(office.pk), hours(office.pk), hours(office.pk))) == 1


def test_a_save_through_the_orm_is_seen_at_once(office):
    assert hours(office.pk) == [(0, time(9), time(17))]

    WorkingPeriod.objects.create(calendar=office, weekday=1, start_time=time(8), end_time=time(12))

    assert hours(office.pk) == [(0, time(9), time(17)), (1, time(8), time(12))]


def test_a_change_in_a_request_is_seen_later_in_the_same_request(office):
    with web_request():
        hours(office.pk)
        WorkingPeriod.objects.filter(calendar=office).delete()
        assert hours(office.pk) == []


def test_a_change_committed_by_another_process_is_seen_by_the_next_reader(office):
    hours(office.pk)
    # Another process: it changes the rows and replaces the token in its transaction;
    # neither sends a signal here.
    WorkingPeriod.objects.filter(calendar=office).update(end_time=time(12))
    ReferenceVersion.objects.filter(name=clocks.CALENDARS).update(token="from-elsewhere")

    assert hours(office.pk) == [(0, time(9), time(12))]


def test_a_rolled_back_change_is_forgotten(office):
    hours(office.pk)
    with pytest.raises(RuntimeError), transaction.atomic():
        WorkingPeriod.objects.create(
            calendar=office, weekday=2, start_time=time(9), end_time=time(10)
        )
        assert len(hours(office.pk)) == 2  # the transaction sees its own change
        raise RuntimeError("rolled back")

    assert hours(office.pk) == [(0, time(9), time(17))]


def test_bulk_writes_are_seen_once_bumped(office):
    hours(office.pk)
    WorkingPeriod.objects.bulk_create(
        [WorkingPeriod(calendar=office, weekday=3, start_time=time(9), end_time=time(10))]
    )
    assert len(hours(office.pk)) == 1  # bulk_create sends no signal: the writer must bump

    refcache.bump(clocks.CALENDARS)

    assert len(hours(office.pk)) == 2


def test_sets_are_independent(office):
    hours(office.pk)
    other = BusinessCalendarFactory(name="Weekend")
    WorkingPeriod.objects.filter(calendar=other).delete()

    # Creating a calendar replaced the calendars' token: both are read again, correctly.
    assert hours(other.pk) == [] and hours(office.pk) == [(0, time(9), time(17))]
    refcache.bump("something.else")
    assert queries(lambda: hours(office.pk)) == 1
