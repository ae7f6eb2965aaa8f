"""Proc. 2, Release Definition: CABs and their members, the meeting lifecycle with every
refusal, the close with the next meeting agreed, and the release coordinator's steps
after the meeting (close the rejected, publish the minutes, register the release), the
pages, the API and the reminder job."""

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from steward.core.errors import DomainError, InvalidTransition
from steward.core.models import Notification
from steward.core.tests.api import field_errors
from steward.core.tests.factories import make_person
from steward.releases.models import Cab, CabAgendaItem, CabMeeting, Release, RfcHandling
from steward.releases.services import cabs as svc
from steward.releases.services.releases import backlog_release

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def waiting(make_rfc: Any, service: Any, **fields: Any) -> RfcHandling:
    """A request for change on the CAB's list (the handling topic's step, made directly)."""
    rfc = make_rfc(**fields)  # handed over: the hand-over made its handling, received
    RfcHandling.objects.filter(rfc=rfc).update(
        status="cab_list", release=backlog_release(service), effort_hours=8, cost=800
    )
    return RfcHandling.objects.get(rfc=rfc)


def schedule(coordinator: Any, cab: Cab, *, deadline_passed: bool = True) -> CabMeeting:
    now = timezone.now()
    return svc.meeting_schedule(
        actor=coordinator, cab_id=cab.pk, starts_at=now + DAY, place="Room 4",
        submission_deadline=now - dt.timedelta(hours=1) if deadline_passed else now + DAY / 2,
    )  # fmt: skip


def in_session(coordinator: Any, cab: Cab) -> CabMeeting:
    meeting = schedule(coordinator, cab)
    svc.meeting_invite(actor=coordinator, meeting_id=meeting.pk)
    svc.meeting_finalise(actor=coordinator, meeting_id=meeting.pk)
    return svc.meeting_open(actor=coordinator, meeting_id=meeting.pk)


def close(coordinator: Any, meeting: CabMeeting, **extra: Any) -> CabMeeting:
    now = timezone.now()
    return svc.meeting_close(actor=coordinator, meeting_id=meeting.pk,
                             next_starts_at=now + 30 * DAY, next_place="Room 5",
                             next_deadline=now + 25 * DAY, **extra)  # fmt: skip


# --- CABs -----------------------------------------------------------------------------


def test_a_cab_is_set_up_with_members_holding_the_role(
    service, provider, release_coordinator, cab_members
) -> None:
    cab = svc.cab_create(actor=release_coordinator, service_id=service.pk, name="Mail CAB",
                         member_ids=[p.pk for p in cab_members], usual_place="Room 1")  # fmt: skip
    assert set(cab.members.all()) == set(cab_members) and cab.usual_place == "Room 1"
    everywhere = make_person("cab_member", organisation=provider, username="globalcab")
    updated = svc.cab_update(actor=release_coordinator, cab_id=cab.pk,
                             data={"members": [cab_members[0].pk, everywhere.pk]},
                             expected_version=cab.lock_version)  # fmt: skip
    assert set(updated.members.all()) == {cab_members[0], everywhere}
    with pytest.raises(ValidationError) as second:
        svc.cab_create(actor=release_coordinator, service_id=service.pk, name="Again")
    assert "service" in second.value.message_dict


def test_members_without_the_role_for_the_service_are_named(
    service, other_service, provider, release_coordinator, analyst
) -> None:
    elsewhere = make_person("cab_member", organisation=provider, scope=other_service,
                            username="paycab", first_name="Pay", last_name="Roll")  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        svc.cab_create(actor=release_coordinator, service_id=service.pk, name="Mail CAB",
                       member_ids=[elsewhere.pk, analyst.pk])  # fmt: skip
    message = " ".join(refused.value.message_dict["members"])
    assert "Pay Roll" in message and analyst.display_name in message
    assert not Cab.objects.exists()


def test_only_who_manages_cabs_of_the_service_sets_one_up(
    service, other_release_coordinator, cab_members
) -> None:
    with pytest.raises(PermissionDenied):
        svc.cab_create(actor=other_release_coordinator, service_id=service.pk, name="X")
    with pytest.raises(PermissionDenied):
        svc.cab_create(actor=cab_members[0], service_id=service.pk, name="X")


