"""Business-time arithmetic: hand-checked examples and hypothesis properties.

Every expected datetime below was worked out by hand from the calendar's local hours and
the tz database's daylight saving dates (Europe: last Sunday of March/October at 01:00 UTC;
United States: second Sunday of March/first Sunday of November at 02:00 local).
"""

import datetime as dt
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from steward.core.calendars import (
    CalendarSpec,
    add_business_time,
    business_time_between,
    is_business_time,
    next_business_start,
    spec_for,
)
from steward.core.models import BusinessCalendar, Holiday, WorkingPeriod
from steward.core.tests.factories import BusinessCalendarFactory

AMS = ZoneInfo("Europe/Amsterdam")
NY = ZoneInfo("America/New_York")
H = timedelta(hours=1)
US = timedelta(microseconds=1)
WEEKDAYS = range(5)
ALL_DAYS = range(7)

OFFICE = CalendarSpec.weekly("Europe/Amsterdam", {d: [(time(8), time(17))] for d in WEEKDAYS})
OFFICE_NY = CalendarSpec.weekly("America/New_York", {d: [(time(9), time(17))] for d in WEEKDAYS})
ALWAYS_AMS = CalendarSpec.weekly("Europe/Amsterdam", {d: [(time(0), time(0))] for d in ALL_DAYS})
ALWAYS_NY = CalendarSpec.weekly("America/New_York", {d: [(time(0), time(0))] for d in ALL_DAYS})
# Night shifts that run through the small hours, when the clocks change.
NIGHTS_AMS = CalendarSpec.weekly(
    "Europe/Amsterdam", {d: [(time(0), time(6)), (time(22), time(0))] for d in ALL_DAYS}
)
NIGHTS_NY = CalendarSpec.weekly(
    "America/New_York", {d: [(time(0), time(6)), (time(22), time(0))] for d in ALL_DAYS}
)
SPLIT = CalendarSpec.weekly(
    "Europe/Amsterdam",
    {
        d: [(time(8, 30), time(12)), (time(12), time(12, 45)), (time(13, 30), time(17, 15))]
        for d in WEEKDAYS
    },
)


def ams(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMS)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- Hand-checked examples -------------------------------------------------------------


class TestOfficeHours:
    def test_a_duration_that_fills_the_day_ends_at_five_not_next_morning(self):
        # Friday 1 March 2024, 09:00 CET + 8 h.
        assert add_business_time(ams(2024, 3, 1, 9), 8 * H, OFFICE) == utc(2024, 3, 1, 16)

    def test_the_weekend_is_skipped(self):
        # Friday 16:00 + 2 h: one hour on Friday, one on Monday 4 March.
        due = add_business_time(ams(2024, 3, 1, 16), 2 * H, OFFICE)
        assert due == ams(2024, 3, 4, 9)
        assert business_time_between(ams(2024, 3, 1, 16), due, OFFICE) == 2 * H

    def test_a_start_outside_hours_counts_from_the_next_opening(self):
        assert add_business_time(ams(2024, 3, 2, 10), H, OFFICE) == ams(2024, 3, 4, 9)
        assert add_business_time(ams(2024, 3, 4, 6, 30), H, OFFICE) == ams(2024, 3, 4, 9)
        assert add_business_time(ams(2024, 3, 4, 17), H, OFFICE) == ams(2024, 3, 5, 9)

    def test_results_are_utc(self):
        due = add_business_time(ams(2024, 3, 1, 9), H, OFFICE)
        assert due.tzinfo is UTC
        assert due == utc(2024, 3, 1, 9)

    def test_holidays_are_skipped(self):
        christmas = CalendarSpec.weekly(
            "Europe/Amsterdam",
            {d: [(time(8), time(17))] for d in WEEKDAYS},
            holidays=[date(2024, 12, 25), date(2024, 12, 26)],
        )
        # Tuesday 24 December 16:00 + 2 h: one hour then, the next on Friday 27th.
        assert add_business_time(ams(2024, 12, 24, 16), 2 * H, christmas) == ams(2024, 12, 27, 9)
        assert business_time_between(ams(2024, 12, 24), ams(2024, 12, 28), christmas) == 18 * H
        assert not is_business_time(ams(2024, 12, 25, 10), christmas)

    def test_two_hundred_business_days(self):
        # 200 days of 9 hours from Friday 1 March 09:00: 40 weeks later, Friday 6 December.
        assert add_business_time(ams(2024, 3, 1, 9), 200 * 9 * H, OFFICE) == ams(2024, 12, 6, 9)

    def test_touching_periods_are_one_stretch_and_the_lunch_break_does_not_count(self):
        # 08:30-12:45 is 4 h 15 min in two touching periods; the rest after lunch.
        assert add_business_time(
            ams(2024, 3, 4, 8, 30), timedelta(hours=4, minutes=15), SPLIT
        ) == ams(2024, 3, 4, 12, 45)
        assert add_business_time(
            ams(2024, 3, 4, 8, 30), timedelta(hours=4, minutes=16), SPLIT
        ) == ams(2024, 3, 4, 13, 31)
        assert is_business_time(ams(2024, 3, 4, 12), SPLIT)
        assert not is_business_time(ams(2024, 3, 4, 13), SPLIT)

    def test_new_york_office_across_the_spring_forward_weekend(self):
        # Friday 8 March 2024 16:00 EST + 2 h -> Monday 11 March 10:00 EDT (14:00 UTC).
        assert add_business_time(ny(2024, 3, 8, 16), 2 * H, OFFICE_NY) == utc(2024, 3, 11, 14)


