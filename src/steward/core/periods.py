"""Report periods of whole local days, as the KPI pages and their APIs choose them: the
last 30 or 90 days, this or last quarter, or dates given. One definition for every area
whose KPIs take such a period (Problem and Release Management)."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

LAST_30, LAST_90, QUARTER, LAST_QUARTER, CUSTOM = "30", "90", "quarter", "last_quarter", "custom"
MAX_DAYS = 3 * 366  # three years: more is not a report anyone reads


@dataclass(frozen=True)
class Period:
    """Local days ``first`` to ``last`` (inclusive): [start, end) as aware datetimes."""

    first: dt.date
    last: dt.date

    @property
    def start(self) -> dt.datetime:
        return midnight(self.first)

    @property
    def end(self) -> dt.datetime:
        return midnight(self.last + dt.timedelta(days=1))

    @property
    def label(self) -> str:
        return f"{self.first:%Y-%m-%d} to {self.last:%Y-%m-%d}"


def midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the calendar quarter ``day`` is in."""
    first = day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    following = (first + dt.timedelta(days=93)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def period_for(
    choice: str, first: dt.date | None = None, last: dt.date | None = None, *, default: str
) -> Period:
    """The period asked for: the last 30 or 90 days, this or last quarter, or the dates
    given (``first`` alone: up to today; ``last`` alone: the 90 days up to it); no choice
    is ``default``. A ValidationError names the field that cannot be used."""
    today = timezone.localdate()
    choice = choice or default
    try:
        if first or last or choice == CUSTOM:
            last = last or today
            first = first or last - dt.timedelta(days=89)
        elif choice in (LAST_30, LAST_90):
            last, first = today, today - dt.timedelta(days=int(choice) - 1)
        elif choice == QUARTER:
            first, last = quarter_of(today)
        elif choice == LAST_QUARTER:
            first, last = quarter_of(quarter_of(today)[0] - dt.timedelta(days=1))
        else:
            raise ValidationError({"period": ["Choose 30 or 90 days, a quarter, or dates."]})
        if first.year < 2 or last.year > 9998:
            raise OverflowError
    except (OverflowError, ValueError):
        raise ValidationError({"from": ["Choose dates between the years 2 and 9998."]}) from None
    if first > last:
        raise ValidationError({"to": ["The end comes before the start."]})
    if (last - first).days >= MAX_DAYS:
        raise ValidationError({"from": [f"At most {MAX_DAYS} days at once: choose a later start."]})
    return Period(first, last)