def test_cab_api_and_pages(client, service, release_coordinator, cab_members, outsider) -> None:
    client.force_login(release_coordinator)
    made = client.post("/api/v1/cabs/", {"service": service.pk, "name": "Mail CAB",
                                         "members": [p.pk for p in cab_members]},
                       content_type="application/json")  # fmt: skip
    assert made.status_code == 201, made.content
    body = made.json()
    assert sorted(body["members"]) == sorted(p.pk for p in cab_members)
    bad = client.patch(f"/api/v1/cabs/{body['id']}/", {"members": [outsider.pk]},
                       content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and "members" in field_errors(bad)
    page = client.get(f"/releases/cabs/{body['id']}/")
    assert page.status_code == 200 and "Ann Member" in page.content.decode()
    assert "Mail CAB" in client.get("/releases/cabs/").content.decode()
    client.force_login(outsider)
    denied = client.patch(f"/api/v1/cabs/{body['id']}/", {"name": "Mine"},
                          content_type="application/json")  # fmt: skip
    assert denied.status_code == 403
    assert (
        client.post("/releases/cabs/new/", {"service": service.pk, "name": "X"}).status_code == 403
    )


# --- The meeting lifecycle ------------------------------------------------------------


def test_the_meeting_lifecycle_invites_finalises_opens_and_tells_the_members(
    cab, cab_members, release_coordinator, make_rfc, service
) -> None:
    second, first = waiting(make_rfc, service), waiting(make_rfc, service)
    meeting = schedule(release_coordinator, cab)
    assert meeting.number.startswith("CABM") and meeting.status == "scheduled"
    svc.meeting_invite(actor=release_coordinator, meeting_id=meeting.pk)
    invited = Notification.objects.filter(event="cab_meeting.invitation")
    assert {n.recipient_id for n in invited} == {p.pk for p in cab_members}
    assert "Room 4" in invited.first().body and "submitted" in invited.first().body
    svc.meeting_finalise(actor=release_coordinator, meeting_id=meeting.pk)
    agenda = list(CabAgendaItem.objects.filter(meeting=meeting).order_by("position"))
    assert [i.rfc_id for i in agenda] == sorted([first.rfc_id, second.rfc_id],
                                                key=lambda pk: RfcHandling.objects.get(rfc_id=pk).rfc.number)  # fmt: skip
    assert Notification.objects.filter(event="cab_meeting.agenda").count() == 3
    opened = svc.meeting_open(actor=release_coordinator, meeting_id=meeting.pk)
    assert opened.status == "in_session" and set(opened.members.all()) == set(cab_members)


@pytest.mark.parametrize(
    "starts, deadline, field",
    [
        (-DAY, -2 * DAY, "starts_at"),
        (DAY, 2 * DAY, "submission_deadline"),
        (None, DAY, "starts_at"),
        (DAY, None, "submission_deadline"),
    ],
)
def test_scheduling_refuses_bad_dates(cab, release_coordinator, starts, deadline, field) -> None:
    now = timezone.now()
    with pytest.raises(ValidationError) as refused:
        svc.meeting_schedule(actor=release_coordinator, cab_id=cab.pk,
                             starts_at=now + starts if starts is not None else None,
                             submission_deadline=now + deadline if deadline is not None else None)  # fmt: skip
    assert field in refused.value.message_dict
    assert not CabMeeting.objects.exists()


def test_the_list_is_finalised_only_after_the_deadline(cab, release_coordinator) -> None:
    meeting = schedule(release_coordinator, cab, deadline_passed=False)
    with pytest.raises(InvalidTransition):
        svc.meeting_finalise(actor=release_coordinator, meeting_id=meeting.pk)  # not invited
    svc.meeting_invite(actor=release_coordinator, meeting_id=meeting.pk)
    with pytest.raises(DomainError) as early:
        svc.meeting_finalise(actor=release_coordinator, meeting_id=meeting.pk)
    assert "deadline" in str(early.value)
    meeting.refresh_from_db()
    assert meeting.status == "invited" and not meeting.agenda.exists()


def test_the_wrong_steps_and_the_wrong_people_are_refused(
    cab, release_coordinator, other_release_coordinator, cab_members
) -> None:
    meeting = schedule(release_coordinator, cab)
    for step in (svc.meeting_open, svc.meeting_close_rejected):
        with pytest.raises(DomainError):
            step(actor=release_coordinator, meeting_id=meeting.pk)
    with pytest.raises(DomainError):
        close(release_coordinator, meeting)
    for who in (other_release_coordinator, cab_members[0]):
        with pytest.raises(PermissionDenied):
            svc.meeting_invite(actor=who, meeting_id=meeting.pk)


def test_a_cab_without_members_cannot_open(cab, release_coordinator) -> None:
    meeting = schedule(release_coordinator, cab)
    svc.meeting_invite(actor=release_coordinator, meeting_id=meeting.pk)
    svc.meeting_finalise(actor=release_coordinator, meeting_id=meeting.pk)
    cab.members.clear()
    with pytest.raises(DomainError) as refused:
        svc.meeting_open(actor=release_coordinator, meeting_id=meeting.pk)
    assert "no members" in str(refused.value)


def test_reschedule_re_invites_and_only_before_the_list(
    cab, cab_members, release_coordinator
) -> None:
    meeting = schedule(release_coordinator, cab)
    svc.meeting_invite(actor=release_coordinator, meeting_id=meeting.pk)
    now = timezone.now()
    moved = svc.meeting_reschedule(actor=release_coordinator, meeting_id=meeting.pk,
                                   starts_at=now + 2 * DAY, submission_deadline=now + DAY,
                                   place="Room 9")  # fmt: skip
    assert moved.place == "Room 9"
    assert Notification.objects.filter(event="cab_meeting.invitation").count() == 6
    svc.meeting_reschedule(actor=release_coordinator, meeting_id=meeting.pk,
                           starts_at=now + 2 * DAY, submission_deadline=now - DAY)  # fmt: skip
    svc.meeting_finalise(actor=release_coordinator, meeting_id=meeting.pk)
    with pytest.raises(DomainError):
        svc.meeting_reschedule(actor=release_coordinator, meeting_id=meeting.pk,
                               starts_at=now + 3 * DAY, submission_deadline=now)  # fmt: skip
    cancelled = svc.meeting_cancel(actor=release_coordinator, meeting_id=meeting.pk, reason="Ill")
    assert cancelled.status == "cancelled"
    with pytest.raises(InvalidTransition):
        svc.meeting_invite(actor=release_coordinator, meeting_id=meeting.pk)


# --- Close and after the meeting ------------------------------------------------------


@pytest.mark.parametrize("missing", ["next_starts_at", "next_place", "next_deadline"])
def test_close_requires_the_next_meeting(cab, release_coordinator, missing) -> None:
    meeting = in_session(release_coordinator, cab)
    now = timezone.now()
    values = {"next_starts_at": now + 30 * DAY, "next_place": "Room 5",
              "next_deadline": now + 25 * DAY}  # fmt: skip
    values[missing] = "" if missing == "next_place" else None
    with pytest.raises(ValidationError) as refused:
        svc.meeting_close(actor=release_coordinator, meeting_id=meeting.pk, **values)
    assert missing in refused.value.message_dict
    meeting.refresh_from_db()
    assert meeting.status == "in_session" and CabMeeting.objects.count() == 1


def test_the_whole_meeting_decides_closes_rejected_publishes_and_registers(
    cab, cab_members, release_coordinator, make_rfc, service, requester
) -> None:
    rejected, included, undecided = (waiting(make_rfc, service) for _ in range(3))
    meeting = in_session(release_coordinator, cab)
    ballots = [("reject", "include", "include"), ("reject", "include", "reject"),
               ("reject", "no_opinion", "no_opinion")]  # fmt: skip
    for member, ballot in zip(cab_members, ballots, strict=True):
        svc.meeting_vote(actor=member, meeting_id=meeting.pk,
                         votes=dict(zip((rejected.rfc_id, included.rfc_id, undecided.rfc_id),
                                        ballot, strict=True)))  # fmt: skip
    closed = close(release_coordinator, meeting, minutes="Draft")
    assert closed.status == "closed" and closed.next_meeting.status == "scheduled"
    assert closed.next_meeting.place == "Room 5"
    outcomes = {i.rfc_id: i.outcome for i in closed.agenda.all()}
    assert outcomes == {rejected.rfc_id: "rejected", included.rfc_id: "included",
                        undecided.rfc_id: "backlog"}  # fmt: skip
    # The order of the steps after the meeting: close the rejected, minutes, release.
    with pytest.raises(DomainError):
        svc.meeting_publish_minutes(actor=release_coordinator, meeting_id=meeting.pk, minutes="M")
    with pytest.raises(DomainError):
        svc.meeting_register_release(actor=release_coordinator, meeting_id=meeting.pk, title="R")
    svc.meeting_close_rejected(actor=release_coordinator, meeting_id=meeting.pk)
    rejected.refresh_from_db()
    rejected.rfc.refresh_from_db()
    assert rejected.status == "rejected"
    assert rejected.rfc.status == "rejected" and rejected.rfc.rejection == "cab"
    told = Notification.objects.get(event="request_for_change.rejected_by_cab")
    assert told.recipient == requester and meeting.number in told.title
    with pytest.raises(DomainError):
        svc.meeting_close_rejected(actor=release_coordinator, meeting_id=meeting.pk)
    with pytest.raises(ValidationError):
        svc.meeting_publish_minutes(actor=release_coordinator, meeting_id=meeting.pk, minutes=" ")
    svc.meeting_publish_minutes(actor=release_coordinator, meeting_id=meeting.pk,
                                minutes="Agreed: one rejected, one included.")  # fmt: skip
    assert Notification.objects.filter(event="cab_meeting.minutes").count() == 3
    done = svc.meeting_register_release(actor=release_coordinator, meeting_id=meeting.pk,
                                        title="Mail 2027.2", estimated_cost="5000")  # fmt: skip
    release = done.release
    assert release.cab_defined and release.cab_meeting == meeting
    included.refresh_from_db()
    undecided.refresh_from_db()
    assert included.status == "in_release" and included.release == release
    assert undecided.status == "cab_list" and undecided.release.is_backlog
    with pytest.raises(DomainError):
        svc.meeting_register_release(actor=release_coordinator, meeting_id=meeting.pk, title="R")
    # The next meeting's list: the undecided request, not the decided ones.
    following = closed.next_meeting
    CabMeeting.objects.filter(pk=following.pk).update(
        submission_deadline=timezone.now() - dt.timedelta(minutes=1))  # fmt: skip
    svc.meeting_invite(actor=release_coordinator, meeting_id=following.pk)
    svc.meeting_finalise(actor=release_coordinator, meeting_id=following.pk)
    assert [i.rfc_id for i in following.agenda.all()] == [undecided.rfc_id]
    assert Release.objects.filter(is_backlog=False).count() == 1


def test_decided_but_not_yet_processed_requests_stay_off_the_next_list(
    cab, cab_members, release_coordinator, make_rfc, service
) -> None:
    handling = waiting(make_rfc, service)
    meeting = in_session(release_coordinator, cab)
    for member in cab_members:
        svc.meeting_vote(actor=member, meeting_id=meeting.pk, votes={handling.rfc_id: "reject"})
    closed = close(release_coordinator, meeting)
    assert svc.agenda_candidates(closed.next_meeting) == []


def test_after_close_nothing_is_voted_and_outcomes_stay(
    cab, cab_members, release_coordinator, make_rfc, service
) -> None:
    handling = waiting(make_rfc, service)
    meeting = in_session(release_coordinator, cab)
    svc.meeting_vote(
        actor=cab_members[0], meeting_id=meeting.pk, votes={handling.rfc_id: "include"}
    )
    close(release_coordinator, meeting)
    with pytest.raises(DomainError):
        svc.meeting_vote(actor=cab_members[1], meeting_id=meeting.pk,
                         votes={handling.rfc_id: "include"})  # fmt: skip
    with pytest.raises(InvalidTransition):
        close(release_coordinator, meeting)
    item = CabAgendaItem.objects.get(meeting=meeting)
    assert item.outcome == "backlog" and item.include_votes == 1 and item.members_count == 3


def test_meeting_api_steps_and_representation(
    client, cab, cab_members, release_coordinator, make_rfc, service
) -> None:
    handling = waiting(make_rfc, service)
    client.force_login(release_coordinator)
    now = timezone.now()
    made = client.post("/api/v1/cab-meetings/", {
        "cab": cab.pk, "starts_at": (now + DAY).isoformat(),
        "submission_deadline": (now - DAY).isoformat()}, content_type="application/json")  # fmt: skip
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    for step in ("invite", "finalise", "open"):
        answer = client.post(f"/api/v1/cab-meetings/{pk}/{step}/", content_type="application/json")
        assert answer.status_code == 200, (step, answer.content)
    client.force_login(cab_members[0])
    voted = client.post(f"/api/v1/cab-meetings/{pk}/vote/",
                        {"votes": {str(handling.rfc_id): "include"}},
                        content_type="application/json")  # fmt: skip
    assert voted.status_code == 200, voted.content
    item = voted.json()["agenda"][0]
    assert item["include_votes"] == 1 and item["votes"][0]["member"] == cab_members[0].pk
    assert voted.json()["votes_needed"] == 2
    client.force_login(release_coordinator)
    bad = client.post(f"/api/v1/cab-meetings/{pk}/close/", {"next_place": "Room 5"},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 400
    assert {"next_starts_at", "next_deadline"} <= set(field_errors(bad))
    closed = client.post(f"/api/v1/cab-meetings/{pk}/close/", {
        "next_starts_at": (now + 30 * DAY).isoformat(), "next_place": "Room 5",
        "next_deadline": (now + 20 * DAY).isoformat()}, content_type="application/json")  # fmt: skip
    assert closed.status_code == 200, closed.content
    assert closed.json()["agenda"][0]["outcome"] == "backlog"
    assert closed.json()["next_meeting"]
    steps = client.get(f"/api/v1/cab-meetings/{pk}/next-steps/").json()
    assert [s["key"] for s in steps] == ["publish-minutes"]  # nothing rejected to close


def test_meeting_pages_show_the_steps_and_the_outcome(
    client, cab, cab_members, release_coordinator, make_rfc, service
) -> None:
    handling = waiting(make_rfc, service, title="Shared mailboxes")
    meeting = in_session(release_coordinator, cab)
    client.force_login(cab_members[0])
    page = client.get(f"/releases/meetings/{meeting.pk}/").content.decode()
    assert "Shared mailboxes" in page and "Cast my votes" in page and "2 of 3 members" in page
    posted = client.post(f"/releases/meetings/{meeting.pk}/vote/",
                         {f"vote_{handling.rfc_id}": "include"})  # fmt: skip
    assert posted.status_code == 302
    page = client.get(f"/releases/meetings/{meeting.pk}/").content.decode()
    assert "Cast my votes" not in page and "Include in the next release" in page
    client.force_login(release_coordinator)
    now = timezone.now()
    fmt = "%Y-%m-%dT%H:%M"
    closed = client.post(f"/releases/meetings/{meeting.pk}/close/", {
        "next_starts_at": timezone.localtime(now + 30 * DAY).strftime(fmt),
        "next_place": "Room 5",
        "next_deadline": timezone.localtime(now + 20 * DAY).strftime(fmt)})  # fmt: skip
    assert closed.status_code == 302, closed.content.decode()[:3000]
    page = client.get(f"/releases/meetings/{meeting.pk}/").content.decode()
    assert "Back to the backlog" in page
    listing = client.get("/releases/meetings/").content.decode()
    assert meeting.number in listing


def test_my_work_lists_meetings_to_vote_in(
    client, cab, cab_members, release_coordinator, make_rfc, service
) -> None:
    from steward.releases.queries.cabs import meetings_to_vote

    handling = waiting(make_rfc, service)
    meeting = in_session(release_coordinator, cab)
    assert list(meetings_to_vote(cab_members[0])) == [meeting]
    svc.meeting_vote(actor=cab_members[0], meeting_id=meeting.pk, votes={handling.rfc_id: "reject"})
    assert list(meetings_to_vote(cab_members[0])) == []
    assert list(meetings_to_vote(release_coordinator)) == []


def test_the_reminder_tells_once_about_a_passed_deadline(cab, release_coordinator) -> None:
    meeting = schedule(release_coordinator, cab)
    later = schedule(release_coordinator, cab, deadline_passed=False)
    assert svc.meeting_reminders() == 1
    assert svc.meeting_reminders() == 0
    told = Notification.objects.filter(event="cab_meeting.deadline_passed")
    assert told.count() == 1 and told.get().record_id == meeting.pk
    assert later.pk != meeting.pk
