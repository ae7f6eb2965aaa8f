"""Issue 16, "a release roadmap picture": which releases and CAB meetings the roadmap
draws, the geometry (months, lanes that keep bars and labels apart, today's line), the
page with its table alternative, the API, and who may see it."""

import datetime as dt
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from steward.core import numbering
from steward.core.tests.api import field_errors
from steward.releases.choices import MeetingStatus, ReleaseStatus
from steward.releases.models import Cab, CabMeeting, Release
from steward.releases.queries import kpis as queries
from steward.releases.services.releases import backlog_release
from steward.releases.views import kpis as views

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
ROADMAP = "/api/v1/release-roadmap/"


def _release(service, title, **fields):
    release = Release(title=title, service=service, **fields)
    numbering.assign(release)
    release.save()
    return release


def _meeting(cab, starts_at, status=MeetingStatus.SCHEDULED):
    meeting = CabMeeting(cab=cab, starts_at=starts_at, status=status,
                         submission_deadline=starts_at - 2 * DAY, place="Room 4")  # fmt: skip
    numbering.assign(meeting)
    meeting.save()
    return meeting


@pytest.fixture
def planned(service, other_service):
    """E-mail: a window now, a window overlapping the start of the roadmap, a start only,
    a target date only, no dates (not drawn), abandoned (not drawn), far ahead (not
    drawn), the backlog release (not drawn); Payroll: a window next month. CAB meetings:
    one next week, a cancelled one (not drawn)."""
    now = timezone.now()
    window = queries.roadmap_window()
    made = {
        "now": _release(service, "Now", planned_start=now - 3 * DAY, planned_end=now + 4 * DAY,
                        target_date=now + 5 * DAY, status=ReleaseStatus.COORDINATION),
        "edge": _release(service, "Edge", planned_start=window.start - 20 * DAY,
                         planned_end=window.start + 5 * DAY, status=ReleaseStatus.CLOSED),
        "start_only": _release(service, "Start only", planned_start=now + 20 * DAY),
        "target_only": _release(service, "Target only", target_date=now + 40 * DAY,
                                status=ReleaseStatus.JUSTIFICATION),
        "undated": _release(service, "Undated"),
        "abandoned": _release(service, "Abandoned", planned_start=now, planned_end=now + DAY,
                              status=ReleaseStatus.ABANDONED),
        "far": _release(service, "Far", planned_start=now + 400 * DAY,
                        planned_end=now + 410 * DAY),
        "payroll": _release(other_service, "Payroll next month", planned_start=now + 30 * DAY,
                            planned_end=now + 35 * DAY),
    }  # fmt: skip
    backlog_release(service)
    cab = Cab.objects.create(service=service, name="E-mail CAB")
    made["meeting"] = _meeting(cab, now + 7 * DAY)
    _meeting(cab, now + 8 * DAY, status=MeetingStatus.CANCELLED)
    return made


def test_the_window_is_whole_months_around_today():
    window = queries.roadmap_window(2, 6)
    this_month = timezone.localdate().replace(day=1)
    assert len(window.months) == 9 and window.months[2] == this_month
    assert timezone.localtime(window.start).date() == window.months[0]
    assert timezone.localtime(window.end).date() == queries._add_months(window.months[-1], 1)
    assert queries.roadmap_window(0, 1).months == [this_month, queries._add_months(this_month, 1)]
    assert queries._add_months(dt.date(2026, 12, 1), 1) == dt.date(2027, 1, 1)
    assert queries._add_months(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)


def test_which_releases_and_meetings_are_drawn(planned, release_coordinator, other_service):
    found = queries.roadmap(release_coordinator, queries.roadmap_window())
    titles = {r.title for r in found["releases"]}
    assert titles == {"Now", "Edge", "Start only", "Target only", "Payroll next month"}
    assert [m.pk for m in found["meetings"]] == [planned["meeting"].pk]
    one = queries.roadmap(release_coordinator, queries.roadmap_window(), other_service.pk)
    assert [r.title for r in one["releases"]] == ["Payroll next month"] and not one["meetings"]


def test_the_picture(planned, release_coordinator):
    data = queries.roadmap(release_coordinator, queries.roadmap_window())
    picture = views.roadmap_picture(data)
    assert [row.service.name for row in picture["rows"]] == ["E-mail", "Payroll"]
    email = picture["rows"][0]
    marks = {m.release.title: m for lane in email.lanes for m in lane}
    assert marks["Now"].width > 0 and marks["Target only"].width == 0  # a bar; a diamond
    assert marks["Start only"].width == 0  # a start without an end: a diamond at it
    assert marks["Edge"].x == views.LABEL_W  # clipped to the roadmap's first day
    assert marks["Now"].x < picture["today_x"] < marks["Now"].x + marks["Now"].width
    assert (
        marks["Now"].target_x is not None and marks["Now"].colour == views.COLOURS["coordination"]
    )
    assert len(email.meetings) == 1 and email.meetings[0]["x"] > picture["today_x"]
    assert len(picture["months"]) == 9
    # no two marks of a lane overlap, labels included
    for lane in email.lanes:
        for left, right in itertools.pairwise(lane):
            assert left.extent[1] <= right.extent[0]


