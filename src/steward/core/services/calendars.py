"""Business calendars: service hours (weekly working periods), holidays and time zone.

Only these functions write calendars. Each checks ``core.calendar.change``, locks the
calendar row, validates everything before writing, and journals the change in the same
transaction, so a refused or invalid request leaves nothing behind.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from functools import lru_cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_date, parse_time

from steward.core import clocks, journal, permissions, refcache
from steward.core.edits import check_edit, reject_unknown
from steward.core.models import BusinessCalendar, Holiday, Person, WorkingPeriod
from steward.core.models.calendars import WEEKDAYS
from steward.core.tasks import recalculate_calendar_clocks

CHANGE = "core.calendar.change"
CALENDAR_FIELDS = ["name", "time_zone", "description"]
WEEKDAY_NAMES = dict(WEEKDAYS)
MIDNIGHT = dt.time(0)
# Names zoneinfo can load that are not real places: the server's own zone and placeholders.
_NOT_ZONES = {"localtime", "Factory", "posixrules"}


@lru_cache(maxsize=1)
def time_zone_names() -> frozenset[str]:
    """The IANA time zone names a calendar may use."""
    return frozenset(
        name
        for name in available_timezones()
        if name not in _NOT_ZONES and not name.startswith(("posix/", "right/"))
    )


def validate_time_zone(name: Any) -> str:
    """The zone name, or ValidationError {"time_zone": [...]} when it is not a known zone."""
    value = name.strip() if isinstance(name, str) else ""
    if value and value in time_zone_names():
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            pass
        else:
            return value
    raise ValidationError(
        {
            "time_zone": [
                f"{name!r} is not a known time zone; use an IANA name like Europe/Amsterdam."
            ]
        }
    )


def _time(value: Any, label: str) -> dt.time:
    if isinstance(value, dt.time):
        return value
    try:
        parsed = parse_time(value.strip()) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationError({"periods": [f"{label}: {value!r} is not a time like 08:30."]})
    return parsed


def _day_end(t: dt.time) -> dt.time | None:
    """None for midnight at the end of the day, which sorts after every other time."""
    return None if t == MIDNIGHT else t


def _describe(weekday: int, start: dt.time, end: dt.time) -> str:
    return f"{WEEKDAY_NAMES[weekday]} {start:%H:%M}-{end:%H:%M}"


def clean_periods(periods: Iterable[Mapping[str, Any]]) -> list[tuple[int, dt.time, dt.time]]:
    """Validate weekly working periods; (weekday, start, end) sorted by weekday and start.

    Each period ends after it starts, except that an end of 00:00 means midnight at the end
    of the day. Periods on one weekday may touch (12:00-13:00, 13:00-17:00) but not overlap.
    """
    if isinstance(periods, Mapping | str) or not isinstance(periods, Iterable):
        raise ValidationError({"periods": ["Give a list of working periods."]})
    cleaned: list[tuple[int, dt.time, dt.time]] = []
    for number, period in enumerate(periods, start=1):
        label = f"Period {number}"
        if not isinstance(period, Mapping):
            raise ValidationError({"periods": [f"{label}: give weekday, start_time and end_time."]})
        missing = [key for key in ("weekday", "start_time", "end_time") if period.get(key) is None]
        if missing:
            raise ValidationError({"periods": [f"{label}: {', '.join(missing)} missing."]})
        weekday = period["weekday"]
        if (
            isinstance(weekday, bool)
            or not isinstance(weekday, int)
            or weekday not in WEEKDAY_NAMES
        ):
            raise ValidationError(
                {"periods": [f"{label}: the weekday must be 0 (Monday) to 6 (Sunday)."]}
            )
        start = _time(period["start_time"], label)
        end = _time(period["end_time"], label)
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValidationError(
                {"periods": [f"{label}: give wall-clock times; the calendar has the time zone."]}
            )
        if end != MIDNIGHT and end <= start:
            raise ValidationError(
                {
                    "periods": [
                        f"{label} ({_describe(weekday, start, end)}): the end must be after the "
                        "start; use 00:00 as the end for midnight."
                    ]
                }
            )
        cleaned.append((weekday, start, end))
    cleaned.sort(key=lambda p: (p[0], p[1]))
    for before, after in pairwise(cleaned):
        same_day = before[0] == after[0]
        before_end = _day_end(before[2])
        if same_day and (before_end is None or after[1] < before_end):
            raise ValidationError(
                {
                    "periods": [
                        f"{_describe(*before)} overlaps {_describe(*after)}: "
                        "periods on one day must not overlap."
                    ]
                }
            )
    return cleaned


def _summary(periods: Iterable[tuple[int, dt.time, dt.time]]) -> str:
    return ", ".join(_describe(*p) for p in periods) or "none"


def _current_periods(calendar: BusinessCalendar) -> list[tuple[int, dt.time, dt.time]]:
    rows = WorkingPeriod.objects.filter(calendar=calendar).order_by("weekday", "start_time")
    return [(p.weekday, p.start_time, p.end_time) for p in rows]


def _replace_periods(
    calendar: BusinessCalendar, cleaned: list[tuple[int, dt.time, dt.time]]
) -> tuple[str, str] | None:
    """Swap the weekly hours; (old summary, new summary), or None when nothing changed."""
    old = _current_periods(calendar)
    if old == cleaned:
        return None
    WorkingPeriod.objects.filter(calendar=calendar).delete()
    WorkingPeriod.objects.bulk_create(
        WorkingPeriod(calendar=calendar, weekday=w, start_time=s, end_time=e) for w, s, e in cleaned
    )
    refcache.bump(clocks.CALENDARS)  # bulk_create sends no signal
    return _summary(old), _summary(cleaned)


def _clean_holiday(date: Any, name: Any) -> tuple[dt.date, str]:
    errors: dict[str, list[str]] = {}
    day = date if isinstance(date, dt.date) and not isinstance(date, dt.datetime) else None
    if day is None and isinstance(date, str):
        try:
            day = parse_date(date.strip())
        except ValueError:
            day = None
    if day is None:
        errors["date"] = [f"{date!r} is not a date like 2025-12-25."]
    label = name.strip() if isinstance(name, str) else ""
    max_length = Holiday._meta.get_field("name").max_length
    if not label:
        errors["name"] = ["Give the holiday a name."]
    elif max_length and len(label) > max_length:
        errors["name"] = [f"At most {max_length} characters."]
    if errors:
        raise ValidationError(errors)
    return day, label  # type: ignore[return-value]


def _clean_calendar(calendar: BusinessCalendar) -> None:
    calendar.name = calendar.name.strip() if isinstance(calendar.name, str) else calendar.name
    calendar.time_zone = validate_time_zone(calendar.time_zone)
    calendar.full_clean()


def _save(calendar: BusinessCalendar) -> None:
    # full_clean checked the name is free; a concurrent writer may still take it first.
    try:
        with transaction.atomic():
            calendar.save()
    except IntegrityError:
        raise ValidationError({"name": ["A calendar with this name already exists."]}) from None


def _clocks_follow(calendar: BusinessCalendar) -> None:
    """Open SLA clocks in this calendar get new warning and breach times after commit."""
    transaction.on_commit(lambda: recalculate_calendar_clocks.enqueue(calendar.pk), robust=True)


def _lock(calendar_id: int) -> BusinessCalendar:
    return BusinessCalendar.objects.select_for_update().get(pk=calendar_id)


# --- Services ----------------------------------------------------------------------------


def calendar_create(
    *,
    actor: Person,
    name: str,
    time_zone: str,
    description: str = "",
    periods: Iterable[Mapping[str, Any]] | None = None,
    holidays: Iterable[Mapping[str, Any]] | None = None,
) -> BusinessCalendar:
    """Create a calendar with its weekly working periods and holidays (dicts of date, name)."""
    permissions.require(actor, CHANGE)
    calendar = BusinessCalendar(name=name, time_zone=time_zone, description=description or "")
    _clean_calendar(calendar)
    cleaned = clean_periods(periods or [])
    days: dict[dt.date, str] = {}
    for holiday in holidays or []:
        if not isinstance(holiday, Mapping):
            raise ValidationError({"holidays": ["Give each holiday as a date and a name."]})
        day, label = _clean_holiday(holiday.get("date"), holiday.get("name"))
        if day in days:
            raise ValidationError({"holidays": [f"{day} is listed twice."]})
        days[day] = label
    with transaction.atomic():
        _save(calendar)
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=calendar, weekday=w, start_time=s, end_time=e)
            for w, s, e in cleaned
        )
        Holiday.objects.bulk_create(
            Holiday(calendar=calendar, date=day, name=label) for day, label in sorted(days.items())
        )
        refcache.bump(clocks.CALENDARS)  # bulk_create sends no signal
        journal.created(calendar, actor=actor)
    return calendar


def calendar_update(
    *, actor: Person, calendar_id: int, data: Mapping[str, Any], expected_version: int | None = None
) -> BusinessCalendar:
    """Change name, time zone or description; ``data["periods"]`` replaces the weekly hours.

    Everything is validated before anything is written, so a bad period leaves the name as
    it was too.
    """
    with transaction.atomic():
        calendar = _lock(calendar_id)
        check_edit(actor, CHANGE, calendar, expected_version)
        reject_unknown(data, [*CALENDAR_FIELDS, "periods"])
        cleaned = clean_periods(data["periods"]) if "periods" in data else None
        changes = journal.apply_changes(calendar, data, CALENDAR_FIELDS)
        if changes:
            _clean_calendar(calendar)
            # Cleaning may normalise (strip) a value back to what it was.
            changes = {
                name: (old, getattr(calendar, name))
                for name, (old, _) in changes.items()
                if old != getattr(calendar, name)
            }
        replaced = _replace_periods(calendar, cleaned) if cleaned is not None else None
        if replaced:
            changes["periods"] = replaced
        if changes:
            _save(calendar)
            journal.field_changes(calendar, actor=actor, changes=changes)
            if {"time_zone", "periods"} & set(changes):
                _clocks_follow(calendar)
    return calendar


def calendar_set_periods(
    *,
    actor: Person,
    calendar_id: int,
    periods: Iterable[Mapping[str, Any]],
    expected_version: int | None = None,
) -> list[WorkingPeriod]:
    """Replace the calendar's weekly working hours with ``periods`` (weekday, start_time,
    end_time); an empty list leaves the calendar without working hours."""
    with transaction.atomic():
        calendar = _lock(calendar_id)
        check_edit(actor, CHANGE, calendar, expected_version)
        cleaned = clean_periods(periods)
        replaced = _replace_periods(calendar, cleaned)
        if replaced:
            calendar.save(update_fields=["updated_at"])
            journal.field_changes(calendar, actor=actor, changes={"periods": replaced})
            _clocks_follow(calendar)
        return list(WorkingPeriod.objects.filter(calendar=calendar))


def holiday_add(*, actor: Person, calendar_id: int, date: dt.date | str, name: str) -> Holiday:
    """Mark ``date`` as a holiday: no business time on that local day."""
    with transaction.atomic():
        calendar = _lock(calendar_id)
        permissions.require(actor, CHANGE, calendar)
        day, label = _clean_holiday(date, name)
        existing = Holiday.objects.filter(calendar=calendar, date=day).first()
        if existing is not None:
            raise ValidationError(
                {"date": [f"{day} is already a holiday ({existing.name}) in this calendar."]}
            )
        holiday = Holiday.objects.create(calendar=calendar, date=day, name=label)
        calendar.save(update_fields=["updated_at"])
        journal.field_changes(calendar, actor=actor, changes={"holiday": ("", str(holiday))})
        _clocks_follow(calendar)
    return holiday


def holiday_remove(*, actor: Person, calendar_id: int, holiday_id: int) -> None:
    """Remove one holiday; Holiday.DoesNotExist when it is not this calendar's."""
    with transaction.atomic():
        calendar = _lock(calendar_id)
        permissions.require(actor, CHANGE, calendar)
        holiday = Holiday.objects.get(pk=holiday_id, calendar=calendar)
        label = str(holiday)
        holiday.delete()
        calendar.save(update_fields=["updated_at"])
        journal.field_changes(calendar, actor=actor, changes={"holiday": (label, "")})
        _clocks_follow(calendar)
