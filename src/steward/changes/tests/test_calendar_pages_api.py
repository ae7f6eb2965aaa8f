"""The change calendar over HTTP: /api/v1/change-calendar/, its conflict check, a change's
conflicts, /api/v1/planned-events/ and the pages, with their denials."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from steward.changes.models import Change, PlannedEvent
from steward.changes.services import calendar as svc
from steward.core.tests.api import field_errors

T0 = datetime(2027, 3, 3, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def two_changes(make_change, service):
    """Two changes on E-mail overlapping 10:00-11:00."""
    first, second = make_change(title="Upgrade"), make_change(title="Reboot")
    Change.objects.filter(pk=first.pk).update(planned_start=T0, planned_end=T0 + 2 * H)
    Change.objects.filter(pk=second.pk).update(planned_start=T0 + H, planned_end=T0 + 3 * H)
    return first, second


@pytest.fixture
def blackout(change_manager):
    return svc.planned_event_create(
        actor=change_manager,
        title="Quarter end",
        kind="blackout",
        starts_at=T0 + 24 * H,
        ends_at=T0 + 48 * H,
    )


def test_calendar_api_lists_entries_with_conflicts(client, change_manager, two_changes, blackout):
    client.force_login(change_manager)
    answer = client.get(
        "/api/v1/change-calendar/", {"start": "2027-03-01T00:00:00Z", "end": "2027-04-01T00:00:00Z"}
    )
    assert answer.status_code == 200
    rows = {row["number"]: row for row in answer.json()}
    first, second = two_changes
    [conflict] = rows[first.number]["conflicts"]
    assert conflict["number"] == second.number and conflict["why"] == "same service E-mail"
    assert conflict["overlap_start"].startswith("2027-03-03T10:00")
    assert rows[blackout.number]["blackout"] is True


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "yesterday", "end": "2027-04-01T00:00:00Z"}, "start"),
        ({"start": "2027-03-01T00:00:00Z"}, "end"),
        ({"start": "2027-03-01T00:00:00Z", "end": "2027-02-01T00:00:00Z"}, "end"),
        ({"start": "2027-01-01T00:00:00Z", "end": "2027-06-01T00:00:00Z"}, "end"),  # > 92 days
        ({"start": "0001-01-01T00:00:00Z", "end": "0001-02-01T00:00:00Z"}, "start"),
        ({"start": "2027-03-01T00:00:00Z", "end": "2027-04-01T00:00:00Z", "ci": "x"}, "ci"),
        ({"start": "2027-03-01T00:00:00Z", "end": "2027-04-01T00:00:00Z", "when": "1"}, "when"),
    ],
)
def test_calendar_api_refuses_bad_ranges_naming_the_field(client, change_manager, query, field):
    client.force_login(change_manager)
    answer = client.get("/api/v1/change-calendar/", query)
    assert answer.status_code == 400
    assert field in field_errors(answer)


def test_conflict_check_of_a_proposed_window(client, change_coordinator, two_changes, service):
    client.force_login(change_coordinator)
    body = {"start": iso(T0 + 2 * H), "end": iso(T0 + 4 * H), "services": [service.pk]}
    answer = client.post(
        "/api/v1/change-calendar/conflicts/", body, content_type="application/json"
    )
    assert answer.status_code == 200
    assert [row["number"] for row in answer.json()] == [two_changes[1].number]
    bad = client.post(
        "/api/v1/change-calendar/conflicts/",
        {**body, "end": iso(T0)},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "end" in field_errors(bad)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start": "2027-03-03T10:00:00+23:59", "end": "x"}, "end"),
        ({"start": None, "end": "2027-03-03T10:00:00Z"}, "start"),
        ({"start": "2027-03-03T10:00:00Z", "end": "2027-03-03T11:00:00Z", "cis": "1"}, "cis"),
        ({"start": "2027-03-03T10:00:00Z", "end": "2027-03-03T11:00:00Z",
          "services": [10**20]}, "services.0"),
        ({"start": "2027-03-03T10:00:00Z", "end": "2027-03-03T11:00:00Z",
          "exclude_change": "me"}, "exclude_change"),
    ],
)  # fmt: skip
def test_conflict_check_refuses_bad_bodies(client, change_manager, body, field):
    client.force_login(change_manager)
    answer = client.post(
        "/api/v1/change-calendar/conflicts/", body, content_type="application/json"
    )
    assert answer.status_code == 400
    assert field in field_errors(answer)


def test_a_far_offset_is_read_in_utc(client, change_manager, two_changes, service):
    client.force_login(change_manager)
    body = {"start": "2027-03-04T09:59:00+23:59", "end": "2027-03-03T11:30:00Z",
            "services": [service.pk]}  # fmt: skip
    answer = client.post(
        "/api/v1/change-calendar/conflicts/", body, content_type="application/json"
    )
    assert answer.status_code == 200 and len(answer.json()) == 2


def test_a_changes_conflicts(client, change_manager, two_changes):
    client.force_login(change_manager)
    first, second = two_changes
    answer = client.get(f"/api/v1/change-conflicts/{first.pk}/")
    assert answer.status_code == 200
    assert [row["number"] for row in answer.json()] == [second.number]
    assert client.get("/api/v1/change-conflicts/999999/").status_code == 404


def test_customers_and_strangers_see_no_calendar(client, representative, two_changes):
    query = {"start": "2027-03-01T00:00:00Z", "end": "2027-04-01T00:00:00Z"}
    assert client.get("/api/v1/change-calendar/", query).status_code in (401, 403)
    client.force_login(representative)
    assert client.get("/api/v1/change-calendar/", query).status_code == 403
    assert client.get(reverse("changes:calendar")).status_code == 403
    assert client.get("/api/v1/planned-events/").status_code == 403


def test_planned_events_api_create_update_cancel(client, change_manager, service):
    client.force_login(change_manager)
    body = {
        "title": "Backups",
        "kind": "maintenance",
        "starts_at": iso(T0),
        "ends_at": iso(T0 + H),
        "services": [service.pk],
    }
    created = client.post("/api/v1/planned-events/", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    changed = client.patch(
        f"/api/v1/planned-events/{pk}/",
        {"ends_at": iso(T0 + 2 * H)},
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["ends_at"].startswith("2027-03-03T11:00")
    inverted = client.patch(
        f"/api/v1/planned-events/{pk}/", {"ends_at": iso(T0 - H)}, content_type="application/json"
    )
    assert inverted.status_code == 400 and "ends_at" in field_errors(inverted)
    cancelled = client.post(f"/api/v1/planned-events/{pk}/cancel/", {"reason": "Moved"})
    assert cancelled.status_code == 200 and cancelled.json()["is_cancelled"] is True
    assert client.post(f"/api/v1/planned-events/{pk}/cancel/").status_code == 409


def test_planned_events_api_denials(
    client, specialist, change_coordinator, other_service, blackout
):
    body = {
        "title": "x",
        "kind": "maintenance",
        "starts_at": iso(T0),
        "ends_at": iso(T0 + H),
        "services": [other_service.pk],
    }
    client.force_login(specialist)
    assert (
        client.post("/api/v1/planned-events/", body, content_type="application/json").status_code
        == 403
    )
    assert client.post(f"/api/v1/planned-events/{blackout.pk}/cancel/").status_code == 403
    client.force_login(change_coordinator)  # E-mail's coordinator: not Payroll's, no blackouts
    assert (
        client.post("/api/v1/planned-events/", body, content_type="application/json").status_code
        == 403
    )
    assert client.post(f"/api/v1/planned-events/{blackout.pk}/cancel/").status_code == 403
    assert PlannedEvent.objects.count() == 1
    assert not PlannedEvent.objects.get().is_cancelled


# --- pages ------------------------------------------------------------------------------


def test_month_and_week_pages_mark_conflicts(client, change_manager, two_changes, blackout):
    client.force_login(change_manager)
    month = client.get(reverse("changes:calendar"), {"date": "2027-03-03"})
    assert month.status_code == 200
    page = month.content.decode()
    assert "March 2027" in page and "2 in conflict" in page
    assert "Blackout: Quarter end" in page
    week = client.get(reverse("changes:calendar"), {"view": "week", "date": "2027-03-03"})
    text = week.content.decode()
    second = two_changes[1]
    assert f"{second.number}</a> Reboot: same service E-mail" in text
    bad = client.get(reverse("changes:calendar"), {"date": "03/03/2027"})
    assert bad.status_code == 200 and "Enter a valid date" in bad.content.decode()


def test_change_page_shows_its_conflicts(client, change_manager, two_changes):
    client.force_login(change_manager)
    first, second = two_changes
    page = client.get(reverse("changes:change-detail", args=[first.pk])).content.decode()
    assert 'id="conflicts"' in page and second.number in page and "same service E-mail" in page


def test_planned_event_pages(client, change_manager, service):
    client.force_login(change_manager)
    form = client.get(reverse("changes:planned-event-create"))
    assert form.status_code == 200
    posted = client.post(
        reverse("changes:planned-event-create"),
        {
            "title": "Network maintenance",
            "kind": "maintenance",
            "starts_at": "2027-03-05T20:00",
            "ends_at": "2027-03-05T23:00",
            "services": [service.pk],
            "cis": "",
        },
    )
    assert posted.status_code == 302, posted.content.decode()[:2000]
    event = PlannedEvent.objects.get()
    assert client.get(reverse("changes:planned-event-detail", args=[event.pk])).status_code == 200
    assert client.get(reverse("changes:planned-event-list")).status_code == 200
    edit = client.get(reverse("changes:planned-event-edit", args=[event.pk]))
    assert edit.status_code == 200
    refused = client.post(
        reverse("changes:planned-event-create"),
        {"title": "x", "kind": "maintenance", "starts_at": "2027-03-05T20:00",
         "ends_at": "2027-03-05T19:00", "services": [service.pk]},
    )  # fmt: skip
    assert refused.status_code in (200, 400) and "after the start" in refused.content.decode()
    cancel = client.post(reverse("changes:planned-event-cancel", args=[event.pk]), {"reason": ""})
    assert cancel.status_code == 302
    assert PlannedEvent.objects.get().is_cancelled


def test_planned_event_pages_deny_who_may_not_plan(client, specialist):
    client.force_login(specialist)
    assert client.get(reverse("changes:planned-event-create")).status_code == 403
    assert client.get(reverse("changes:calendar")).status_code == 200


def test_an_ended_change_shows_no_conflicts_section(client, change_manager, two_changes):
    client.force_login(change_manager)
    first = two_changes[0]
    Change.objects.filter(pk=first.pk).update(status="closed")
    page = client.get(reverse("changes:change-detail", args=[first.pk])).content.decode()
    assert 'id="conflicts"' not in page
