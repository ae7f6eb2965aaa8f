"""Request for change handling (seed 003 ch. 10 proc. 1): receiving a request Change
Management hands over, the release coordinator's review branch by branch through the
service, the API and the pages, with the denials."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from steward.changes.models import RequestForChange
from steward.changes.services.rfcs import rfc_review
from steward.core.errors import InvalidTransition
from steward.core.models import JournalEntry, Notification
from steward.core.tests.api import field_errors
from steward.releases.models import CabMeeting, RfcHandling
from steward.releases.services import handling as svc
from steward.releases.services.releases import backlog_release

pytestmark = pytest.mark.django_db

FIX = {"problem_fix": True, "single_coordinator": True, "functionality_changes": False,
       "extra_funding": False}  # fmt: skip
FUNCTIONAL = {**FIX, "problem_fix": False, "functionality_changes": True}
FUNDED_FIX = {**FIX, "extra_funding": True}


def _handling(rfc) -> RfcHandling:
    return RfcHandling.objects.select_related("rfc", "release").get(rfc=rfc)


def _review(actor, handling, decision, answers, **more):
    return svc.handling_review(actor=actor, handling_id=handling.pk, decision=decision,
                               **answers, **more)  # fmt: skip


# --- Receiving --------------------------------------------------------------------------


def test_handing_an_rfc_over_makes_its_handling(make_rfc, service) -> None:
    rfc = make_rfc(problem_fix=False, extra_funding=True)
    assert rfc.status == "to_release"
    handling = _handling(rfc)
    assert handling.status == "received" and handling.service == service
    assert handling.received_at is not None
    assert (handling.problem_fix, handling.single_coordinator, handling.functionality_changes,
            handling.extra_funding) == (False, True, True, True)  # fmt: skip
    assert JournalEntry.objects.filter(record_id=handling.pk, kind="created").exists()


def test_receiving_is_idempotent_and_catches_up_earlier_requests(
    make_rfc, release_coordinator, other_release_coordinator
) -> None:
    rfc = make_rfc()
    first = _handling(rfc)
    assert svc.handling_receive(rfc) == first
    RfcHandling.objects.all().delete()  # handed over before Release Management received
    assert svc.handlings_receive_waiting(actor=other_release_coordinator) == 0
    assert svc.handlings_receive_waiting(actor=release_coordinator) == 1
    assert svc.handlings_receive_waiting(actor=release_coordinator) == 0
    assert _handling(rfc).status == "received"


def test_reading_the_queue_never_writes(client, make_rfc, release_coordinator) -> None:
    rfc = make_rfc()
    RfcHandling.objects.all().delete()
    client.force_login(release_coordinator)
    assert client.get("/releases/requests/").status_code == 200
    assert client.get("/api/v1/release-requests/").status_code == 200
    assert not RfcHandling.objects.filter(rfc=rfc).exists()


# --- The review, branch by branch (proc. 1) ---------------------------------------------

CASES = [
    # (name, rfc source, answers, decision, more, status, rfc status)
    ("problem fix within the provisos: passed back", None, FIX, "pass_back",
     {"note": "One change coordinator can do it."}, "passed_back", "submitted"),
    ("from Release Management: passed back", "release", FUNCTIONAL, "pass_back", {},
     "passed_back", "submitted"),
    ("functional change: the CAB's list", None, FUNCTIONAL, "cab",
     {"effort_hours": "40", "cost": "3200"}, "cab_list", "to_release"),
    ("problem fix with extra funding: a release without the CAB", None, FUNDED_FIX, "no_cab",
     {"release": True}, "in_release", "to_release"),
    ("problem fix by several coordinators: a new release", None,
     {**FIX, "single_coordinator": False}, "no_cab", {"new_release_title": "Mail fixes"},
     "in_release", "to_release"),
]  # fmt: skip


@pytest.mark.parametrize("name, source, answers, decision, more, status, rfc_status", CASES,
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_each_branch_of_procedure_1(
    name, source, answers, decision, more, status, rfc_status, make_rfc, make_release,
    release_coordinator, change_coordinator, service,
) -> None:  # fmt: skip
    rfc = make_rfc()
    if source:
        RequestForChange.objects.filter(pk=rfc.pk).update(source=source)
    handling = _handling(rfc)
    more = dict(more)
    if more.pop("release", None):
        more["release_id"] = make_release().pk
    done = _review(release_coordinator, handling, decision, answers,
                   expected_version=handling.lock_version, **more)  # fmt: skip
    done.refresh_from_db()
    rfc.refresh_from_db()
    assert done.status == status and rfc.status == rfc_status
    assert done.coordinator == release_coordinator and done.decided_at is not None
    assert [getattr(done, n) for n in svc.CONDITIONS] == [answers[n] for n in svc.CONDITIONS]
    if status == "passed_back":
        assert done.cab_required is None and done.release is None
        assert [getattr(rfc, n) for n in svc.CONDITIONS] == [answers[n] for n in svc.CONDITIONS]
        assert Notification.objects.filter(recipient=change_coordinator,
                                           event="rfc.passed_back").exists()  # fmt: skip
        assert JournalEntry.objects.filter(record_id=rfc.pk, kind="transition").exists()
    elif status == "cab_list":
        assert done.cab_required is True and done.release == backlog_release(service)
        assert done.effort_hours == Decimal("40.0") and done.cost == Decimal("3200.00")
    else:
        assert done.cab_required is False and not done.release.is_backlog
        assert done.release.service == service
        if "new_release_title" in more:
            assert done.release.title == "Mail fixes"


def test_a_request_passed_back_and_handed_over_again_is_received_again(
    make_rfc, release_coordinator, change_coordinator
) -> None:
    rfc = make_rfc()
    _review(release_coordinator, _handling(rfc), "pass_back", FIX)
    # The change coordinator finds it needs Release Management after all.
    rfc_review(actor=change_coordinator, rfc_id=rfc.pk, decision="to_release",
               extra_funding=True)  # fmt: skip
    handling = _handling(rfc)
    assert handling.status == "received" and handling.extra_funding is True
    assert handling.decided_at is None and handling.coordinator is None


def test_the_wrong_decision_is_refused_naming_the_expected_one(
    make_rfc, release_coordinator
) -> None:
    handling = _handling(make_rfc())
    with pytest.raises(ValidationError) as refused:
        _review(release_coordinator, handling, "no_cab", FUNCTIONAL)
    assert "add it to the next CAB meeting's list" in refused.value.message_dict["decision"][0]
    with pytest.raises(ValidationError) as refused:
        _review(release_coordinator, handling, "cab", FIX)
    assert "pass it back" in refused.value.message_dict["decision"][0]
    assert _handling(handling.rfc).status == "received"


def test_the_cab_needs_effort_and_cost(make_rfc, release_coordinator) -> None:
    handling = _handling(make_rfc())
    with pytest.raises(ValidationError) as refused:
        _review(release_coordinator, handling, "cab", FUNCTIONAL)
    assert set(refused.value.message_dict) == {"effort_hours", "cost"}
    with pytest.raises(ValidationError) as refused:
        _review(release_coordinator, handling, "cab", FUNCTIONAL, effort_hours="8", cost="-5")
    assert set(refused.value.message_dict) == {"cost"}
    assert _handling(handling.rfc).status == "received"


@pytest.mark.parametrize(
    "more, field",
    [
        ({}, "release"),
        ({"release_id": 999999}, "release"),
        ({"backlog": True}, "release"),
        ({"release_id": 1, "new_release_title": "Both"}, "new_release_title"),
    ],
)
def test_no_cab_needs_an_open_release_of_the_service(
    more, field, make_rfc, release_coordinator, service
) -> None:
    handling = _handling(make_rfc())
    more = dict(more)
    if more.pop("backlog", None):
        more["release_id"] = backlog_release(service).pk
    with pytest.raises(ValidationError) as refused:
        _review(release_coordinator, handling, "no_cab", FUNDED_FIX, **more)
    assert field in refused.value.message_dict
    assert _handling(handling.rfc).status == "received"


def test_the_answers_must_be_yes_or_no(make_rfc, release_coordinator) -> None:
    handling = _handling(make_rfc())
    with pytest.raises(ValidationError) as refused:
        _review(release_coordinator, handling, "cab", {**FUNCTIONAL, "extra_funding": None})
    assert "extra_funding" in refused.value.message_dict


def test_the_next_cab_meeting_is_named(make_rfc, release_coordinator, cab, service) -> None:
    now = timezone.now()
    soon = CabMeeting.objects.create(cab=cab, number="CABM000001", starts_at=now + dt.timedelta(days=2),
                                     submission_deadline=now - dt.timedelta(hours=1))  # fmt: skip
    assert "following meeting (none scheduled yet)" in svc.next_meeting_text(service)
    CabMeeting.objects.create(cab=cab, number="CABM000002", starts_at=now + dt.timedelta(days=30),
                              submission_deadline=now + dt.timedelta(days=28))  # fmt: skip
    text = svc.next_meeting_text(service)
    assert soon.number in text and "CABM000002" in text and "passed" in text
    CabMeeting.objects.filter(pk=soon.pk).update(submission_deadline=now + dt.timedelta(days=1))
    assert svc.next_meeting_text(service).startswith("It will be reviewed at CABM000001")
    handling = _handling(make_rfc())
    _review(release_coordinator, handling, "cab", FUNCTIONAL, effort_hours="3", cost="100")
    assert JournalEntry.objects.filter(record_id=handling.pk, kind="system",
                                       body__contains="CABM000001").exists()  # fmt: skip


# --- Denials and conflicts --------------------------------------------------------------


def test_only_a_release_coordinator_of_the_service_reviews(
    make_rfc, other_release_coordinator, cab_members, requester, change_coordinator
) -> None:
    handling = _handling(make_rfc())
    for actor in (other_release_coordinator, cab_members[0], change_coordinator):
        with pytest.raises(PermissionDenied):
            _review(actor, handling, "cab", FUNCTIONAL, effort_hours="1", cost="1")
    after = _handling(handling.rfc)
    assert after.status == "received" and after.lock_version == handling.lock_version


def test_a_second_review_is_a_conflict(make_rfc, release_coordinator) -> None:
    handling = _handling(make_rfc())
    _review(release_coordinator, handling, "cab", FUNCTIONAL, effort_hours="1", cost="1")
    with pytest.raises(InvalidTransition):
        _review(release_coordinator, handling, "cab", FUNCTIONAL, effort_hours="1", cost="1")


# --- API --------------------------------------------------------------------------------


def _body(decision, answers, **more):
    return {"decision": decision, **answers, **more}


def test_api_lists_reviews_and_refuses(
    api, make_rfc, release_coordinator, other_release_coordinator, cab_members, requester
) -> None:
    handling = _handling(make_rfc())
    url = f"/api/v1/release-requests/{handling.pk}/review/"
    client = api.as_(release_coordinator)
    listed = client.get("/api/v1/release-requests/", {"status": "received"})
    assert listed.status_code == 200 and listed.json()["results"][0]["id"] == handling.pk
    steps = client.get(f"/api/v1/release-requests/{handling.pk}/next-steps/")
    assert steps.status_code == 200 and "review" in str(steps.json())
    wrong = client.post(url, _body("no_cab", FUNCTIONAL), format="json")
    assert wrong.status_code == 400 and "CAB meeting" in field_errors(wrong)["decision"][0]
    missing = client.post(url, _body("cab", FUNCTIONAL), format="json")
    assert missing.status_code == 400
    assert {"effort_hours", "cost"} <= set(field_errors(missing))
    unanswered = client.post(url, {"decision": "cab"}, format="json")
    assert unanswered.status_code == 400 and "problem_fix" in field_errors(unanswered)
    for outsider, codes in ((other_release_coordinator, {403}), (cab_members[0], {403}),
                            (requester, {403, 404})):  # fmt: skip
        denied = api.as_(outsider).post(url, _body("cab", FUNCTIONAL, effort_hours="1",
                                                   cost="1"), format="json")  # fmt: skip
        assert denied.status_code in codes
    assert api.as_(requester).get(f"/api/v1/release-requests/{handling.pk}/").status_code in (
        403, 404)  # fmt: skip
    assert _handling(handling.rfc).status == "received"
    done = api.as_(release_coordinator).post(
        url, _body("cab", FUNCTIONAL, effort_hours="12.5", cost="900"), format="json"
    )
    assert done.status_code == 200, done.content
    again = api.as_(release_coordinator).post(
        url, _body("cab", FUNCTIONAL, effort_hours="12.5", cost="900"), format="json"
    )
    assert again.status_code == 409
    got = api.as_(release_coordinator).get(f"/api/v1/release-requests/{handling.pk}/").json()
    assert got["status"] == "cab_list" and got["effort_hours"] == "12.5"


# --- Pages ------------------------------------------------------------------------------


def test_the_queue_and_the_record_page(client, make_rfc, release_coordinator) -> None:
    rfc = make_rfc(title="Shared mailboxes for teams")
    handling = _handling(rfc)
    client.force_login(release_coordinator)
    queue = client.get("/releases/requests/").content.decode()
    assert rfc.number in queue and "Shared mailboxes for teams" in queue
    assert rfc.number in client.get("/releases/requests/", {"q": rfc.number}).content.decode()
    assert rfc.number not in client.get("/releases/requests/",
                                        {"status": "passed_back"}).content.decode()  # fmt: skip
    page = client.get(f"/releases/requests/{handling.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Request form" in text and "Review" in text and "passed back to Change" in text
    # The rule's decision for the answers (a functional change) is pre-selected.
    assert 'value="cab" selected' in text
    home = client.get("/").content.decode()
    assert "Requests for change to review" in home and rfc.number in home


def test_page_posts_show_form_errors_and_review(client, make_rfc, release_coordinator) -> None:
    handling = _handling(make_rfc())
    url = f"/releases/requests/{handling.pk}/review/"
    form = {"problem_fix": "false", "single_coordinator": "true",
            "functionality_changes": "true", "extra_funding": "false",
            "decision": "cab"}  # fmt: skip
    client.force_login(release_coordinator)
    bad = client.post(url, form)
    assert bad.status_code in (200, 400)
    assert "Estimate the implementation effort" in bad.content.decode()
    wrong = client.post(url, {**form, "decision": "pass_back"})
    assert "Procedure 1 says" in wrong.content.decode()
    assert _handling(handling.rfc).status == "received"
    done = client.post(url, {**form, "effort_hours": "16", "cost": "1200"})
    assert done.status_code == 302
    assert _handling(handling.rfc).status == "cab_list"


def test_pages_are_refused_to_others(
    client, make_rfc, other_release_coordinator, requester, cab_members
) -> None:
    handling = _handling(make_rfc())
    url = f"/releases/requests/{handling.pk}/review/"
    form = {"problem_fix": "false", "single_coordinator": "true",
            "functionality_changes": "true", "extra_funding": "false",
            "decision": "cab", "effort_hours": "1", "cost": "1"}  # fmt: skip
    for outsider in (other_release_coordinator, cab_members[0], requester):
        client.force_login(outsider)
        answer = client.post(url, form)
        assert answer.status_code in (403, 404) or "may not" in answer.content.decode()
    client.force_login(requester)
    assert client.get(f"/releases/requests/{handling.pk}/").status_code in (403, 404)
    assert client.get("/releases/requests/").status_code in (403, 404)
    assert _handling(handling.rfc).status == "received"
