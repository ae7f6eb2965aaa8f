"""Business-time arithmetic: how much working time lies between two moments, and when a
duration of working time starting now runs out.

Business time is real elapsed time inside a calendar's working intervals. Each local day's
working periods are placed in the calendar's time zone and converted to UTC, so daylight
saving days count their true length (a 00:00-24:00 day is 23 or 25 hours long):

- a wall time that does not exist (the spring-forward gap) moves to the first instant after
  the gap; an ambiguous wall time (fall-back) means its first occurrence (``fold=0``);
- intervals that touch (17:00-24:00 and 00:00-08:00 the next day) are one interval;
- intervals are half-open for "is it business time now?" (at 17:00 the office is closed),
  but a duration that exactly fills a day ends at 17:00, not the next morning.

Everything here is pure: give it a ``CalendarSpec`` (or a ``BusinessCalendar`` with its
periods and holidays prefetched) and aware datetimes; results are aware UTC datetimes.
Internally instants are whole microseconds since the epoch, so adding then measuring is
exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from steward.core.models import BusinessCalendar

__all__ = [
    "CalendarSpec",
    "add_business_time",
    "business_time_between",
    "is_business_time",
    "next_business_start",
    "spec_for",
]

US = timedelta(microseconds=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY_US = 86_400_000_000
ONE_DAY = timedelta(days=1)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# A calendar whose working days are all holidays must not loop forever: give up after this
# many consecutive days without business time.
MAX_IDLE_DAYS = 5 * 366
# No calculation walks further than this many calendar days (absurd durations, year 9999).
MAX_SPAN_DAYS = 100 * 366
_DAY_CACHE_SIZE = 4096

Interval = tuple[int, int]  # [start, end) in microseconds since the epoch, UTC
T = TypeVar("T", int, datetime)  # what a span is made of: microseconds, or date-times
Period = tuple[time, time]


def _us_of_day(t: time, *, is_end: bool) -> int:
    us = ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond
    # An end of 00:00 means midnight at the end of the day.
    return DAY_US if is_end and us == 0 else us


def merge_spans(spans: Iterable[tuple[T, T]]) -> list[tuple[T, T]]:
    """Sort and join overlapping or touching spans (of numbers, times...); drop empty ones."""
    merged: list[list[T]] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _merge(spans: Iterable[Interval]) -> tuple[Interval, ...]:
    return tuple(merge_spans(spans))


@dataclass(frozen=True)
class CalendarSpec:
    """A business calendar as plain values: what the arithmetic needs and nothing else.

    ``periods`` has seven entries, Monday first; each is a tuple of (start, end) wall times
    where an end of 00:00 means midnight at the end of that day. A mapping
    ``{weekday: [(start, end), ...]}`` is accepted too and normalised. Overlapping periods
    are merged (the services refuse them; the arithmetic tolerates them).
    """

    time_zone: str
    periods: tuple[tuple[Period, ...], ...]
    holidays: frozenset[date] = frozenset()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _weekly: tuple[tuple[Interval, ...], ...] = field(init=False, repr=False, compare=False)
    _days: dict[date, tuple[Interval, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(f"Unknown time zone {self.time_zone!r}.") from None
        raw: Any = self.periods
        if isinstance(raw, Mapping):
            raw = [raw.get(weekday, ()) for weekday in range(7)]
        periods = tuple(tuple((s, e) for s, e in day) for day in raw)
        if len(periods) != 7:
            raise ValueError("Give working periods for each of the seven weekdays, Monday first.")
        weekly = []
        for day in periods:
            spans = []
            for start, end in day:
                s, e = _us_of_day(start, is_end=False), _us_of_day(end, is_end=True)
                if e <= s:
                    raise ValueError(f"A working period must end after it starts ({start}-{end}).")
                spans.append((s, e))
            weekly.append(_merge(spans))
        object.__setattr__(self, "periods", periods)
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "_weekly", tuple(weekly))
        object.__setattr__(self, "_days", {})

    @classmethod
    def weekly(
        cls,
        time_zone: str,
        hours: Mapping[int, Iterable[Period]],
        holidays: Iterable[date] = (),
    ) -> CalendarSpec:
        """``CalendarSpec.weekly("Europe/Amsterdam", {0: [(time(8), time(17))]})``."""
        return cls(time_zone, hours, frozenset(holidays))  # type: ignore[arg-type]

    @property
    def has_hours(self) -> bool:
        return any(self._weekly)

    # --- Wall time to instants ----------------------------------------------------------

    def _wall_to_us(self, day: date, us_of_day: int) -> int:
        """The instant of a local wall time; gap times move to the end of the gap."""
        naive = datetime(day.year, day.month, day.day) + timedelta(microseconds=us_of_day)
        instant = (naive.replace(tzinfo=self._zone) - EPOCH) // US  # fold=0: first occurrence
        if self._local(instant) == naive:
            return instant
        # In a gap fold=0 uses the offset before the jump (an instant after it) and fold=1
        # the offset after it (an instant before it); the jump itself lies in between.
        before = (naive.replace(tzinfo=self._zone, fold=1) - EPOCH) // US
        after = instant
        while after - before > 1:
            middle = (before + after) // 2
            if self._local(middle) > naive:
                after = middle
            else:
                before = middle
        return after

    def _midnight(self, day: date) -> int:
        """Local midnight with the offset in force just before it (fold=0), no gap handling.

        Only compared between consecutive days: any offset change in between (including at
        midnight itself) makes the difference differ from 24 hours.
        """
        offset = self._zone.utcoffset(datetime(day.year, day.month, day.day))
        return (day.toordinal() - EPOCH_ORDINAL) * DAY_US - offset // US

    def _local(self, instant: int) -> datetime:
        return (EPOCH + timedelta(microseconds=instant)).astimezone(self._zone).replace(tzinfo=None)

    def _local_date(self, instant: int) -> date:
        return self._local(instant).date()

    def _day(self, day: date) -> tuple[Interval, ...]:
        """The working intervals of one local day, as UTC instants (cached)."""
        cached = self._days.get(day)
        if cached is not None:
            return cached
        wall = self._weekly[day.weekday()]
        if not wall or day in self.holidays:
            result: tuple[Interval, ...] = ()
        else:
            midnight = self._midnight(day)
            if self._midnight(day + ONE_DAY) - midnight == DAY_US:
                # No offset change between the two midnights: the common, fast case.
                result = tuple((midnight + s, midnight + e) for s, e in wall)
            else:
                result = _merge(
                    (self._wall_to_us(day, s), self._wall_to_us(day, e)) for s, e in wall
                )
        if len(self._days) >= _DAY_CACHE_SIZE:
            self._days.clear()
        self._days[day] = result
        return result

    def _intervals_after(self, instant: int, *, until: int | None = None) -> Iterator[Interval]:
        """Working intervals that end after ``instant``, in order.

        Intervals of consecutive days may touch at midnight; callers treat touching
        intervals as one (an end equals the next start, so no time is lost or counted twice).
        With ``until`` the walk stops after the local day of ``until``; without it the walk
        raises ValueError after MAX_IDLE_DAYS days without any business time.
        """
        if not self.has_hours:
            raise ValueError(
                "The calendar has no working hours: add at least one weekly working period."
            )
        try:
            day = self._local_date(instant) - ONE_DAY
            last_day = self._local_date(until) + ONE_DAY if until is not None else None
            idle = 0
            for _ in range(MAX_SPAN_DAYS):
                if last_day is not None and day > last_day:
                    return
                spans = [span for span in self._day(day) if span[1] > instant]
                yield from spans
                idle = 0 if spans else idle + 1
                if last_day is None and idle > MAX_IDLE_DAYS:
                    raise ValueError(
                        f"No business time within {MAX_IDLE_DAYS // 366} years of "
                        f"{_from_us(instant):%Y-%m-%d}: is every working day a holiday?"
                    )
                day += ONE_DAY
        except OverflowError:
            raise ValueError("The date is out of range.") from None
        raise ValueError(f"The calculation goes further than {MAX_SPAN_DAYS // 366} years.")


@lru_cache(maxsize=64)
def _shared(spec: CalendarSpec) -> CalendarSpec:
    # Equal specs share one instance, so repeated calls reuse its cache of converted days.
    return spec


def spec_for(calendar: BusinessCalendar) -> CalendarSpec:
    """The spec of a calendar; uses prefetched ``periods``/``holidays`` when present."""
    days: list[list[Period]] = [[] for _ in range(7)]
    for period in calendar.periods.all():
        days[period.weekday].append((period.start_time, period.end_time))
    return _shared(
        CalendarSpec(
            time_zone=calendar.time_zone,
            periods=tuple(tuple(day) for day in days),
            holidays=frozenset(h.date for h in calendar.holidays.all()),
        )
    )


def _spec(calendar: CalendarSpec | BusinessCalendar) -> CalendarSpec:
    if isinstance(calendar, CalendarSpec):
        return _shared(calendar)
    return spec_for(calendar)


def _to_us(moment: datetime, name: str) -> int:
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(moment).__name__}.")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (got the naive {moment.isoformat()}).")
    return (moment - EPOCH) // US


def _from_us(instant: int) -> datetime:
    try:
        return EPOCH + timedelta(microseconds=instant)
    except OverflowError:
        raise ValueError("The result is out of range.") from None


# --- Public API ------------------------------------------------------------------------


def add_business_time(
    start: datetime, duration: timedelta, calendar: CalendarSpec | BusinessCalendar
) -> datetime:
    """The moment ``duration`` of business time after ``start`` (UTC).

    Time before the next working interval does not count. A zero duration gives the next
    business moment (``start`` itself inside business hours); a positive one ends inside a
    working interval, at its end at the latest. Negative durations are refused.
    """
    spec = _spec(calendar)
    instant = _to_us(start, "start")
    if duration < timedelta(0):
        raise ValueError("The duration must not be negative.")
    remaining = duration // US
    for begin, end in spec._intervals_after(instant):
        begin = max(begin, instant)
        if remaining <= end - begin:
            return _from_us(begin + remaining)
        remaining -= end - begin
    raise AssertionError("unreachable: the interval walk ends by raising")  # pragma: no cover


def business_time_between(
    a: datetime, b: datetime, calendar: CalendarSpec | BusinessCalendar
) -> timedelta:
    """Business time from ``a`` to ``b``; negative when ``b`` is before ``a``."""
    spec = _spec(calendar)
    first, last = _to_us(a, "a"), _to_us(b, "b")
    if last < first:
        return -business_time_between(b, a, spec)
    total = 0
    for begin, end in spec._intervals_after(first, until=last):
        if begin >= last:
            break
        total += min(end, last) - max(begin, first)
    return timedelta(microseconds=total)


def is_business_time(at: datetime, calendar: CalendarSpec | BusinessCalendar) -> bool:
    """True when ``at`` falls inside a working interval (the start counts, the end does not)."""
    spec = _spec(calendar)
    instant = _to_us(at, "at")
    for begin, _end in spec._intervals_after(instant, until=instant):
        return begin <= instant
    return False


def next_business_start(at: datetime, calendar: CalendarSpec | BusinessCalendar) -> datetime:
    """``at`` itself inside business time, otherwise the start of the next working interval."""
    spec = _spec(calendar)
    instant = _to_us(at, "at")
    for begin, _end in spec._intervals_after(instant):
        return _from_us(max(begin, instant))
    raise AssertionError("unreachable: the interval walk ends by raising")  # pragma: no cover