class TestZeroDurationAndQueries:
    def test_zero_inside_business_time_is_the_start_itself(self):
        assert add_business_time(ams(2024, 3, 4, 10, 15), timedelta(0), OFFICE) == ams(
            2024, 3, 4, 10, 15
        )

    def test_zero_outside_is_the_next_opening(self):
        assert add_business_time(ams(2024, 3, 1, 17), timedelta(0), OFFICE) == ams(2024, 3, 4, 8)
        assert next_business_start(ams(2024, 3, 2, 12), OFFICE) == ams(2024, 3, 4, 8)
        assert next_business_start(ams(2024, 3, 4, 12), OFFICE) == ams(2024, 3, 4, 12)

    def test_the_opening_counts_the_closing_does_not(self):
        assert is_business_time(ams(2024, 3, 4, 8), OFFICE)
        assert is_business_time(ams(2024, 3, 4, 17) - US, OFFICE)
        assert not is_business_time(ams(2024, 3, 4, 17), OFFICE)
        assert not is_business_time(ams(2024, 3, 4, 8) - US, OFFICE)
        assert not is_business_time(ams(2024, 3, 3, 12), OFFICE)

    def test_between_is_negative_backwards(self):
        a, b = ams(2024, 3, 1, 16), ams(2024, 3, 4, 9)
        assert business_time_between(b, a, OFFICE) == -2 * H
        assert business_time_between(a, a, OFFICE) == timedelta(0)


