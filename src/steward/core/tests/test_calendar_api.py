"""Business calendars over the API: who may read and change them, the error answers, and
the business-time calculator."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from rest_framework.routers import DefaultRouter

from steward.core.api import calendars as calendars_api
from steward.core.models import BusinessCalendar, Holiday, JournalEntry, WorkingPeriod
from steward.core.tests.api import error_detail, field_errors, refused
from steward.core.tests.factories import BusinessCalendarFactory, staff_fixture

URL = "/api/v1/calendars/"
OFFICE = [{"weekday": d, "start_time": "08:00", "end_time": "17:00"} for d in range(5)]


@pytest.fixture
def office(db):
    calendar = BusinessCalendarFactory(name="Office hours", description="Dutch office")
    Holiday.objects.create(calendar=calendar, date=date(2024, 12, 25), name="Christmas Day")
    return calendar


sla_admin = staff_fixture("sla_admin", "service_level_administrator", "sla")


def snapshot() -> tuple:
    """Everything a calendar write could touch."""
    return (
        list(
            BusinessCalendar.objects.order_by("pk").values_list(
                "pk", "name", "time_zone", "description"
            )
        ),
        list(
            WorkingPeriod.objects.order_by("pk").values_list(
                "calendar", "weekday", "start_time", "end_time"
            )
        ),
        list(Holiday.objects.order_by("pk").values_list("calendar", "date", "name")),
        JournalEntry.objects.count(),
    )


# --- Who may read -------------------------------------------------------------------


def test_anonymous_callers_must_authenticate(api, office):
    response = api.get(URL)
    assert response.status_code == 401
    assert api.get(f"{URL}{office.pk}/").status_code == 401
    assert (
        api.get(f"{URL}{office.pk}/business-time/?start=2024-03-01T09:00Z&duration=60").status_code
        == 401
    )


@pytest.mark.parametrize("who", ["no_role_person", "requester"])
def test_people_without_a_provider_role_may_not_read_calendars(api, office, request, who):
    person = request.getfixturevalue(who)
    assert api.as_(person).get(URL).status_code == 403
    assert api.get(f"{URL}{office.pk}/").status_code == 403
    assert (
        api.get(f"{URL}{office.pk}/business-time/?start=2024-03-01T09:00Z&duration=60").status_code
        == 403
    )


def test_an_analyst_reads_calendars_with_their_hours_and_holidays(api, analyst, office):
    response = api.as_(analyst).get(URL)
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["name"] == "Office hours"
    assert row["time_zone"] == "Europe/Amsterdam"
    assert [(p["weekday"], p["start_time"], p["end_time"]) for p in row["periods"]] == [
        (d, "08:00:00", "17:00:00") for d in range(5)
    ]
    assert [(h["date"], h["name"]) for h in row["holidays"]] == [("2024-12-25", "Christmas Day")]

    detail = api.get(f"{URL}{office.pk}/")
    assert detail.status_code == 200
    assert detail.json() == row


def test_the_list_costs_the_same_queries_for_many_calendars(
    api, analyst, office, django_assert_num_queries
):
    api.as_(analyst).get(URL)  # warm the caller's role cache
    with CaptureQueriesContext(connection) as one:
        api.get(URL)
    for n in range(4):
        calendar = BusinessCalendarFactory(name=f"Calendar {n}")
        Holiday.objects.create(calendar=calendar, date=date(2025, 1, 1), name="New Year")
    with django_assert_num_queries(len(one.captured_queries)):
        response = api.get(URL)
    assert len(response.json()["results"]) == 5


def test_calendars_can_be_filtered(api, analyst, office):
    BusinessCalendarFactory(name="New York desk", time_zone="America/New_York")
    api.as_(analyst)
    assert [r["name"] for r in api.get(f"{URL}?q=york").json()["results"]] == ["New York desk"]
    assert [r["name"] for r in api.get(f"{URL}?time_zone=Europe/Amsterdam").json()["results"]] == [
        "Office hours"
    ]


def test_an_unknown_calendar_is_not_found(api, admin_person):
    api.as_(admin_person)
    assert api.get(f"{URL}999999/").status_code == 404
    assert api.patch(f"{URL}999999/", {"name": "x"}, format="json").status_code == 404
    assert (
        api.post(
            f"{URL}999999/holidays/", {"date": "2025-01-01", "name": "x"}, format="json"
        ).status_code
        == 404
    )
    assert (
        api.get(f"{URL}999999/business-time/?start=2024-03-01T09:00Z&duration=60").status_code
        == 404
    )


# --- Who may write ------------------------------------------------------------------


def test_an_administrator_creates_a_calendar_with_its_hours(api, admin_person):
    response = api.as_(admin_person).post(
        URL,
        {
            "name": "Service desk NL",
            "time_zone": "Europe/Amsterdam",
            "description": "Office hours",
            "periods": [*OFFICE, {"weekday": 5, "start_time": "22:00", "end_time": "00:00"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    calendar = BusinessCalendar.objects.get(pk=body["id"])
    assert calendar.name == "Service desk NL"
    assert len(body["periods"]) == 6
    assert body["periods"][-1] == {
        **body["periods"][-1],
        "weekday": 5,
        "start_time": "22:00:00",
        "end_time": "00:00:00",
    }
    assert body["holidays"] == []
    assert JournalEntry.objects.filter(record_id=calendar.pk, actor=admin_person).exists()


def test_a_service_level_administrator_changes_name_and_hours(api, sla_admin, office):
    response = api.as_(sla_admin).patch(
        f"{URL}{office.pk}/",
        {
            "name": "Mornings",
            "periods": [{"weekday": 0, "start_time": "08:00", "end_time": "12:00"}],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "Mornings"
    assert [(p["weekday"], p["start_time"]) for p in response.json()["periods"]] == [
        (0, "08:00:00")
    ]
    assert response.json()["holidays"][0]["name"] == "Christmas Day"
    office.refresh_from_db()
    assert office.name == "Mornings"


def test_put_replaces_the_fields_and_keeps_hours_when_not_given(api, admin_person, office):
    response = api.as_(admin_person).put(
        f"{URL}{office.pk}/",
        {"name": "Office", "time_zone": "UTC", "description": ""},
        format="json",
    )
    assert response.status_code == 200, response.json()
    office.refresh_from_db()
    assert (office.name, office.time_zone, office.description) == ("Office", "UTC", "")
    assert office.periods.count() == 5


def test_holidays_are_added_and_removed(api, admin_person, office):
    api.as_(admin_person)
    added = api.post(
        f"{URL}{office.pk}/holidays/", {"date": "2025-04-27", "name": "King's Day"}, format="json"
    )
    assert added.status_code == 201, added.json()
    assert added.json()["date"] == "2025-04-27"
    holiday = Holiday.objects.get(pk=added.json()["id"])
    assert holiday.calendar == office

    again = api.post(
        f"{URL}{office.pk}/holidays/", {"date": "2025-04-27", "name": "Twice"}, format="json"
    )
    assert again.status_code == 400
    assert "already a holiday" in field_errors(again)["date"][0]

    removed = api.delete(f"{URL}{office.pk}/holidays/{holiday.pk}/")
    assert removed.status_code == 204
    assert not Holiday.objects.filter(pk=holiday.pk).exists()
    assert api.delete(f"{URL}{office.pk}/holidays/{holiday.pk}/").status_code == 404


def test_a_holiday_of_another_calendar_cannot_be_removed_through_this_one(
    api, admin_person, office
):
    other = BusinessCalendarFactory(name="Other")
    theirs = Holiday.objects.create(calendar=other, date=date(2025, 1, 1), name="New Year")
    assert (
        api.as_(admin_person).delete(f"{URL}{office.pk}/holidays/{theirs.pk}/").status_code == 404
    )
    assert Holiday.objects.filter(pk=theirs.pk).exists()


def test_an_analyst_may_read_but_not_write(api, analyst, office):
    before = snapshot()
    holiday = office.holidays.get()
    api.as_(analyst)
    answers = [
        api.post(URL, {"name": "Mine", "time_zone": "UTC"}, format="json"),
        api.patch(f"{URL}{office.pk}/", {"name": "Taken"}, format="json"),
        api.put(f"{URL}{office.pk}/", {"name": "Taken", "time_zone": "UTC"}, format="json"),
        api.post(f"{URL}{office.pk}/holidays/", {"date": "2025-01-01", "name": "x"}, format="json"),
        api.delete(f"{URL}{office.pk}/holidays/{holiday.pk}/"),
        # Even a bad payload is refused for the right, not judged on its content.
        api.patch(f"{URL}{office.pk}/", {"time_zone": "Nowhere"}, format="json"),
    ]
    assert [a.status_code for a in answers] == [403] * 6
    assert snapshot() == before


@pytest.mark.parametrize("who", ["no_role_person", "requester"])
def test_others_may_not_write(api, office, request, who):
    before = snapshot()
    api.as_(request.getfixturevalue(who))
    assert api.post(URL, {"name": "Mine", "time_zone": "UTC"}, format="json").status_code == 403
    assert api.patch(f"{URL}{office.pk}/", {"name": "Taken"}, format="json").status_code == 403
    assert snapshot() == before


def test_anonymous_writes_are_refused(api, office):
    before = snapshot()
    assert api.post(URL, {"name": "Mine", "time_zone": "UTC"}, format="json").status_code == 401
    assert api.delete(f"{URL}{office.pk}/holidays/{office.holidays.get().pk}/").status_code == 401
    assert snapshot() == before


# --- Bad input ----------------------------------------------------------------------


def test_a_bad_time_zone_is_a_field_error_and_nothing_is_written(api, admin_person, office):
    before = snapshot()
    api.as_(admin_person)
    created = api.post(
        URL, {"name": "Mars", "time_zone": "Mars/Olympus", "periods": OFFICE}, format="json"
    )
    assert created.status_code == 400
    assert list(field_errors(created)) == ["time_zone"]
    changed = api.patch(
        f"{URL}{office.pk}/", {"name": "Renamed", "time_zone": "CEST"}, format="json"
    )
    assert changed.status_code == 400
    assert "time_zone" in field_errors(changed)
    assert snapshot() == before


def test_overlapping_periods_are_a_field_error_and_nothing_is_written(api, admin_person, office):
    before = snapshot()
    overlapping = [
        {"weekday": 0, "start_time": "08:00", "end_time": "12:30"},
        {"weekday": 0, "start_time": "12:00", "end_time": "17:00"},
    ]
    api.as_(admin_person)
    created = api.post(
        URL, {"name": "Overlap", "time_zone": "UTC", "periods": overlapping}, format="json"
    )
    assert created.status_code == 400
    assert field_errors(created) == {
        "periods": [
            "Monday 08:00-12:30 overlaps Monday 12:00-17:00: periods on one day must not overlap."
        ]
    }
    changed = api.patch(
        f"{URL}{office.pk}/", {"name": "Renamed", "periods": overlapping}, format="json"
    )
    assert changed.status_code == 400
    assert "periods" in refused(changed)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"time_zone": "UTC"}, "name"),
        ({"name": "Office hours", "time_zone": "UTC"}, "name"),
        (
            {
                "name": "X",
                "time_zone": "UTC",
                "periods": [{"weekday": 9, "start_time": "08:00", "end_time": "09:00"}],
            },
            "periods",
        ),
        (
            {
                "name": "X",
                "time_zone": "UTC",
                "periods": [{"weekday": 0, "start_time": "soon", "end_time": "09:00"}],
            },
            "periods",
        ),
        (
            {
                "name": "X",
                "time_zone": "UTC",
                "periods": [{"weekday": 0, "start_time": "17:00", "end_time": "09:00"}],
            },
            "periods",
        ),
        ({"name": "X", "time_zone": "UTC", "periods": "office hours"}, "periods"),
    ],
)
def test_bad_calendars_are_refused_with_field_messages(api, admin_person, office, payload, field):
    before = snapshot()
    response = api.as_(admin_person).post(URL, payload, format="json")
    assert response.status_code == 400
    assert field in refused(response)
    assert snapshot() == before


def test_a_bad_holiday_is_refused(api, admin_person, office):
    before = snapshot()
    api.as_(admin_person)
    response = api.post(
        f"{URL}{office.pk}/holidays/", {"date": "2025-02-30", "name": ""}, format="json"
    )
    assert response.status_code == 400
    assert set(field_errors(response)) == {"date", "name"}
    assert snapshot() == before


# --- Business time ------------------------------------------------------------------


def business_time(api, calendar, **params):
    return api.get(f"{URL}{calendar.pk}/business-time/", params)


def test_when_a_duration_runs_out(api, analyst, office):
    api.as_(analyst)
    # Friday 1 March 2024 16:00 CET + 2 business hours = Monday 09:00 CET.
    response = business_time(api, office, start="2024-03-01T16:00:00+01:00", duration="7200")
    assert response.status_code == 200
    assert response.json() == {
        "start": "2024-03-01T15:00:00Z",
        "duration_seconds": 7200,
        "due": "2024-03-04T08:00:00Z",
    }


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        ("2024-03-01T16:00:00+01:00", "02:00", "2024-03-04T08:00:00Z"),
        ("2024-03-01T16:00:00+01:00", "PT2H", "2024-03-04T08:00:00Z"),
        # Without an offset the start is the calendar's local time.
        ("2024-03-01T16:00:00", "PT2H", "2024-03-04T08:00:00Z"),
        # A '+' the client forgot to encode arrives as a space.
        ("2024-03-01T16:00:00 01:00", "PT2H", "2024-03-04T08:00:00Z"),
        ("2024-03-01T15:00:00Z", "0", "2024-03-01T15:00:00Z"),
        # Christmas is a holiday: Tuesday 24 December 16:00 + 2 h -> Thursday 26th 09:00.
        ("2024-12-24T16:00:00+01:00", "7200", "2024-12-26T08:00:00Z"),
    ],
)
def test_duration_formats(api, analyst, office, start, duration, due):
    response = business_time(api.as_(analyst), office, start=start, duration=duration)
    assert response.status_code == 200, response.json()
    assert response.json()["due"] == due


def test_business_time_between_two_moments(api, analyst, office):
    response = business_time(
        api.as_(analyst), office, start="2024-03-01T16:00:00+01:00", end="2024-03-04T09:30:00+01:00"
    )
    assert response.status_code == 200
    assert response.json()["business_seconds"] == 2.5 * 3600
    backwards = business_time(
        api, office, start="2024-03-04T09:30:00+01:00", end="2024-03-01T16:00:00+01:00"
    )
    assert backwards.json()["business_seconds"] == -2.5 * 3600


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"duration": "60"}, "start"),
        ({"start": "yesterday", "duration": "60"}, "start"),
        ({"start": "2024-02-30T09:00:00Z", "duration": "60"}, "start"),
        ({"start": "2024-03-01T09:00:00Z", "duration": "an hour"}, "duration"),
        ({"start": "2024-03-01T09:00:00Z", "duration": "-PT1H"}, "duration"),
        ({"start": "2024-03-01T09:00:00Z", "duration": "99999999999"}, "duration"),
        ({"start": "2024-03-01T09:00:00Z", "end": "later"}, "end"),
        ({"start": "2024-03-01T09:00:00Z"}, "non_field_errors"),
        (
            {"start": "2024-03-01T09:00:00Z", "duration": "60", "end": "2024-03-02T09:00:00Z"},
            "non_field_errors",
        ),
    ],
)
def test_bad_business_time_parameters_are_field_errors(api, analyst, office, params, field):
    response = business_time(api.as_(analyst), office, **params)
    assert response.status_code == 400
    assert field in field_errors(response)


def test_a_calendar_without_hours_has_no_business_time(api, analyst):
    empty = BusinessCalendarFactory(name="Empty", office_hours=False)
    response = business_time(api.as_(analyst), empty, start="2024-03-01T09:00:00Z", duration="60")
    assert response.status_code == 409
    assert "no working hours" in error_detail(response)


# --- Schema -------------------------------------------------------------------------


def test_the_schema_describes_the_calendar_endpoints_without_warnings():
    router = DefaultRouter()
    calendars_api.register(router)
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=[path("api/v1/", include(router.urls))]).get_schema(
        request=None, public=True
    )
    assert not GENERATOR_STATS, (
        dict(GENERATOR_STATS._warn_cache),
        dict(GENERATOR_STATS._error_cache),
    )
    assert {
        "/api/v1/calendars/",
        "/api/v1/calendars/{id}/",
        "/api/v1/calendars/{id}/holidays/",
        "/api/v1/calendars/{id}/holidays/{holiday_id}/",
        "/api/v1/calendars/{id}/business-time/",
    } <= set(schema["paths"])
    for name in (
        "BusinessCalendar",
        "WorkingPeriod",
        "Holiday",
        "BusinessTimeDue",
        "BusinessTimeSpan",
    ):
        assert name in schema["components"]["schemas"]
