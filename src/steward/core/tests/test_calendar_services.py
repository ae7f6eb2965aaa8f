"""Calendar services: who may change service hours and holidays, what is refused, and
that every change is journalled with its author and leaves nothing half-written."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from steward.core import queries
from steward.core.calendars import add_business_time
from steward.core.choices import JournalKind
from steward.core.models import BusinessCalendar, Holiday, JournalEntry, WorkingPeriod
from steward.core.services.calendars import (
    calendar_create,
    calendar_set_periods,
    calendar_update,
    holiday_add,
    holiday_remove,
)
from steward.core.tests.factories import BusinessCalendarFactory, staff_fixture

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
OFFICE = [{"weekday": d, "start_time": time(8), "end_time": time(17)} for d in range(5)]


def entries(calendar: BusinessCalendar) -> list[JournalEntry]:
    return list(
        JournalEntry.objects.filter(
            record_type=ContentType.objects.get_for_model(BusinessCalendar), record_id=calendar.pk
        ).order_by("id")
    )


def hours(calendar: BusinessCalendar) -> list[tuple[int, time, time]]:
    return [
        (p.weekday, p.start_time, p.end_time)
        for p in WorkingPeriod.objects.filter(calendar=calendar).order_by("weekday", "start_time")
    ]


sla_admin = staff_fixture("sla_admin", "service_level_administrator", "sla")


@pytest.fixture
def calendar(db):
    return BusinessCalendarFactory(name="Office hours")


@pytest.fixture
def refused(analyst, no_role_person, requester):
    """People who may see calendars or not, but may not change them."""
    return {
        "analyst": analyst,
        "no role": no_role_person,
        "requester": requester,
        "anonymous": AnonymousUser(),
    }


# --- Create -------------------------------------------------------------------------


class TestCreate:
    def test_an_administrator_creates_a_calendar_with_hours_and_holidays(self, admin_person):
        calendar = calendar_create(
            actor=admin_person,
            name="  Service desk NL ",
            time_zone="Europe/Amsterdam",
            description="Dutch office hours",
            periods=OFFICE,
            holidays=[{"date": date(2025, 12, 25), "name": "Christmas Day"}],
        )
        assert calendar.name == "Service desk NL"
        assert calendar.time_zone == "Europe/Amsterdam"
        assert hours(calendar) == [(d, time(8), time(17)) for d in range(5)]
        assert list(calendar.holidays.values_list("date", "name")) == [
            (date(2025, 12, 25), "Christmas Day")
        ]
        [entry] = entries(calendar)
        assert entry.kind == JournalKind.CREATED
        assert entry.actor == admin_person

    def test_a_service_level_administrator_may_create_one(self, sla_admin):
        calendar = calendar_create(actor=sla_admin, name="24x7", time_zone="UTC")
        assert calendar.pk is not None
        assert hours(calendar) == []

    @pytest.mark.parametrize("who", ["analyst", "no role", "requester", "anonymous"])
    def test_others_may_not(self, refused, who):
        with pytest.raises(PermissionDenied):
            calendar_create(actor=refused[who], name="Mine", time_zone="UTC", periods=OFFICE)
        assert not BusinessCalendar.objects.exists()
        assert not JournalEntry.objects.exists()

    @pytest.mark.parametrize(
        "zone", ["Mars/Olympus", "", "localtime", "../etc/passwd", "europe/amsterdam"]
    )
    def test_an_unknown_time_zone_is_refused(self, admin_person, zone):
        with pytest.raises(ValidationError) as caught:
            calendar_create(actor=admin_person, name="Bad", time_zone=zone, periods=OFFICE)
        assert "time_zone" in caught.value.message_dict
        assert not BusinessCalendar.objects.exists()
        assert not WorkingPeriod.objects.exists()

    def test_names_are_unique(self, admin_person, calendar):
        with pytest.raises(ValidationError) as caught:
            calendar_create(actor=admin_person, name="Office hours", time_zone="UTC")
        assert "name" in caught.value.message_dict
        assert BusinessCalendar.objects.count() == 1

    def test_a_holiday_listed_twice_is_refused(self, admin_person):
        twice = [{"date": date(2025, 1, 1), "name": "New Year"}] * 2
        with pytest.raises(ValidationError) as caught:
            calendar_create(actor=admin_person, name="Twice", time_zone="UTC", holidays=twice)
        assert "holidays" in caught.value.message_dict
        assert not BusinessCalendar.objects.exists()


# --- Working periods ------------------------------------------------------------------


class TestPeriods:
    def test_replacing_the_weekly_hours_is_journalled_with_old_and_new(
        self, admin_person, calendar
    ):
        calendar_set_periods(
            actor=admin_person,
            calendar_id=calendar.pk,
            periods=[
                {"weekday": 0, "start_time": "09:00", "end_time": "12:00"},
                {"weekday": 0, "start_time": "12:00", "end_time": "17:30"},  # touching is fine
                {"weekday": 6, "start_time": "22:00", "end_time": "00:00"},  # until midnight
            ],
        )
        assert hours(calendar) == [
            (0, time(9), time(12)),
            (0, time(12), time(17, 30)),
            (6, time(22), time(0)),
        ]
        [entry] = entries(calendar)
        assert entry.kind == JournalKind.FIELD_CHANGE
        assert entry.actor == admin_person
        assert entry.field == "periods"
        assert entry.old_value.startswith("Monday 08:00-17:00, Tuesday 08:00-17:00")
        assert entry.new_value == "Monday 09:00-12:00, Monday 12:00-17:30, Sunday 22:00-00:00"

    def test_setting_the_same_hours_again_changes_nothing(self, admin_person, calendar):
        calendar_set_periods(actor=admin_person, calendar_id=calendar.pk, periods=OFFICE)
        assert entries(calendar) == []

    def test_the_new_hours_drive_business_time(self, admin_person, calendar):
        friday_four = datetime(2024, 3, 1, 16, tzinfo=AMS)
        before = queries.calendar_for(admin_person, calendar.pk)
        assert add_business_time(friday_four, timedelta(hours=2), before) == datetime(
            2024, 3, 4, 9, tzinfo=AMS
        )
        saturday = [{"weekday": 5, "start_time": time(10), "end_time": time(14)}]
        calendar_set_periods(actor=admin_person, calendar_id=calendar.pk, periods=OFFICE + saturday)
        after = queries.calendar_for(admin_person, calendar.pk)
        assert add_business_time(friday_four, timedelta(hours=2), after) == datetime(
            2024, 3, 2, 11, tzinfo=AMS
        )

    @pytest.mark.parametrize(
        ("periods", "message"),
        [
            (
                [
                    {"weekday": 1, "start_time": "08:00", "end_time": "12:30"},
                    {"weekday": 1, "start_time": "12:00", "end_time": "17:00"},
                ],
                "Tuesday 08:00-12:30 overlaps Tuesday 12:00-17:00",
            ),
            (
                [
                    {"weekday": 2, "start_time": "20:00", "end_time": "00:00"},
                    {"weekday": 2, "start_time": "22:00", "end_time": "23:00"},
                ],
                "overlaps",
            ),
            ([{"weekday": 0, "start_time": "17:00", "end_time": "08:00"}], "end must be after"),
            ([{"weekday": 0, "start_time": "08:00", "end_time": "08:00"}], "end must be after"),
            ([{"weekday": 7, "start_time": "08:00", "end_time": "17:00"}], "weekday"),
            ([{"weekday": "monday", "start_time": "08:00", "end_time": "17:00"}], "weekday"),
            ([{"weekday": 0, "start_time": "8 o'clock", "end_time": "17:00"}], "not a time"),
            ([{"weekday": 0, "start_time": "25:00", "end_time": "26:00"}], "not a time"),
            ([{"weekday": 0, "start_time": "08:00"}], "end_time missing"),
            (["08:00-17:00"], "give weekday"),
        ],
    )
    def test_bad_periods_are_refused_and_the_old_ones_kept(
        self, admin_person, calendar, periods, message
    ):
        with pytest.raises(ValidationError) as caught:
            calendar_set_periods(actor=admin_person, calendar_id=calendar.pk, periods=periods)
        [text] = caught.value.message_dict["periods"]
        assert message in text
        assert hours(calendar) == [(d, time(8), time(17)) for d in range(5)]
        assert entries(calendar) == []

    @pytest.mark.parametrize("who", ["analyst", "no role", "requester", "anonymous"])
    def test_only_calendar_editors_may_change_hours(self, refused, calendar, who):
        with pytest.raises(PermissionDenied):
            calendar_set_periods(actor=refused[who], calendar_id=calendar.pk, periods=[])
        assert len(hours(calendar)) == 5
        assert entries(calendar) == []

    def test_an_unknown_calendar(self, admin_person):
        with pytest.raises(BusinessCalendar.DoesNotExist):
            calendar_set_periods(actor=admin_person, calendar_id=999_999, periods=OFFICE)


# --- Update -------------------------------------------------------------------------


class TestUpdate:
    def test_changes_are_journalled_per_field(self, sla_admin, calendar):
        calendar_update(
            actor=sla_admin,
            calendar_id=calendar.pk,
            data={"name": "Office NY", "time_zone": "America/New_York", "description": ""},
        )
        calendar.refresh_from_db()
        assert (calendar.name, calendar.time_zone) == ("Office NY", "America/New_York")
        changes = {e.field: (e.old_value, e.new_value, e.actor) for e in entries(calendar)}
        assert changes == {
            "name": ("Office hours", "Office NY", sla_admin),
            "time_zone": ("Europe/Amsterdam", "America/New_York", sla_admin),
        }

    def test_nothing_to_change_writes_nothing(self, admin_person, calendar):
        calendar_update(
            actor=admin_person,
            calendar_id=calendar.pk,
            data={"name": "Office hours", "periods": OFFICE},
        )
        assert entries(calendar) == []

    def test_periods_can_change_with_the_fields(self, admin_person, calendar):
        calendar_update(
            actor=admin_person,
            calendar_id=calendar.pk,
            data={
                "description": "Mornings",
                "periods": [{"weekday": 0, "start_time": "08:00", "end_time": "12:00"}],
            },
        )
        assert hours(calendar) == [(0, time(8), time(12))]
        assert {e.field for e in entries(calendar)} == {"description", "periods"}

    def test_a_bad_period_leaves_the_fields_unchanged_too(self, admin_person, calendar):
        overlapping = [*OFFICE, {"weekday": 0, "start_time": "16:00", "end_time": "18:00"}]
        with pytest.raises(ValidationError):
            calendar_update(
                actor=admin_person,
                calendar_id=calendar.pk,
                data={"name": "Renamed", "periods": overlapping},
            )
        calendar.refresh_from_db()
        assert calendar.name == "Office hours"
        assert len(hours(calendar)) == 5
        assert entries(calendar) == []

    def test_a_bad_time_zone_is_refused(self, admin_person, calendar):
        with pytest.raises(ValidationError) as caught:
            calendar_update(actor=admin_person, calendar_id=calendar.pk, data={"time_zone": "CEST"})
        assert list(caught.value.message_dict) == ["time_zone"]
        calendar.refresh_from_db()
        assert calendar.time_zone == "Europe/Amsterdam"

    def test_a_taken_name_is_refused(self, admin_person, calendar):
        BusinessCalendarFactory(name="Nights")
        with pytest.raises(ValidationError) as caught:
            calendar_update(actor=admin_person, calendar_id=calendar.pk, data={"name": "Nights"})
        assert "name" in caught.value.message_dict

    def test_unknown_fields_are_refused(self, admin_person, calendar):
        with pytest.raises(ValidationError) as caught:
            calendar_update(actor=admin_person, calendar_id=calendar.pk, data={"created_at": None})
        assert "created_at" in caught.value.message_dict

    @pytest.mark.parametrize("who", ["analyst", "no role", "requester", "anonymous"])
    def test_others_may_not_update(self, refused, calendar, who):
        with pytest.raises(PermissionDenied):
            calendar_update(
                actor=refused[who], calendar_id=calendar.pk, data={"name": "Taken over"}
            )
        calendar.refresh_from_db()
        assert calendar.name == "Office hours"
        assert entries(calendar) == []


# --- Holidays -----------------------------------------------------------------------


class TestHolidays:
    def test_adding_a_holiday_removes_that_day_from_business_time(self, admin_person, calendar):
        holiday = holiday_add(
            actor=admin_person, calendar_id=calendar.pk, date="2024-03-04", name=" Founders' Day "
        )
        assert (holiday.date, holiday.name) == (date(2024, 3, 4), "Founders' Day")
        [entry] = entries(calendar)
        assert (entry.field, entry.old_value, entry.new_value) == (
            "holiday",
            "",
            "2024-03-04 Founders' Day",
        )
        assert entry.actor == admin_person
        # Friday 16:00 + 2 h now runs into Tuesday.
        fresh = queries.calendar_for(admin_person, calendar.pk)
        due = add_business_time(datetime(2024, 3, 1, 16, tzinfo=AMS), timedelta(hours=2), fresh)
        assert due == datetime(2024, 3, 5, 8, tzinfo=UTC)

    def test_one_holiday_per_date(self, admin_person, calendar):
        holiday_add(
            actor=admin_person, calendar_id=calendar.pk, date=date(2025, 1, 1), name="New Year"
        )
        with pytest.raises(ValidationError) as caught:
            holiday_add(
                actor=admin_person, calendar_id=calendar.pk, date=date(2025, 1, 1), name="Again"
            )
        assert "already a holiday (New Year)" in caught.value.message_dict["date"][0]
        assert Holiday.objects.count() == 1

    @pytest.mark.parametrize(
        ("day", "name", "field"),
        [
            ("2025-02-30", "Leap", "date"),
            ("tomorrow", "Soon", "date"),
            (date(2025, 1, 1), "  ", "name"),
        ],
    )
    def test_bad_holidays_are_refused(self, admin_person, calendar, day, name, field):
        with pytest.raises(ValidationError) as caught:
            holiday_add(actor=admin_person, calendar_id=calendar.pk, date=day, name=name)
        assert field in caught.value.message_dict
        assert not Holiday.objects.exists()

    def test_removing_a_holiday(self, admin_person, calendar):
        holiday = holiday_add(
            actor=admin_person, calendar_id=calendar.pk, date=date(2025, 1, 1), name="New Year"
        )
        holiday_remove(actor=admin_person, calendar_id=calendar.pk, holiday_id=holiday.pk)
        assert not Holiday.objects.exists()
        removal = entries(calendar)[-1]
        assert (removal.field, removal.old_value, removal.new_value) == (
            "holiday",
            "2025-01-01 New Year",
            "",
        )

    def test_a_holiday_of_another_calendar_is_not_found(self, admin_person, calendar):
        other = BusinessCalendarFactory(name="Other")
        holiday = holiday_add(
            actor=admin_person, calendar_id=other.pk, date=date(2025, 1, 1), name="New Year"
        )
        with pytest.raises(Holiday.DoesNotExist):
            holiday_remove(actor=admin_person, calendar_id=calendar.pk, holiday_id=holiday.pk)
        assert Holiday.objects.filter(pk=holiday.pk).exists()

    @pytest.mark.parametrize("who", ["analyst", "no role", "requester", "anonymous"])
    def test_others_may_not_add_or_remove_holidays(self, refused, admin_person, calendar, who):
        kept = holiday_add(
            actor=admin_person, calendar_id=calendar.pk, date=date(2025, 1, 1), name="New Year"
        )
        with pytest.raises(PermissionDenied):
            holiday_add(
                actor=refused[who],
                calendar_id=calendar.pk,
                date=date(2025, 5, 5),
                name="Liberation",
            )
        with pytest.raises(PermissionDenied):
            holiday_remove(actor=refused[who], calendar_id=calendar.pk, holiday_id=kept.pk)
        assert list(Holiday.objects.values_list("date", flat=True)) == [date(2025, 1, 1)]
        assert len(entries(calendar)) == 1