class TestDaylightSaving:
    @pytest.mark.parametrize(
        ("spec", "day", "hours"),
        [
            (ALWAYS_AMS, date(2024, 3, 31), 23),
            (ALWAYS_AMS, date(2024, 10, 27), 25),
            (ALWAYS_AMS, date(2024, 6, 1), 24),
            (ALWAYS_NY, date(2024, 3, 10), 23),
            (ALWAYS_NY, date(2024, 11, 3), 25),
        ],
    )
    def test_a_24_hour_day_counts_its_real_length(self, spec, day, hours):
        zone = ZoneInfo(spec.time_zone)
        start = datetime.combine(day, time(0), tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        assert business_time_between(start, end, spec) == hours * H

    def test_24_hours_added_across_spring_forward(self):
        # Saturday 30 March 12:00 CET (11:00 UTC) + 36 h real time = Monday 01:00 CEST.
        due = add_business_time(ams(2024, 3, 30, 12), 36 * H, ALWAYS_AMS)
        assert due == utc(2024, 3, 31, 23) == ams(2024, 4, 1, 1)

    @pytest.mark.parametrize(
        ("spec", "night_start", "hours"),
        [
            # 22:00-06:00 is 8 h normally, 7 h when the clocks go forward, 9 h when back.
            (NIGHTS_AMS, ams(2024, 3, 30, 22), 7),
            (NIGHTS_AMS, ams(2024, 10, 26, 22), 9),
            (NIGHTS_AMS, ams(2024, 5, 4, 22), 8),
            (NIGHTS_NY, ny(2024, 3, 9, 22), 7),
            (NIGHTS_NY, ny(2024, 11, 2, 22), 9),
        ],
    )
    def test_night_hours_across_the_change(self, spec, night_start, hours):
        morning = datetime.combine(
            night_start.date() + timedelta(days=1), time(6), tzinfo=night_start.tzinfo
        )
        assert business_time_between(night_start, morning, spec) == hours * H
        assert add_business_time(night_start, hours * H, spec) == morning
        # One more minute runs into the next night.
        assert add_business_time(night_start, hours * H + timedelta(minutes=1), spec) == (
            night_start + timedelta(days=1, minutes=1)
        )

    def test_eight_hours_into_the_long_night(self):
        # Saturday 26 October 22:00 CEST (20:00 UTC) + 8 h = 04:00 UTC = 05:00 CET.
        assert add_business_time(ams(2024, 10, 26, 22), 8 * H, NIGHTS_AMS) == utc(2024, 10, 27, 4)

    def test_a_period_starting_in_the_spring_forward_gap_starts_after_it(self):
        # 02:30 does not exist on 31 March 2024; the period opens at 03:00 CEST (01:00 UTC).
        spec = CalendarSpec.weekly("Europe/Amsterdam", {6: [(time(2, 30), time(5))]})
        assert next_business_start(ams(2024, 3, 31, 0), spec) == utc(2024, 3, 31, 1)
        assert business_time_between(ams(2024, 3, 31), ams(2024, 4, 1), spec) == 2 * H
        # On an ordinary Sunday it is 2 h 30 min.
        assert business_time_between(ams(2024, 4, 7), ams(2024, 4, 8), spec) == 2.5 * H

    def test_a_period_ending_in_the_gap_ends_at_the_jump(self):
        spec = CalendarSpec.weekly("Europe/Amsterdam", {6: [(time(0), time(2, 30))]})
        # 00:00 CET to the jump at 01:00 UTC: 2 h.
        assert business_time_between(ams(2024, 3, 31), ams(2024, 4, 1), spec) == 2 * H
        assert add_business_time(ams(2024, 3, 31), 2 * H, spec) == utc(2024, 3, 31, 1)

    def test_an_ambiguous_time_means_its_first_occurrence(self):
        # 27 October 2024: 02:30 happens twice; the period runs from the first (00:30 UTC)
        # to 04:00 CET (03:00 UTC), 2 h 30 min of real time.
        spec = CalendarSpec.weekly("Europe/Amsterdam", {6: [(time(2, 30), time(4))]})
        assert next_business_start(ams(2024, 10, 27), spec) == utc(2024, 10, 27, 0, 30)
        assert business_time_between(ams(2024, 10, 27), ams(2024, 10, 28), spec) == 2.5 * H

    def test_a_zone_that_changes_at_midnight(self):
        # Chile fell back from -03 to -04 at 24:00 on Saturday 6 April 2024: that
        # Saturday's last hour happened twice, so the 24-hour day was 25 hours long.
        spec = CalendarSpec.weekly("America/Santiago", {d: [(time(0), time(0))] for d in ALL_DAYS})
        zone = ZoneInfo("America/Santiago")
        saturday = datetime(2024, 4, 6, tzinfo=zone)
        assert business_time_between(saturday, saturday + timedelta(days=2), spec) == 49 * H


class TestBadInput:
    def test_naive_datetimes_are_refused(self):
        with pytest.raises(ValueError, match="timezone-aware"):
            add_business_time(datetime(2024, 3, 1, 9), H, OFFICE)
        with pytest.raises(ValueError, match="timezone-aware"):
            business_time_between(ams(2024, 3, 1), datetime(2024, 3, 2), OFFICE)
        with pytest.raises(ValueError, match="timezone-aware"):
            is_business_time(datetime(2024, 3, 1, 9), OFFICE)

    def test_a_calendar_without_hours_is_refused(self):
        empty = CalendarSpec.weekly("UTC", {})
        for call in (
            lambda: add_business_time(utc(2024, 1, 1), H, empty),
            lambda: business_time_between(utc(2024, 1, 1), utc(2024, 1, 2), empty),
            lambda: next_business_start(utc(2024, 1, 1), empty),
        ):
            with pytest.raises(ValueError, match="no working hours"):
                call()

    def test_a_calendar_whose_every_working_day_is_a_holiday_does_not_loop_forever(self):
        mondays = [date(2024, 1, 1) + timedelta(weeks=n) for n in range(400)]
        spec = CalendarSpec.weekly("UTC", {0: [(time(8), time(17))]}, holidays=mondays)
        started = clock.perf_counter()
        with pytest.raises(ValueError, match="No business time within 5 years"):
            add_business_time(utc(2024, 1, 1), H, spec)
        assert clock.perf_counter() - started < 2
        # Measuring a stretch with no business time is simply zero.
        assert business_time_between(utc(2024, 1, 1), utc(2030, 1, 1), spec) == timedelta(0)

    def test_negative_durations_are_refused(self):
        with pytest.raises(ValueError, match="negative"):
            add_business_time(utc(2024, 1, 1), -H, OFFICE)

    def test_absurd_durations_end_with_an_error_not_a_hang(self):
        with pytest.raises(ValueError):
            add_business_time(utc(2024, 1, 1), timedelta(days=10**6), OFFICE)

    def test_invalid_specs(self):
        with pytest.raises(ValueError, match="time zone"):
            CalendarSpec.weekly("Mars/Olympus_Mons", {0: [(time(8), time(17))]})
        with pytest.raises(ValueError, match="end after it starts"):
            CalendarSpec.weekly("UTC", {0: [(time(17), time(8))]})
        # An end of 00:00 is midnight, not "before the start".
        assert CalendarSpec.weekly("UTC", {0: [(time(17), time(0))]}).has_hours


def test_adding_200_business_days_is_fast():
    timings = []
    for n in range(5):
        # A fresh calendar each time (its converted days are not cached yet).
        spec = CalendarSpec.weekly(
            "Europe/Amsterdam",
            {d: [(time(8), time(12)), (time(13), time(17))] for d in WEEKDAYS},
            holidays=[date(1990 + n, 1, 1)],
        )
        started = clock.perf_counter()
        add_business_time(ams(2024, 3, 1, 9), 200 * 8 * H, spec)
        timings.append(clock.perf_counter() - started)
    assert min(timings) < 0.010


# --- From the database ---------------------------------------------------------------


@pytest.mark.django_db
class TestFromModels:
    def test_spec_for_uses_prefetched_periods_and_holidays(self, django_assert_num_queries):
        calendar = BusinessCalendarFactory(name="Office")
        Holiday.objects.create(calendar=calendar, date=date(2024, 12, 25), name="Christmas")
        fetched = BusinessCalendar.objects.prefetch_related("periods", "holidays").get(
            pk=calendar.pk
        )
        with django_assert_num_queries(0):
            spec = spec_for(fetched)
        assert spec.time_zone == "Europe/Amsterdam"
        assert spec.periods[0] == ((time(8), time(17)),)
        assert spec.periods[5] == ()
        assert spec.holidays == frozenset({date(2024, 12, 25)})

    def test_functions_accept_a_calendar_row(self):
        calendar = BusinessCalendarFactory(name="Office")
        WorkingPeriod.objects.create(
            calendar=calendar, weekday=5, start_time=time(10), end_time=time(0)
        )
        assert add_business_time(ams(2024, 3, 1, 16), 2 * H, calendar) == ams(2024, 3, 2, 11)
        assert is_business_time(ams(2024, 3, 2, 23), calendar)


# --- Properties ----------------------------------------------------------------------

ZONES = [
    "Europe/Amsterdam",
    "America/New_York",
    "America/Santiago",  # changes at midnight
    "Australia/Lord_Howe",  # 30-minute daylight saving
    "Asia/Kathmandu",  # +05:45
    "UTC",
]


def _change_days(name: str) -> list[date]:
    """Local days in 2024-2025 that are not 24 hours long (the clocks change)."""
    zone, day, found = ZoneInfo(name), date(2024, 1, 1), []
    while day.year < 2026:
        start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        if end - start != timedelta(days=1):
            found.append(day)
        day += timedelta(days=1)
    return found or [date(2024, 3, 31), date(2024, 10, 27)]


# Days when the clocks change, so the examples hit them often.
CHANGE_DAYS_BY_ZONE = {name: _change_days(name) for name in ZONES}
CHANGE_DAYS = sorted({day for days in CHANGE_DAYS_BY_ZONE.values() for day in days})
PROPERTIES = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _clock(minutes: int) -> time:
    return time(0) if minutes == 24 * 60 else time(minutes // 60, minutes % 60)


def _periods(bounds: list[int], step_minutes: int) -> tuple[tuple[time, time], ...]:
    """Pair sorted boundaries into periods; equal neighbours make touching periods."""
    bounds = sorted(bounds)
    return tuple(
        (_clock(start * step_minutes), _clock(end * step_minutes))
        for start, end in zip(bounds[::2], bounds[1::2], strict=False)
        if start < end
    )


def _day_hours(step_minutes: int) -> st.SearchStrategy:
    steps = 24 * 60 // step_minutes
    # Most boundaries fall in the small hours or late evening, where clocks change.
    bound = st.one_of(
        st.integers(0, 4 * 60 // step_minutes),
        st.integers(22 * 60 // step_minutes, steps),
        st.integers(0, steps),
    )
    return st.lists(bound, max_size=6).map(lambda bounds: _periods(bounds, step_minutes))


DAY_HOURS = {15: _day_hours(15), 60: _day_hours(60)}
HOLIDAYS = st.frozensets(
    st.one_of(st.sampled_from(CHANGE_DAYS), st.dates(date(2024, 1, 1), date(2025, 12, 31))),
    max_size=6,
)
FIXED = [OFFICE, OFFICE_NY, ALWAYS_AMS, ALWAYS_NY, NIGHTS_AMS, NIGHTS_NY, SPLIT]


@st.composite
def calendars(draw, step_minutes: int = 15):
    """A fixed calendar, or random weekly hours (a few day patterns) in a random zone."""
    if step_minutes == 15 and draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(FIXED))
    patterns = draw(st.lists(DAY_HOURS[step_minutes], min_size=1, max_size=3))
    choice = draw(st.lists(st.integers(0, len(patterns)), min_size=7, max_size=7))
    spec = CalendarSpec(
        time_zone=draw(st.sampled_from(ZONES)),
        periods=tuple(patterns[i] if i < len(patterns) else () for i in choice),
        holidays=draw(HOLIDAYS),
    )
    assume(spec.has_hours)
    return spec


moments = st.one_of(
    st.datetimes(datetime(2024, 1, 1), datetime(2025, 12, 31), timezones=st.just(UTC)),
    st.builds(
        lambda day, shift: datetime.combine(day, time(0), tzinfo=UTC) + shift,
        st.sampled_from(CHANGE_DAYS),
        st.timedeltas(timedelta(days=-2), timedelta(days=2)),
    ),
)
# At most five days of business time: a random calendar may hold only a quarter of an
# hour a week, and 5 days of that already stretch over nine years.
durations = st.one_of(
    st.timedeltas(timedelta(0), timedelta(hours=12)),
    st.timedeltas(timedelta(0), timedelta(days=5)),
    st.integers(0, 200).map(lambda n: n * timedelta(minutes=15)),
)


@PROPERTIES
@given(calendars(), moments, durations)
def test_adding_then_measuring_gives_the_duration(spec, start, duration):
    due = add_business_time(start, duration, spec)
    assert due >= start
    assert business_time_between(start, due, spec) == duration
    assert business_time_between(due, start, spec) == -duration


@PROPERTIES
@given(calendars(), moments, durations)
def test_results_never_land_outside_business_hours(spec, start, duration):
    due = add_business_time(start, duration, spec)
    if duration:
        # The last instant counted is business time (a result may be the closing time).
        assert is_business_time(due - US, spec)
    else:
        assert is_business_time(due, spec)
        assert due == next_business_start(start, spec)


@PROPERTIES
@given(calendars(), moments)
def test_next_business_start_skips_only_non_business_time(spec, start):
    opening = next_business_start(start, spec)
    assert opening >= start
    assert is_business_time(opening, spec)
    assert business_time_between(start, opening, spec) == timedelta(0)
    assert (opening == start) == is_business_time(start, spec)


@PROPERTIES
@given(calendars(), moments, durations, durations)
def test_adding_is_monotonic_and_additive(spec, start, d1, d2):
    first, second = sorted([d1, d2])
    assert add_business_time(start, first, spec) <= add_business_time(start, second, spec)
    # Zero after a stretch that ends at closing time gives the next opening instead.
    assume(d2 > timedelta(0))
    assert add_business_time(add_business_time(start, d1, spec), d2, spec) == add_business_time(
        start, d1 + d2, spec
    )


@PROPERTIES
@given(calendars(), moments, moments, moments)
def test_measuring_adds_up_and_never_exceeds_the_clock(spec, a, b, c):
    assert business_time_between(a, b, spec) + business_time_between(b, c, spec) == (
        business_time_between(a, c, spec)
    )
    low, high = sorted([a, b])
    assert timedelta(0) <= business_time_between(low, high, spec) <= high - low


def _wall_inside(spec: CalendarSpec, moment: datetime) -> bool:
    """Does the local wall clock at ``moment`` show a time inside a period of that day?"""
    local = moment.astimezone(ZoneInfo(spec.time_zone))
    wall = local.time()
    return local.date() not in spec.holidays and any(
        start <= wall and (end == time(0) or wall < end)
        for start, end in spec.periods[local.weekday()]
    )


def _oracle(spec: CalendarSpec, a: datetime, b: datetime, step: timedelta) -> timedelta:
    """Business time by looking at the local wall clock of every ``step`` of real time."""
    total, moment = timedelta(0), a
    while moment < b:
        if _wall_inside(spec, moment):
            total += step
        moment += step
    return total


def _a_change_day(data: st.DataObject, spec: CalendarSpec) -> date:
    return data.draw(st.sampled_from(CHANGE_DAYS_BY_ZONE.get(spec.time_zone, CHANGE_DAYS)))


@settings(PROPERTIES, max_examples=100)
@given(calendars(step_minutes=60), st.data(), st.integers(-96, 96), st.integers(0, 4 * 96))
def test_measuring_matches_the_wall_clock(spec, data, offset, length):
    # Periods on whole hours never start or end inside a repeated hour, so "is the local
    # wall clock inside a period?" sampled every 15 minutes is an independent answer.
    step = timedelta(minutes=15)
    a = datetime.combine(_a_change_day(data, spec), time(0), tzinfo=UTC) + offset * step
    b = a + length * step
    assert business_time_between(a, b, spec) == _oracle(spec, a, b, step)


@settings(PROPERTIES, max_examples=100)
@given(calendars(), st.data(), st.integers(-96, 96))
def test_business_time_is_the_wall_clock_inside_a_period(spec, data, offset):
    # Quarter-hour periods may start or end inside the spring-forward gap or the repeated
    # hour. An instant that is not a repeat (fold=0) is business time exactly when its wall
    # time lies inside a period; repeats follow "first occurrence" (hand-checked above).
    zone = ZoneInfo(spec.time_zone)
    step = timedelta(minutes=15)
    start = datetime.combine(_a_change_day(data, spec), time(0), tzinfo=UTC) + offset * step
    for n in range(4 * 24 * 2):
        moment = start + n * step
        if not moment.astimezone(zone).fold:
            assert is_business_time(moment, spec) == _wall_inside(spec, moment), moment


@settings(PROPERTIES, max_examples=50)
@given(
    calendars(),
    st.datetimes(
        datetime(2024, 1, 1), datetime(2025, 12, 31), timezones=st.sampled_from([AMS, NY])
    ),
)
def test_any_aware_input_gives_a_utc_result(spec, start):
    due = add_business_time(start, H, spec)
    assert due.tzinfo is UTC
    assert due.utcoffset() == dt.timedelta(0)
