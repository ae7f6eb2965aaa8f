"""Change Approval (proc. 3) on the API, the pages and the signed link of the email: who
may decide (and who is refused, with nothing written), the representative's way in (no
staff record page, no /api/v1/changes/), and every state of the link."""

import datetime as dt

import pytest
from django.core import signing
from django.urls import reverse

from steward.changes.choices import ApprovalDecision, ChangeStatus
from steward.changes.models import Change, ChangePolicy
from steward.changes.services import approvals as svc
from steward.changes.tests import test_approvals as flow
from steward.core.tests.api import error_code, error_detail, field_errors

cast = flow.cast  # the people of procedure 3 (a fixture)
to_approval = flow.to_approval


@pytest.fixture
def asked(make_change, change_coordinator, cast):
    """A change whose approval round asks Acme's and Globex's representatives."""
    change = to_approval(make_change(), change_coordinator, functionality_changes=True)
    return svc.change_manager_review(actor=cast["manager"], change_id=change.pk, review="collect")


@pytest.fixture
def owners(make_change, change_coordinator, cast):
    """A change in approval, waiting for the manager's review; the owner approves it."""
    return to_approval(
        make_change(), change_coordinator, unavailable_in_service_hours=False,
        functionality_changes=False,
    )  # fmt: skip


def mine(change: Change, person):
    change = Change.objects.get(pk=change.pk)
    return change.approvals.get(approver=person, round=change.approval_round)


# --- API: the manager's review ---------------------------------------------------------------


