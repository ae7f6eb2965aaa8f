"""Business calendar pages: hours, holidays, the due-time helper; edits through the services."""

import datetime as dt

import pytest
from django.urls import reverse

from steward.core.models import BusinessCalendar, Holiday, JournalEntry, WorkingPeriod
from steward.core.tests.factories import BusinessCalendarFactory, staff_fixture
from steward.core.views.calendars import hours_summary

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    """Monday to Friday 08:00-17:00, Europe/Amsterdam, with Christmas off."""
    calendar = BusinessCalendarFactory(name="Office Amsterdam")
    Holiday.objects.create(calendar=calendar, date=dt.date(2025, 12, 25), name="Christmas")
    return calendar


sla_admin = staff_fixture("sla_admin", "service_level_administrator", "sla")


def test_calendar_list_summarises_hours(client, analyst, office):
    client.force_login(analyst)

    response = client.get(reverse("core:calendar-list"))

    row = response.context["rows"][0]
    assert [c.text for c in row["cells"]][:3] == [
        "Office Amsterdam",
        "Europe/Amsterdam",
        "Mon–Fri 08:00–17:00",  # noqa: RUF001
    ]


def test_hours_summary_groups_equal_days_and_shows_midnight():
    calendar = BusinessCalendarFactory(name="Split", office_hours=False)
    WorkingPeriod.objects.create(
        calendar=calendar, weekday=0, start_time=dt.time(8), end_time=dt.time(12)
    )
    WorkingPeriod.objects.create(
        calendar=calendar, weekday=0, start_time=dt.time(13), end_time=dt.time(17)
    )
    WorkingPeriod.objects.create(
        calendar=calendar, weekday=1, start_time=dt.time(8), end_time=dt.time(12)
    )
    WorkingPeriod.objects.create(
        calendar=calendar, weekday=1, start_time=dt.time(13), end_time=dt.time(17)
    )
    WorkingPeriod.objects.create(
        calendar=calendar, weekday=5, start_time=dt.time(0), end_time=dt.time(0)
    )

    assert hours_summary(calendar) == "Mon–Tue 08:00–12:00, 13:00–17:00; Sat 00:00–24:00"  # noqa: RUF001
    assert (
        hours_summary(BusinessCalendarFactory(name="Empty", office_hours=False))
        == "No working hours"
    )


def test_calendar_page_shows_the_week_and_holidays(client, analyst, office):
    client.force_login(analyst)

    response = client.get(office.get_absolute_url())

    week = {row["day"]: row["spans"] for row in response.context["week"]}
    assert week["Monday"] == ["08:00–17:00"]  # noqa: RUF001
    assert week["Sunday"] == []
    assert "Christmas" in response.content.decode()
    assert response.context["holiday_form"] is None  # analysts read, they do not edit
    assert [a.label for a in response.context["actions"]] == []


def test_due_time_helper_counts_only_business_hours(client, analyst, office):
    client.force_login(analyst)

    # Friday 16:00 in Amsterdam + 2 business hours = Monday 09:00.
    response = client.get(office.get_absolute_url(), {"hours": "2", "start": "2025-03-07T16:00"})

    due = response.context["due"]
    assert due["end"].strftime("%a %Y-%m-%d %H:%M") == "Mon 2025-03-10 09:00"
    assert "Mon 10 Mar 2025, 09:00" in response.content.decode()


def test_due_time_helper_skips_holidays_and_answers_htmx_with_the_partial(client, analyst, office):
    client.force_login(analyst)

    response = client.get(
        office.get_absolute_url(),
        {"hours": "9", "start": "2025-12-24T17:00"},
        headers={"HX-Request": "true"},
    )

    body = response.content.decode()
    assert body.startswith('<div id="due-result"')
    assert "Fri 26 Dec 2025, 17:00" in body  # the 25th is Christmas


