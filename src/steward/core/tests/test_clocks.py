"""SLA clocks: hand-checked examples, history, refused transitions, and hypothesis
properties of the arithmetic (issue 3, acceptance 2).

The office calendar is Monday to Friday 08:00-17:00 Europe/Amsterdam; every expected time
below was worked out by hand in local time (March 2024: CET, UTC+1).
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from steward.core import clocks, refcache
from steward.core.calendars import add_business_time, business_time_between, spec_for
from steward.core.errors import InvalidTransition
from steward.core.models import BusinessCalendar, ClockEvent, SlaClock, WorkingPeriod
from steward.core.testing.properties import DATABASE_PROPERTIES
from steward.core.tests.factories import BusinessCalendarFactory, OrganisationFactory, start_clock

AMS = ZoneInfo("Europe/Amsterdam")
H = 3600


def ams(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMS)


def history(clock: SlaClock) -> list[tuple[str, datetime]]:
    return [(e.event, e.at) for e in ClockEvent.objects.filter(clock=clock)]


class TestStart:
    def test_warning_at_75_percent_and_breach_in_business_time(self, office, record):
        clock = start_clock(record, office, at=ams(2024, 3, 4, 9))  # Monday 09:00

        assert clock.state == "running"
        assert clock.warning_at == ams(2024, 3, 4, 12)  # 3 h of 4 h
        assert clock.breach_at == ams(2024, 3, 4, 13)
        assert history(clock) == [("started", ams(2024, 3, 4, 9))]

    def test_several_clocks_start_with_one_write_each_with_its_history(
        self, office, record, analyst
    ):
        started = ams(2024, 3, 4, 9)
        starts = [
            {"metric": metric, "name": f"P2 {metric}", "calendar": office,
             "target_seconds": seconds, "started_at": started}
            for metric, seconds in (("response", H), ("resolution", 8 * H))
        ]  # fmt: skip
        made = clocks.clock_start_many(record=record, starts=starts, actor=analyst)

        stored = list(SlaClock.objects.order_by("pk"))
        assert [c.pk for c in made] == [c.pk for c in stored]
        assert [(c.metric, c.breach_at) for c in stored] == [
            ("response", ams(2024, 3, 4, 10)),
            ("resolution", ams(2024, 3, 4, 17)),  # a 9-hour working day
        ]
        assert all(not c._state.adding for c in made)
        for clock in made:
            assert history(clock) == [("started", started)]
            assert ClockEvent.objects.get(clock=clock).actor == analyst
            assert ClockEvent.objects.get(clock=clock).reason == ""

    def test_the_weekend_does_not_count(self, office, record):
        clock = start_clock(record, office, at=ams(2024, 3, 1, 16))  # Friday 16:00

        # One hour on Friday, the rest on Monday 4 March.
        assert clock.warning_at == ams(2024, 3, 4, 10)
        assert clock.breach_at == ams(2024, 3, 4, 11)

    def test_registered_at_night_starts_counting_next_morning(self, office, record):
        clock = start_clock(record, office, at=ams(2024, 3, 4, 22), warning_percent=50)

        assert clock.warning_at == ams(2024, 3, 5, 10)
        assert clock.breach_at == ams(2024, 3, 5, 12)

    def test_clocks_for_lists_the_records_clocks_only(self, office, record):
        mine = start_clock(record, office, at=ams(2024, 3, 4, 9))
        other = OrganisationFactory(name="Other", code="other")
        start_clock(other, office, at=ams(2024, 3, 4, 9))

        assert list(clocks.clocks_for(record)) == [mine]

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"target": 0}, "target_seconds"),
            ({"warning_percent": 0}, "warning_percent"),
            ({"warning_percent": 101}, "warning_percent"),
            ({"metric": "coffee"}, "metric"),
            ({"kind": "nda"}, "kind"),
        ],
    )
    def test_bad_input_is_refused_and_nothing_is_written(self, office, record, kwargs, field):
        metric = kwargs.pop("metric", "resolution")
        with pytest.raises(ValidationError) as error:
            start_clock(
                record, office, at=ams(2024, 3, 4, 9), name="x", metric=metric,
                target=kwargs.pop("target", H), **kwargs,
            )  # fmt: skip
        assert field in error.value.message_dict
        assert not SlaClock.objects.exists()

    def test_a_calendar_without_hours_is_refused(self, record, db):
        empty = BusinessCalendarFactory(name="Never", office_hours=False)

        with pytest.raises(ValidationError) as error:
            start_clock(record, empty, at=ams(2024, 3, 4, 9))
        assert "calendar" in error.value.message_dict
        assert not SlaClock.objects.exists()


class TestPauseResumeStop:
    def test_a_pause_moves_warning_and_breach_by_the_business_time_paused(self, office, record):
        clock = start_clock(record, office, at=ams(2024, 3, 4, 9))

        paused = clocks.clock_pause(
            clock_id=clock.pk, at=ams(2024, 3, 4, 10), reason="Waiting on the requester"
        )
        assert paused.state == "paused"
        assert (paused.warning_at, paused.breach_at) == (None, None)  # no deadline meanwhile
        assert clocks.elapsed_business_seconds(paused, ams(2024, 3, 5, 16)) == H

        # Monday 10:00-17:00 and Tuesday 08:00-09:00 paused: 8 business hours.
        resumed = clocks.clock_resume(clock_id=clock.pk, at=ams(2024, 3, 5, 9))
        assert resumed.paused_business_seconds == 8 * H
        assert resumed.warning_at == ams(2024, 3, 5, 11)
        assert resumed.breach_at == ams(2024, 3, 5, 12)
        assert clocks.remaining(resumed, ams(2024, 3, 5, 9, 30)) == int(2.5 * H)

        stopped = clocks.clock_stop(clock_id=clock.pk, at=ams(2024, 3, 5, 11, 30))
        assert stopped.state == "stopped"
        assert stopped.elapsed_business_seconds == int(3.5 * H)
        assert stopped.met is True
        assert (stopped.warning_at, stopped.breach_at) == (None, None)
        assert history(clock) == [
            ("started", ams(2024, 3, 4, 9)),
            ("paused", ams(2024, 3, 4, 10)),
            ("resumed", ams(2024, 3, 5, 9)),
            ("stopped", ams(2024, 3, 5, 11, 30)),
        ]
        assert ClockEvent.objects.get(clock=clock, event="paused").reason == (
            "Waiting on the requester"
        )

    def test_stopped_after_the_breach_is_missed(self, office, record):
        clock = start_clock(record, office, at=ams(2024, 3, 4, 9))

        stopped = clocks.clock_stop(clock_id=clock.pk, at=ams(2024, 3, 4, 13, 0, 1))

        assert stopped.elapsed_business_seconds == 4 * H + 1
        assert stopped.met is False
        assert clocks.remaining(stopped) == -1

    def test_stopped_exactly_at_the_breach_is_met(self, office, record):
        clock = start_clock(record, office, at=ams(2024, 3, 4, 9))

        assert clocks.clock_stop(clock_id=clock.pk, at=ams(2024, 3, 4, 13)).met is True

    def test_stopping_a_paused_clock_ends_the_pause(self, office, record):
        clock = start_clock(record, office, at=ams(2024, 3, 4, 9))
        clocks.clock_pause(clock_id=clock.pk, at=ams(2024, 3, 4, 11))

        stopped = clocks.clock_stop(clock_id=clock.pk, at=ams(2024, 3, 4, 15))

        assert stopped.paused_business_seconds == 4 * H
        assert stopped.elapsed_business_seconds == 2 * H
        assert stopped.paused_at is None

    def test_elapsed_of_a_running_clock_counts_business_time_only(self, office, record):
        clock = start_clock(record, office, at=ams(2024, 3, 1, 16))  # Friday 16:00

        assert clocks.elapsed_business_seconds(clock, ams(2024, 3, 2, 12)) == H  # Saturday
        assert clocks.elapsed_business_seconds(clock, ams(2024, 3, 4, 8, 30)) == int(1.5 * H)
        assert clocks.remaining(clock, ams(2024, 3, 4, 8, 30)) == int(2.5 * H)

    def test_cancel_keeps_no_verdict_and_no_deadline(self, office, record):
        clock = start_clock(record, office, at=ams(2024, 3, 4, 9))

        cancelled = clocks.clock_cancel(clock_id=clock.pk, reason="Withdrawn")

        assert cancelled.state == "cancelled"
        assert cancelled.met is None
        assert (cancelled.warning_at, cancelled.breach_at) == (None, None)
        assert [e for e, _ in history(clock)] == ["started", "cancelled"]

    def test_a_time_before_the_start_or_the_pause_is_refused(self, office, record):
        clock = start_clock(record, office, at=ams(2024, 3, 4, 9))
        with pytest.raises(ValidationError):
            clocks.clock_pause(clock_id=clock.pk, at=ams(2024, 3, 4, 8))
        clocks.clock_pause(clock_id=clock.pk, at=ams(2024, 3, 4, 10))
        with pytest.raises(ValidationError):
            clocks.clock_resume(clock_id=clock.pk, at=ams(2024, 3, 4, 9, 59))

        clock.refresh_from_db()
        assert clock.state == "paused"
        assert [e for e, _ in history(clock)] == ["started", "paused"]


class TestRefusedTransitions:
    def test_pausing_a_paused_clock(self, office, record):
        clock = start_clock(record, office, at=ams(2024, 3, 4, 9))
        clocks.clock_pause(clock_id=clock.pk, at=ams(2024, 3, 4, 10))

        with pytest.raises(InvalidTransition):
            clocks.clock_pause(clock_id=clock.pk, at=ams(2024, 3, 4, 11))
        clock.refresh_from_db()
        assert clock.paused_at == ams(2024, 3, 4, 10)

    def test_resuming_a_running_clock(self, office, record):
        clock = start_clock(record, office, at=ams(2024, 3, 4, 9))

        with pytest.raises(InvalidTransition):
            clocks.clock_resume(clock_id=clock.pk, at=ams(2024, 3, 4, 10))
        assert [e for e, _ in history(clock)] == ["started"]

    @pytest.mark.parametrize("finish", ["stop", "cancel"])
    @pytest.mark.parametrize("then", ["pause", "resume", "stop", "cancel", "recalculate"])
    def test_nothing_moves_a_finished_clock(self, office, record, finish, then):
        clock = start_clock(record, office, at=ams(2024, 3, 4, 9))
        if finish == "stop":
            clocks.clock_stop(clock_id=clock.pk, at=ams(2024, 3, 4, 10))
        else:
            clocks.clock_cancel(clock_id=clock.pk)
        before = SlaClock.objects.values().get(pk=clock.pk)
        call = {
            "pause": lambda: clocks.clock_pause(clock_id=clock.pk, at=ams(2024, 3, 4, 11)),
            "resume": lambda: clocks.clock_resume(clock_id=clock.pk, at=ams(2024, 3, 4, 11)),
            "stop": lambda: clocks.clock_stop(clock_id=clock.pk, at=ams(2024, 3, 4, 11)),
            "cancel": lambda: clocks.clock_cancel(clock_id=clock.pk),
            "recalculate": lambda: clocks.clock_recalculate(clock_id=clock.pk),
        }[then]

        with pytest.raises(InvalidTransition):
            call()
        assert SlaClock.objects.values().get(pk=clock.pk) == before
        assert ClockEvent.objects.filter(clock=clock).count() == 2


class TestCancelForAgreement:
    def test_open_clocks_of_the_agreement_are_cancelled_others_untouched(self, office, record):
        running = start_clock(record, office, at=ams(2024, 3, 4, 9), agreement_id=7)
        paused = start_clock(record, office, at=ams(2024, 3, 4, 9), agreement_id=7)
        clocks.clock_pause(clock_id=paused.pk, at=ams(2024, 3, 4, 10))
        stopped = start_clock(record, office, at=ams(2024, 3, 4, 9), agreement_id=7)
        clocks.clock_stop(clock_id=stopped.pk, at=ams(2024, 3, 4, 10))
        other = start_clock(record, office, at=ams(2024, 3, 4, 9), agreement_id=8)

        count = clocks.clocks_cancel_for_agreement(agreement_id=7, reason="SLA terminated")

        assert count == 2
        states = dict(SlaClock.objects.values_list("pk", "state"))
        assert states == {
            running.pk: "cancelled",
            paused.pk: "cancelled",
            stopped.pk: "stopped",
            other.pk: "running",
        }
        assert SlaClock.objects.get(pk=running.pk).breach_at is None
        assert ClockEvent.objects.get(clock=running, event="cancelled").reason == "SLA terminated"
        assert clocks.clocks_cancel_for_agreement(agreement_id=7, reason="again") == 0


class TestRecalculate:
    def test_a_changed_calendar_moves_the_deadline(self, office, record):
        clock = start_clock(record, office, at=ams(2024, 3, 4, 9))
        WorkingPeriod.objects.filter(calendar=office, weekday=0).update(end_time=time(11))
        # A bulk update sends no signal; the calendar services announce their changes.
        refcache.bump(clocks.CALENDARS)

        clock = clocks.clock_recalculate(clock_id=clock.pk)

        # Monday 09:00-11:00 now, then Tuesday 08:00 + 2 h.
        assert clock.breach_at == ams(2024, 3, 5, 10)
        assert [e for e, _ in history(clock)][-1] == "recalculated"


# --- Properties ------------------------------------------------------------------------

STEP = st.tuples(
    st.sampled_from(["pause", "resume"]),
    # Gaps of whole seconds up to four days: within an hour, across nights and weekends.
    st.integers(min_value=0, max_value=4 * 86_400),
)


def _calendar(name: str) -> BusinessCalendar:
    if name == "office":
        return BusinessCalendarFactory(name="Office hours")
    calendar = BusinessCalendarFactory(name="Nights", office_hours=False)
    for day in range(7):
        WorkingPeriod.objects.get_or_create(
            calendar=calendar, weekday=day, start_time=time(22), end_time=time(0)
        )
        WorkingPeriod.objects.get_or_create(
            calendar=calendar, weekday=day, start_time=time(0), end_time=time(6)
        )
    return calendar


@pytest.mark.django_db
@DATABASE_PROPERTIES
@given(
    calendar_name=st.sampled_from(["office", "nights"]),
    # Whole seconds through 2024, so daylight saving changes are crossed too.
    start_offset=st.integers(min_value=0, max_value=365 * 86_400),
    target=st.integers(min_value=1, max_value=5 * 86_400),
    warning_percent=st.integers(min_value=1, max_value=100),
    steps=st.lists(STEP, max_size=8),
    stop_gap=st.integers(min_value=0, max_value=4 * 86_400),
)
def test_pauses_and_resumes_in_any_order_keep_the_arithmetic_sound(
    calendar_name, start_offset, target, warning_percent, steps, stop_gap
):
    calendar = _calendar(calendar_name)
    spec = spec_for(
        BusinessCalendar.objects.prefetch_related("periods", "holidays").get(pk=calendar.pk)
    )
    record = OrganisationFactory(name="Clocked record", code="clocked")
    started = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=start_offset)
    clock = start_clock(
        record,
        calendar,
        at=started,
        target=target,
        name="property",
        warning_percent=warning_percent,
    )
    now, paused_total, paused_since = started, 0, None

    def check(clock: SlaClock, now: datetime) -> None:
        elapsed = clocks.elapsed_business_seconds(clock, now)
        assert 0 <= elapsed <= (now - started).total_seconds()
        if clock.state == "running":
            extra = timedelta(seconds=paused_total)
            assert clock.breach_at == add_business_time(
                started, timedelta(seconds=target) + extra, spec
            )
            assert clock.warning_at == add_business_time(
                started, timedelta(seconds=target * warning_percent / 100) + extra, spec
            )

    for op, gap in steps:
        now += timedelta(seconds=gap)
        valid = (op == "pause") == (paused_since is None)
        if not valid:
            with pytest.raises(InvalidTransition):
                getattr(clocks, f"clock_{op}")(clock_id=clock.pk, at=now)
            continue
        clock = getattr(clocks, f"clock_{op}")(clock_id=clock.pk, at=now)
        if op == "pause":
            paused_since = now
        else:
            paused_total += business_time_between(paused_since, now, spec) // timedelta(seconds=1)
            paused_since = None
        assert clock.paused_business_seconds == paused_total
        check(clock, now)
        check(clock, now + timedelta(seconds=stop_gap))

    stop_at = now + timedelta(seconds=stop_gap)
    if paused_since is not None:
        paused_total += business_time_between(paused_since, stop_at, spec) // timedelta(seconds=1)
    clock = clocks.clock_stop(clock_id=clock.pk, at=stop_at)

    measured = business_time_between(started, stop_at, spec) // timedelta(seconds=1)
    assert clock.elapsed_business_seconds == measured - paused_total
    assert 0 <= clock.elapsed_business_seconds <= (stop_at - started).total_seconds()
    assert clock.met is (clock.elapsed_business_seconds <= target)
    SlaClock.objects.all().delete()  # each example starts from an empty table


class TestCalendarChanges:
    """A clock measured in a calendar follows that calendar when its hours or holidays change."""

    def test_a_new_holiday_on_the_breach_day_moves_the_breach_a_business_day(
        self, office, record, django_capture_on_commit_callbacks
    ):
        from steward.core.services.calendars import holiday_add
        from steward.core.tests.factories import make_person

        admin = make_person("system_administrator", username="cal-admin")
        clock = start_clock(record, office, at=ams(2024, 3, 4, 15), target=4 * H)  # Mon 15:00
        assert clock.breach_at == ams(2024, 3, 5, 10)  # 2 h Monday + 2 h Tuesday

        with django_capture_on_commit_callbacks(execute=True):
            holiday_add(actor=admin, calendar_id=office.pk, date="2024-03-05", name="Closed")

        clock.refresh_from_db()
        assert clock.breach_at == ams(2024, 3, 6, 10)
        assert "recalculated" in [event for event, _ in history(clock)]

    def test_stopped_clocks_keep_their_times(
        self, office, record, django_capture_on_commit_callbacks
    ):
        from steward.core.services.calendars import holiday_add
        from steward.core.tests.factories import make_person

        admin = make_person("system_administrator", username="cal-admin")
        clock = start_clock(record, office, at=ams(2024, 3, 4, 15), target=4 * H)
        clocks.clock_stop(clock_id=clock.pk, at=ams(2024, 3, 4, 16))
        before = SlaClock.objects.get(pk=clock.pk)

        with django_capture_on_commit_callbacks(execute=True):
            holiday_add(actor=admin, calendar_id=office.pk, date="2024-03-05", name="Closed")

        after = SlaClock.objects.get(pk=clock.pk)
        assert (after.breach_at, after.elapsed_business_seconds, after.met) == (
            before.breach_at,
            before.elapsed_business_seconds,
            before.met,
        )
