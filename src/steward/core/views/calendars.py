"""Business calendar pages: weekly service hours, holidays and a due-time helper."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone

from steward.core import action_tables, permissions, queries
from steward.core.calendars import add_business_time
from steward.core.filters import BusinessCalendarFilterSet
from steward.core.forms import CalendarForm, DueTimeForm, HolidayForm, WeeklyHoursForm
from steward.core.models import BusinessCalendar
from steward.core.models.calendars import WEEKDAYS
from steward.core.services import calendars as svc
from steward.core.views.patterns import (
    Action,
    Column,
    Field,
    RecordDetailView,
    RecordEditView,
    RecordListView,
    RecordObjectMixin,
    ServiceFormView,
    action_urls,
)

SHORT_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
DASH = "\u2013"  # an en dash between times and days: 08:00-17:00 reads as a range


def _span(start: dt.time, end: dt.time) -> str:
    return f"{start:%H:%M}{DASH}{'24:00' if end == dt.time(0) else f'{end:%H:%M}'}"


def week_rows(calendar: BusinessCalendar) -> list[dict[str, Any]]:
    """One row per weekday with its periods (uses prefetched ``periods``)."""
    by_day: dict[int, list[Any]] = {day: [] for day, _ in WEEKDAYS}
    for period in calendar.periods.all():
        by_day[period.weekday].append(period)
    return [
        {"day": name, "spans": [_span(p.start_time, p.end_time) for p in by_day[day]]}
        for day, name in WEEKDAYS
    ]


def hours_summary(calendar: BusinessCalendar) -> str:
    """ "Mon-Fri 08:00-17:00" style (with en dashes): equal consecutive days are grouped."""
    rows = week_rows(calendar)
    parts: list[str] = []
    i = 0
    while i < 7:
        j = i
        while j + 1 < 7 and rows[j + 1]["spans"] == rows[i]["spans"]:
            j += 1
        if rows[i]["spans"]:
            days = SHORT_DAYS[i] if i == j else f"{SHORT_DAYS[i]}{DASH}{SHORT_DAYS[j]}"
            parts.append(f"{days} {', '.join(rows[i]['spans'])}")
        i = j + 1
    return "; ".join(parts) or "No working hours"


def _upcoming_holidays(calendar: BusinessCalendar) -> int:
    today = timezone.localdate()
    return sum(1 for h in calendar.holidays.all() if h.date >= today)


class CalendarListView(RecordListView):
    permission = "core.calendar.view"
    title = "Business calendars"
    query = queries.calendars_for
    filterset_class = BusinessCalendarFilterSet
    default_sort = "name"
    create_url_name = "core:calendar-create"
    create_permission = "core.calendar.change"
    create_label = "New calendar"
    columns = (
        Column("name", "Name", sort="name", link=True),
        Column("time_zone", "Time zone", sort="time_zone"),
        Column("hours", "Service hours", value=hours_summary),
        Column("holidays", "Upcoming holidays", value=_upcoming_holidays, classes="num"),
        Column("updated_at", "Updated", sort="updated_at", classes="hide-sm nowrap"),
    )


class CalendarDetailView(RecordDetailView):
    permission = "core.calendar.view"
    template_name = "core/calendar_detail.html"
    query_one = queries.calendar_for
    list_url_name = "core:calendar-list"
    kind_label = "Business calendar"

    def get_fields(self, obj: BusinessCalendar) -> list[Field]:
        return [
            Field("Time zone", obj.time_zone),
            Field("Service hours", hours_summary(obj)),
            Field("Description", obj.description, wide=True),
        ]

    def get_actions(self, obj: BusinessCalendar) -> list[Action]:
        return [
            Action(
                "Edit hours", reverse("core:calendar-hours", args=[obj.pk]), "core.calendar.change"
            ),
            Action("Edit", reverse("core:calendar-edit", args=[obj.pk]), "core.calendar.change"),
        ]

    def due_context(self, obj: BusinessCalendar) -> dict[str, Any]:
        """The due-time helper: ``hours`` of business time from ``start`` (or now)."""
        if "hours" not in self.request.GET:
            return {"due_form": DueTimeForm(), "due": None}
        form = DueTimeForm(self.request.GET)
        due: dict[str, Any] | None = None
        # "From" is wall-clock time in the calendar's own time zone.
        with timezone.override(ZoneInfo(obj.time_zone)):
            valid = form.is_valid()
        if valid:
            start = form.cleaned_data["start"] or timezone.now()
            try:
                end = add_business_time(
                    start, dt.timedelta(hours=float(form.cleaned_data["hours"])), obj
                )
            except ValueError as exc:
                form.add_error(None, str(exc))
            else:
                zone = ZoneInfo(obj.time_zone)
                due = {
                    "start": start.astimezone(zone),
                    "end": end.astimezone(zone),
                    "end_local": timezone.localtime(end),
                    "hours": form.cleaned_data["hours"],
                    "zone": obj.time_zone,
                }
        return {"due_form": form, "due": due}

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.htmx and "hours" in request.GET:
            context = {"record": self.get_object(), **self.due_context(self.get_object())}
            return render(request, "core/partials/due_time.html", context)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        calendar = context["record"]
        can_change = permissions.has(self.actor, "core.calendar.change", calendar)
        today = timezone.localdate()
        context.update(
            week=week_rows(calendar),
            holidays=list(calendar.holidays.all()),
            today=today,
            can_change=can_change,
            holiday_form=self.failed_form("holiday-add", kwargs)
            or (HolidayForm() if can_change else None),
            **self.due_context(calendar),
        )
        return context


class CalendarCreateView(ServiceFormView):
    permission = "core.calendar.change"
    form_class = CalendarForm
    cancel_url = reverse_lazy("core:calendar-list")
    title = "New business calendar"
    submit_label = "Create calendar"
    success_message = "Calendar created. Now set its service hours."

    def get_initial(self) -> dict[str, Any]:
        return {"time_zone": "Europe/Amsterdam"}

    def perform(self, form: forms.Form) -> str:
        calendar = svc.calendar_create(
            actor=self.actor,
            name=form.cleaned_data["name"],
            time_zone=form.cleaned_data["time_zone"],
            description=form.cleaned_data["description"],
            periods=[
                {"weekday": day, "start_time": dt.time(8), "end_time": dt.time(17)}
                for day in range(5)
            ],
        )
        return reverse("core:calendar-hours", args=[calendar.pk])


class _CalendarObjectMixin(RecordObjectMixin):
    query_one = queries.calendar_for

    def versioned_object(self) -> BusinessCalendar:
        return self.get_object()

    def get_cancel_url(self) -> str:
        return self.get_object().get_absolute_url()


class CalendarEditView(RecordEditView):
    permission = "core.calendar.change"
    query_one = queries.calendar_for
    form_class = CalendarForm
    service, record_arg = svc.calendar_update, "calendar_id"
    service_fields = svc.CALENDAR_FIELDS
    title_format = "Edit {obj.name}"


class CalendarHoursView(_CalendarObjectMixin, ServiceFormView):
    """The weekly hours as a table: up to two periods a day (e.g. around a lunch break)."""

    permission = "core.calendar.change"
    form_class = WeeklyHoursForm
    template_name = "core/calendar_hours.html"
    submit_label = "Save service hours"
    success_message = "Service hours saved."

    title_format = "Service hours of {obj.name}"

    def get_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        seen: dict[int, int] = {}
        for period in self.get_object().periods.all():
            slot = seen.get(period.weekday, 0)
            if slot < WeeklyHoursForm.SLOTS:
                initial[f"start_{period.weekday}_{slot}"] = period.start_time
                initial[f"end_{period.weekday}_{slot}"] = period.end_time
            seen[period.weekday] = slot + 1
        return initial

    def perform(self, form: forms.Form) -> BusinessCalendar:
        calendar = self.get_object()
        svc.calendar_set_periods(
            actor=self.actor,
            calendar_id=calendar.pk,
            periods=form.periods(),
            expected_version=self.expected_version(form),
        )
        return calendar


urlpatterns = [
    path("calendars/", CalendarListView.as_view(), name="calendar-list"),
    path("calendars/new/", CalendarCreateView.as_view(), name="calendar-create"),
    path("calendars/<int:pk>/", CalendarDetailView.as_view(), name="calendar-detail"),
    path("calendars/<int:pk>/edit/", CalendarEditView.as_view(), name="calendar-edit"),
    path("calendars/<int:pk>/hours/", CalendarHoursView.as_view(), name="calendar-hours"),
    *action_urls(action_tables.CALENDAR, page=CalendarDetailView),
]