def test_the_manager_reviews_through_the_api(api, owners, cast):
    url = f"/api/v1/changes/{owners.pk}/review/"
    steps = api.as_(cast["manager"]).get(f"/api/v1/changes/{owners.pk}/next-steps/").json()
    assert "review" in [s["key"] for s in steps]
    answer = api.as_(cast["manager"]).post(url, {"review": "adjust_plan"}, format="json")
    assert answer.status_code == 400 and "note" in field_errors(answer)
    answer = api.post(url, {"review": "collect"}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["approval_round"] == 1
    again = api.post(url, {"review": "collect"}, format="json")
    assert again.status_code == 409
    assert "being collected" in error_detail(again)


def test_a_policy_conflict_through_the_api_names_the_policy(api, owners, cast):
    policy = ChangePolicy.objects.create(name="Freeze", statement="No changes.")
    url = f"/api/v1/changes/{owners.pk}/review/"
    caller = api.as_(cast["manager"])
    answer = caller.post(url, {"review": "policy_conflict", "policy": 999999}, format="json")
    assert answer.status_code == 400 and "policy" in field_errors(answer)
    answer = caller.post(url, {"review": "policy_conflict", "policy": policy.pk}, format="json")
    assert answer.json()["status"] == ChangeStatus.REJECTED


def test_the_review_is_refused_to_everyone_but_a_change_manager(
    api,
    owners,
    cast,
    change_coordinator,
):
    url = f"/api/v1/changes/{owners.pk}/review/"
    for person in (change_coordinator, cast["owner"]):
        assert api.as_(person).post(url, {"review": "collect"}, format="json").status_code == 403
    assert api.as_(cast["acme"]).post(url, {"review": "collect"}, format="json").status_code == 403
    owners.refresh_from_db()
    assert owners.approval_round == 0


# --- API: the decisions -----------------------------------------------------------------------


def test_the_service_owner_approves_on_the_change(api, owners, cast):
    svc.change_manager_review(actor=cast["manager"], change_id=owners.pk, review="collect")
    owner = api.as_(cast["owner"])
    steps = [s["key"] for s in owner.get(f"/api/v1/changes/{owners.pk}/next-steps/").json()]
    assert "approve" in steps and "reject" in steps and "review" not in steps
    # A change manager who is not an approver: refused, nothing written.
    refused = api.as_(cast["manager"]).post(f"/api/v1/changes/{owners.pk}/approve/", {})
    assert refused.status_code == 403
    owner = api.as_(cast["owner"])
    answer = owner.post(f"/api/v1/changes/{owners.pk}/approve/", {"note": "Go"}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == ChangeStatus.IMPLEMENTATION
    twice = owner.post(f"/api/v1/changes/{owners.pk}/approve/", {}, format="json")
    assert twice.status_code == 409 and error_code(twice) == "conflict"
    assert "no longer waits for approval" in error_detail(twice)


def test_a_representative_approves_through_their_approval(api, asked, cast):
    rep = api.as_(cast["acme"])
    listing = rep.get("/api/v1/change-approvals/", {"change": asked.pk}).json()["results"]
    assert [a["approver"] for a in listing] == [cast["acme"].pk]  # only their own
    approval = listing[0]
    steps = rep.get(f"/api/v1/change-approvals/{approval['id']}/next-steps/").json()
    assert [s["key"] for s in steps] == ["approve", "reject"]
    # /api/v1/changes/ is staff's: the representative uses the approval.
    assert rep.post(f"/api/v1/changes/{asked.pk}/approve/", {}).status_code == 403
    answer = rep.post(f"/api/v1/change-approvals/{approval['id']}/approve/", {}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["decision"] == ApprovalDecision.APPROVED
    twice = rep.post(f"/api/v1/change-approvals/{approval['id']}/approve/", {}, format="json")
    assert twice.status_code == 409 and "already approved" in error_detail(twice)


def test_a_representative_rejects_with_a_reason(api, asked, cast):
    approval = mine(asked, cast["globex"])
    url = f"/api/v1/change-approvals/{approval.pk}/reject/"
    rep = api.as_(cast["globex"])
    bad = rep.post(url, {"reason": "nope", "note": ""}, format="json")
    assert bad.status_code == 400 and {"reason", "note"} <= set(field_errors(bad))
    answer = rep.post(url, {"reason": "analysis", "note": "Which branches?"}, format="json")
    assert answer.status_code == 200
    asked.refresh_from_db()
    assert asked.status == ChangeStatus.RISK_ANALYSIS
    # The other representative's approval was withdrawn; approving now is a conflict.
    other = mine(asked, cast["acme"])
    late = api.as_(cast["acme"]).post(f"/api/v1/change-approvals/{other.pk}/approve/", {})
    assert late.status_code == 409


def test_another_customers_representative_sees_and_decides_nothing(
    api,
    client,
    asked,
    cast,
    make_change,
    change_coordinator,
):
    # A change that only Acme is asked about.
    change = to_approval(make_change(), change_coordinator, functionality_changes=True)
    change.customers.set([cast["acme"].memberships.get().organisation])
    svc.change_manager_review(actor=cast["manager"], change_id=change.pk, review="collect")
    acme_approval = mine(change, cast["acme"])
    globex = api.as_(cast["globex"])
    listed = globex.get("/api/v1/change-approvals/", {"change": change.pk}).json()["results"]
    assert listed == []
    url = f"/api/v1/change-approvals/{acme_approval.pk}/approve/"
    assert globex.post(url, {}, format="json").status_code == 404
    assert globex.get(f"/api/v1/changes/{change.pk}/").status_code == 403
    # The pages: not theirs to see (404), the Acme link refused (403).
    client.force_login(cast["globex"])
    page_url = reverse("changes:change-approval-approve", args=[change.pk])
    assert client.post(page_url, {"approval": acme_approval.pk}).status_code == 404
    assert client.get(svc.approval_link(acme_approval)).status_code == 403
    text = client.get(reverse("changes:approval-list")).content.decode()
    assert change.number not in text
    acme_approval.refresh_from_db()
    assert acme_approval.decision == ApprovalDecision.PENDING


def test_staff_see_every_round_and_decision(api, asked, cast):
    svc.change_reject(actor=cast["acme"], change_id=asked.pk, reason="plan", note="Later")
    rows = api.as_(cast["manager"]).get("/api/v1/change-approvals/", {"change": asked.pk}).json()
    assert sorted((r["decision"], r["reason"]) for r in rows["results"]) == [
        ("rejected", "plan"),
        ("withdrawn", ""),
    ]
    assert all(r["round"] == 1 and r["current"] for r in rows["results"])


# --- Pages: the change record page -------------------------------------------------------------


def test_the_change_page_shows_the_rounds_and_the_managers_review(
    client,
    owners,
    cast,
):
    client.force_login(cast["manager"])
    page = client.get(owners.get_absolute_url())
    text = page.content.decode()
    assert 'id="approval-review"' in text and "No conflicts found." in text
    review = reverse("changes:change-review", args=[owners.pk])
    refused = client.post(review, {"review": "adjust_plan", "note": ""}, follow=True)
    assert "Say what the plan must address." in refused.content.decode()
    posted = client.post(review, {"review": "collect", "note": ""})
    assert posted.status_code == 302
    text = client.get(owners.get_absolute_url()).content.decode()
    assert "Round 1 (current)" in text and "Service owner" in text
    assert 'id="approval-review"' not in text  # collected: the approvers decide now
    # Nobody else is offered the review.
    client.force_login(cast["owner"])
    assert 'id="approval-review"' not in client.get(owners.get_absolute_url()).content.decode()


def test_the_service_owner_approves_from_the_change_page(client, owners, cast):
    svc.change_manager_review(actor=cast["manager"], change_id=owners.pk, review="collect")
    client.force_login(cast["owner"])
    text = client.get(owners.get_absolute_url()).content.decode()
    assert 'id="approval-decide"' in text
    url = reverse("changes:change-approval-reject", args=[owners.pk])
    refused = client.post(url, {"reason": "plan", "note": ""})
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    done = client.post(
        reverse("changes:change-approval-approve", args=[owners.pk]),
        {"note": "", "next": owners.get_absolute_url()},
    )
    assert done.status_code == 302 and done["Location"] == owners.get_absolute_url()
    owners.refresh_from_db()
    assert owners.status == ChangeStatus.IMPLEMENTATION


def test_page_denials(client, asked, cast, change_coordinator):
    url = reverse("changes:change-approval-approve", args=[asked.pk])
    # Not an approver (a change manager, the coordinator): 403.
    for person in (cast["manager"], change_coordinator):
        client.force_login(person)
        assert client.post(url, {}).status_code == 403
    # The representative cannot open the staff record page.
    client.force_login(cast["acme"])
    assert client.get(asked.get_absolute_url()).status_code == 403
    assert client.post(url, {}).status_code == 302
    again = client.post(url, {})
    assert again.status_code == 409 and "already approved" in again.content.decode()
    assert mine(asked, cast["acme"]).decision == ApprovalDecision.APPROVED
    # After a rejection the change no longer waits: approving it is a conflict.
    client.force_login(cast["globex"])
    reject = reverse("changes:change-approval-reject", args=[asked.pk])
    assert client.post(reject, {"reason": "other", "note": "No"}).status_code == 302
    asked.refresh_from_db()
    assert asked.status == ChangeStatus.REJECTED
    assert client.post(url, {}).status_code == 409


def test_the_representative_lists_what_waits_for_them(client, asked, cast):
    client.force_login(cast["acme"])
    text = client.get(reverse("changes:approval-list")).content.decode()
    assert asked.number in text
    assert svc.approval_link(mine(asked, cast["acme"])) in text


def test_my_work_lists_the_changes_waiting_for_my_approval(client, owners, cast):
    svc.change_manager_review(actor=cast["manager"], change_id=owners.pk, review="collect")
    client.force_login(cast["owner"])
    text = client.get(reverse("core:my-work")).content.decode()
    assert "Changes waiting for my approval" in text and owners.number in text


# --- The signed link ---------------------------------------------------------------------------


def link(approval) -> str:
    return svc.approval_link(approval)


def test_the_link_shows_the_change_and_decides_only_on_post(client, asked, cast):
    approval = mine(asked, cast["acme"])
    client.force_login(cast["acme"])
    page = client.get(link(approval))
    text = page.content.decode()
    assert page.status_code == 200 and asked.title in text
    assert 'name="csrfmiddlewaretoken"' in text and f'value="{approval.pk}"' in text
    approval.refresh_from_db()
    assert approval.decision == ApprovalDecision.PENDING  # GET decides nothing
    back = link(approval)  # signed with the time: made once, or a second boundary differs
    done = client.post(
        reverse("changes:change-approval-approve", args=[asked.pk]),
        {"approval": approval.pk, "next": back},
    )
    assert done.status_code == 302 and done["Location"] == back
    used = client.get(back).content.decode()
    assert "You have already approved it" in used and 'id="approval-decide"' not in used


def test_the_link_asks_to_sign_in_first_and_comes_back(client, asked, cast):
    url = link(mine(asked, cast["acme"]))
    answer = client.get(url)
    assert answer.status_code == 302
    assert reverse("login") in answer["Location"] and "next=" in answer["Location"]


def test_the_link_of_someone_else_is_refused(client, asked, cast):
    client.force_login(cast["globex"])
    assert client.get(link(mine(asked, cast["acme"]))).status_code == 403
    client.force_login(cast["manager"])
    assert client.get(link(mine(asked, cast["acme"]))).status_code == 403


def test_a_tampered_link_is_refused(client, asked, cast):
    client.force_login(cast["acme"])
    token = svc.approval_token(mine(asked, cast["acme"]))
    answer = client.get(reverse("changes:approval-link", args=[token[:-2] + "xx"]))
    assert answer.status_code == 404 and "not a valid approval link" in answer.content.decode()
    # Signed with another salt (another feature's signature): refused too.
    forged = signing.dumps({"a": mine(asked, cast["acme"]).pk, "r": 1}, salt="other")
    assert client.get(reverse("changes:approval-link", args=[forged])).status_code == 404


def test_an_expired_link_says_so(client, asked, cast, monkeypatch):
    client.force_login(cast["acme"])
    url = link(mine(asked, cast["acme"]))
    later = dt.datetime.now().timestamp() + svc.TOKEN_MAX_AGE.total_seconds() + 60
    monkeypatch.setattr(signing.time, "time", lambda: later)
    answer = client.get(url)
    assert answer.status_code == 410 and "expired" in answer.content.decode()


def test_a_link_of_an_earlier_round_says_so(client, owners, cast, change_coordinator):
    from django.db import transaction

    from steward.changes import workflows
    from steward.core import transitions

    svc.change_manager_review(actor=cast["manager"], change_id=owners.pk, review="collect")
    old = mine(owners, cast["owner"])
    svc.change_reject(actor=cast["owner"], change_id=owners.pk, reason="plan", note="Later")
    with transaction.atomic():
        locked = transitions.lock(Change, owners.pk)
        transitions.transition(
            locked, ChangeStatus.APPROVAL, actor=change_coordinator, workflow=workflows.CHANGE
        )
    svc.change_manager_review(actor=cast["manager"], change_id=owners.pk, review="collect")
    client.force_login(cast["owner"])
    text = client.get(link(old)).content.decode()
    assert "from round 1" in text and 'id="approval-decide"' not in text
    # Posting the old round's approval anyway: a conflict, the new round untouched.
    answer = client.post(
        reverse("changes:change-approval-approve", args=[owners.pk]), {"approval": old.pk}
    )
    assert answer.status_code == 409
    assert mine(Change.objects.get(pk=owners.pk), cast["owner"]).decision == "pending"
