"""Form fields for values from outside that every database must take as given.

A date and time may carry any UTC offset under 24 hours in Python, and Django's
``DateTimeField`` accepts ISO 8601 with an offset whatever its ``input_formats``; but
PostgreSQL refuses offsets beyond ±15:59 ("time zone displacement out of range", a 500).
The same instant in UTC is always accepted, so these fields hand it on in UTC.
"""

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField as FilterIsoDateTimeField

OUT_OF_RANGE = "This date and time is out of range."


def to_utc(value: Any) -> Any:
    """``value`` (an aware datetime, or None) as the same instant in UTC."""
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        return value
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is in year 0 in UTC
        raise ValidationError(OUT_OF_RANGE, code="overflow") from None


class DateTimeField(forms.DateTimeField):
    def to_python(self, value: Any) -> Any:
        return to_utc(super().to_python(value))


class IsoDateTimeField(FilterIsoDateTimeField):
    def to_python(self, value: Any) -> Any:
        return to_utc(super().to_python(value))


ISO_DATE = "%Y-%m-%d"


class IsoDateInput(forms.TextInput):
    """A date typed as yyyy-mm-dd, as Steward shows dates everywhere. The browser's own
    date picker (``type="date"``) shows the browser's locale format, e.g. mm/dd/yyyy."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        defaults = {
            "placeholder": "yyyy-mm-dd",
            "pattern": r"\d{4}-\d{2}-\d{2}",
            "inputmode": "numeric",
            "size": "10",
            "autocomplete": "off",
        }
        super().__init__({**defaults, **(attrs or {})})
        self.format = ISO_DATE

    def format_value(self, value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.strftime(ISO_DATE)
        return super().format_value(value)


class IsoDateField(forms.DateField):
    """A date in ISO form only (yyyy-mm-dd): 06/12/2026 is refused, not guessed."""

    widget = IsoDateInput
    input_formats = [ISO_DATE]
    default_error_messages = {"invalid": "Enter a valid date as yyyy-mm-dd."}