def test_overlapping_releases_take_separate_lanes(release_coordinator, service):
    now = timezone.now()
    for n in range(3):  # three at once: three lanes
        _release(service, f"Parallel {n}", planned_start=now + n * DAY,
                 planned_end=now + (n + 10) * DAY)  # fmt: skip
    later = now + 90 * DAY
    _release(service, "Later", planned_start=later, planned_end=later + DAY)
    picture = views.roadmap_picture(queries.roadmap(release_coordinator, queries.roadmap_window()))
    lanes = picture["rows"][0].lanes
    assert len(lanes) == 3
    assert [m.release.title for m in lanes[0]] == ["Parallel 0", "Later"]
    ys = sorted({m.y for lane in lanes for m in lane})
    assert len(ys) == 3 and ys[1] - ys[0] == views.LANE_H


def test_the_page_draws_the_releases_and_lists_them(client, planned, release_coordinator):
    client.force_login(release_coordinator)
    page = client.get(reverse("releases:roadmap"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="roadmap"' in body and "Today" in body and "style=" not in body
    for key in ("now", "edge", "start_only", "target_only", "payroll"):
        release = planned[key]
        assert body.count(f'href="{reverse("releases:release-detail", args=[release.pk])}"') == 2
    for key in ("undated", "abandoned", "far"):
        assert planned[key].number not in body
    assert "<polygon" in body and planned["meeting"].number in body
    assert [m.release.title for m in page.context["marks"]][:1] == ["Edge"]


def test_the_page_for_one_service_and_another_window(
    client, planned, release_coordinator, other_service
):
    client.force_login(release_coordinator)
    page = client.get(
        reverse("releases:roadmap"), {"service": other_service.pk, "behind": 0, "ahead": 2}
    )
    assert page.status_code == 200
    assert [m.release.title for m in page.context["marks"]] == ["Payroll next month"]
    assert len(page.context["window"].months) == 3


def test_an_empty_roadmap_says_so(client, release_coordinator):
    client.force_login(release_coordinator)
    body = client.get(reverse("releases:roadmap")).content.decode()
    assert "No release or CAB meeting in these months." in body
    assert "No release is planned in these months." in body


@pytest.mark.parametrize("params", [{"ahead": "0"}, {"behind": "-1"}, {"ahead": "25"}, {"behind": "x"}, {"service": "999999"}])  # fmt: skip
def test_the_page_refuses_a_bad_window(client, release_coordinator, params):
    client.force_login(release_coordinator)
    page = client.get(reverse("releases:roadmap"), params)
    assert page.status_code == 400 and page.context["form"].errors


def test_the_api(api, planned, release_coordinator, other_service):
    answer = api.as_(release_coordinator).get(ROADMAP)
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert {r["title"] for r in data["releases"]} == {
        "Now", "Edge", "Start only", "Target only", "Payroll next month",
    }  # fmt: skip
    assert [m["number"] for m in data["meetings"]] == [planned["meeting"].number]
    now = next(r for r in data["releases"] if r["title"] == "Now")
    assert now["status"] == "coordination" and now["service_name"] == "E-mail"
    one = api.as_(release_coordinator).get(ROADMAP, {"service": other_service.pk, "ahead": 3})
    assert [r["title"] for r in one.json()["releases"]] == ["Payroll next month"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"ahead": "0"}, "ahead"), ({"behind": "99"}, "behind"), ({"service": "999999"}, "service"),
     ({"months": "3"}, "months")],
)  # fmt: skip
def test_the_api_refuses_bad_parameters(api, release_coordinator, params, field):
    answer = api.as_(release_coordinator).get(ROADMAP, params)
    assert answer.status_code == 400 and field in field_errors(answer)


def test_customer_side_people_may_not_see_the_roadmap(api, client, requester, no_role_person):
    for person in (requester, no_role_person):
        assert api.as_(person).get(ROADMAP).status_code == 403
        client.force_login(person)
        assert client.get(reverse("releases:roadmap")).status_code == 403


def test_the_page_reads_a_bounded_number_of_queries(
    client, release_coordinator, service, other_service, django_assert_max_num_queries
):
    now = timezone.now()
    cab = Cab.objects.create(service=service, name="E-mail CAB")
    for n in range(30):
        _release(service if n % 2 else other_service, f"R{n}", planned_start=now + n * DAY,
                 planned_end=now + (n + 3) * DAY)  # fmt: skip
        _meeting(cab, now + n * DAY)
    client.force_login(release_coordinator)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("releases:roadmap")).status_code == 200