def test_due_time_helper_reports_bad_input(client, analyst, office):
    client.force_login(analyst)

    response = client.get(
        office.get_absolute_url(), {"hours": "-3"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert "field-error" in response.content.decode()


def test_calendar_create_then_hours(client, sla_admin):
    client.force_login(sla_admin)

    response = client.post(
        reverse("core:calendar-create"),
        {"name": "Support NYC", "time_zone": "America/New_York", "description": ""},
    )

    calendar = BusinessCalendar.objects.get(name="Support NYC")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:calendar-hours", args=[calendar.pk])
    assert calendar.periods.count() == 5


def test_weekly_hours_are_saved_through_the_service(client, sla_admin, office):
    client.force_login(sla_admin)
    url = reverse("core:calendar-hours", args=[office.pk])
    data = {f"start_{d}_0": "09:00" for d in range(5)} | {f"end_{d}_0": "12:00" for d in range(5)}
    data |= {f"start_{d}_1": "13:00" for d in range(5)} | {f"end_{d}_1": "18:00" for d in range(5)}
    data |= {"start_5_0": "10:00", "end_5_0": "00:00"}

    form = client.get(url)
    response = client.post(url, data)

    assert form.context["form"].initial["start_0_0"] == dt.time(8)
    assert response.status_code == 302
    assert office.periods.count() == 11
    assert office.periods.filter(weekday=5).get().end_time == dt.time(0)
    assert JournalEntry.objects.filter(record_id=office.pk, field="periods").exists()


def test_overlapping_hours_are_refused_with_the_reason(client, sla_admin, office):
    client.force_login(sla_admin)

    response = client.post(
        reverse("core:calendar-hours", args=[office.pk]),
        {"start_0_0": "08:00", "end_0_0": "12:00", "start_0_1": "11:00", "end_0_1": "17:00"},
    )

    assert response.status_code == 400
    assert "overlaps" in response.content.decode()
    assert office.periods.count() == 5  # unchanged


def test_half_a_period_is_refused(client, sla_admin, office):
    client.force_login(sla_admin)

    response = client.post(reverse("core:calendar-hours", args=[office.pk]), {"start_2_0": "08:00"})

    assert response.status_code == 400
    assert response.context["form"].errors["end_2_0"] == [
        "Give both times for Wednesday, or neither."
    ]


def test_holiday_add_and_remove(client, sla_admin, office):
    client.force_login(sla_admin)

    added = client.post(
        reverse("core:calendar-holiday-add", args=[office.pk]),
        {"date": "2026-01-01", "name": "New Year"},
    )
    holiday = office.holidays.get(name="New Year")
    removed = client.post(reverse("core:calendar-holiday-remove", args=[office.pk, holiday.pk]))

    assert added.status_code == 302 and removed.status_code == 302
    assert list(office.holidays.values_list("name", flat=True)) == ["Christmas"]


def test_duplicate_holiday_error_is_shown_on_the_date(client, sla_admin, office):
    client.force_login(sla_admin)

    response = client.post(
        reverse("core:calendar-holiday-add", args=[office.pk]),
        {"date": "2025-12-25", "name": "Again"},
    )

    assert response.status_code == 400
    assert "already a holiday" in response.context["holiday_form"].errors["date"][0]
    assert office.holidays.count() == 1


def test_holiday_of_another_calendar_is_404(client, sla_admin, office):
    other = BusinessCalendarFactory(name="Other")
    theirs = Holiday.objects.create(calendar=other, date=dt.date(2026, 5, 1), name="Labour Day")
    client.force_login(sla_admin)

    response = client.post(reverse("core:calendar-holiday-remove", args=[office.pk, theirs.pk]))

    assert response.status_code == 404
    assert Holiday.objects.filter(pk=theirs.pk).exists()


def test_analyst_may_not_edit_calendars(client, analyst, office):
    client.force_login(analyst)

    edit = client.post(
        reverse("core:calendar-edit", args=[office.pk]),
        {"name": "X", "time_zone": "UTC", "description": ""},
    )
    holiday = client.post(
        reverse("core:calendar-holiday-add", args=[office.pk]), {"date": "2026-01-01", "name": "X"}
    )

    office.refresh_from_db()
    assert edit.status_code == 403 and holiday.status_code == 403
    assert office.name == "Office Amsterdam" and office.holidays.count() == 1


def test_customers_do_not_see_calendars(client, requester, office):
    client.force_login(requester)

    assert client.get(reverse("core:calendar-list")).status_code == 403
    assert client.get(office.get_absolute_url()).status_code == 403


def test_calendar_edit_through_the_service(client, sla_admin, office):
    client.force_login(sla_admin)

    response = client.post(
        reverse("core:calendar-edit", args=[office.pk]),
        {"name": "Office AMS", "time_zone": "Europe/Amsterdam", "description": "Head office"},
    )

    office.refresh_from_db()
    assert response.status_code == 302
    assert (office.name, office.description) == ("Office AMS", "Head office")
