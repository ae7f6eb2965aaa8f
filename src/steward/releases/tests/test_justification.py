"""Business Justification (seed 003 ch. 10 proc. 3): every branch through the services
(a table), the approvers and the denials on the services, the API and the pages, and bad
input refused by field."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from steward.core.errors import DomainError
from steward.core.models import Notification
from steward.core.tests.api import field_errors
from steward.core.tests.factories import make_person, staff_fixture
from steward.releases.models import BusinessCase, CabMeeting, Release, RfcHandling
from steward.releases.services import justification as jsvc
from steward.releases.services import releases as svc

pytestmark = pytest.mark.django_db

other_owner = staff_fixture("other_owner", "service_owner", "payrollowner", scope="other_service")
it_director = staff_fixture("it_director", "it_director", "itdirector")
financial_manager = staff_fixture("financial_manager", "financial_manager", "finance")


def _told(person, event: str = "") -> list[Notification]:
    qs = Notification.objects.filter(recipient=person)
    return list(qs.filter(event=event) if event else qs)


@pytest.fixture
def in_release(make_rfc, service, release_coordinator):
    """Two requests for change put in ``release`` (a CAB-defined one when the CAB did)."""

    def put(release: Release) -> list[RfcHandling]:
        handlings = []
        for title in ("Shared mailboxes", "Bigger quota"):
            rfc = make_rfc(title=title)
            # Handed over by the change coordinator: received; the CAB put it on its list.
            RfcHandling.objects.filter(rfc=rfc).update(status="cab_list")
            handling = RfcHandling.objects.get(rfc=rfc)
            svc.put_in_release(handling, release, actor=release_coordinator,
                               by_cab=release.cab_defined)  # fmt: skip
            handlings.append(handling)
        return handlings

    return put


@pytest.fixture
def justifying(make_release, release_coordinator):
    """A release in justification (cost 10,000, budget 4,000)."""

    def make(**fields):
        release = make_release(estimated_cost="10000", available_budget="4000", **fields)
        return jsvc.release_justify(actor=release_coordinator, release_id=release.pk)

    return make


def _case(release, actor, **fields) -> BusinessCase:
    fields.setdefault("costs", "10000")
    fields.setdefault("benefits", "Teams share mailboxes instead of forwarding.")
    fields.setdefault("budget_requested", "6000")
    return jsvc.business_case_prepare(actor=actor, release_id=release.pk, **fields)


# --- The decision (rules.justification_decision) -----------------------------------------


@pytest.mark.parametrize(
    "cost, budget, status, justification",
    [
        ("5000", "5000", "coordination", "cancelled"),  # the budget covers it exactly
        ("5000", "9000", "coordination", "cancelled"),
        ("5000", "4999.99", "justification", "required"),  # not covered
        ("5000", None, "justification", "required"),  # unknown budget covers nothing
        ("0", None, "justification", "required"),
    ],
)
def test_the_decision_follows_the_rule(
    make_release, release_coordinator, cost, budget, status, justification
) -> None:
    release = make_release(estimated_cost=cost, available_budget=budget)
    jsvc.release_justify(actor=release_coordinator, release_id=release.pk)
    release.refresh_from_db()
    assert (release.status, release.justification) == (status, justification)


def test_the_figures_given_are_stored_then_decided(make_release, release_coordinator) -> None:
    release = make_release()
    with pytest.raises(ValidationError) as refused:
        jsvc.release_justify(actor=release_coordinator, release_id=release.pk)
    assert "estimated_cost" in refused.value.message_dict
    done = jsvc.release_justify(actor=release_coordinator, release_id=release.pk,
                                estimated_cost="800", available_budget="1000",
                                budget_reference="FIN-42")  # fmt: skip
    done.refresh_from_db()
    assert done.estimated_cost == Decimal("800.00") and done.budget_reference == "FIN-42"
    assert done.status == "coordination" and done.justification == "cancelled"
    with pytest.raises(DomainError):  # decided once
        jsvc.release_justify(actor=release_coordinator, release_id=release.pk)


# --- The business case, every branch --------------------------------------------------


def test_approved_goes_to_coordination(justifying, release_coordinator, service_owner) -> None:
    release = justifying()
    case = _case(release, release_coordinator)
    jsvc.business_case_submit(actor=release_coordinator, case_id=case.pk)
    assert _told(service_owner, "releases.business_case.submitted")
    jsvc.business_case_decide(actor=service_owner, case_id=case.pk, approve=True, note="Go.")
    release.refresh_from_db()
    case.refresh_from_db()
    assert case.status == "approved" and case.decided_by == service_owner
    assert (release.status, release.justification) == ("coordination", "approved")
    assert _told(release_coordinator, "releases.business_case.approved")


def test_rejected_adjusted_resubmitted_approved(
    justifying, release_coordinator, service_owner, it_director, financial_manager
) -> None:
    release = justifying()
    first = _case(release, release_coordinator)
    jsvc.business_case_submit(actor=release_coordinator, case_id=first.pk)
    for approver in (it_director, financial_manager):
        assert _told(approver, "releases.business_case.submitted")
    jsvc.business_case_decide(actor=it_director, case_id=first.pk, approve=False,
                              note="Too expensive this year.")  # fmt: skip
    release.refresh_from_db()
    assert (release.status, release.justification) == ("justification", "rejected")
    assert "Too expensive" in _told(release_coordinator, "releases.business_case.rejected")[0].body
    second = jsvc.business_case_adjust(actor=release_coordinator, case_id=first.pk,
                                       budget_requested="3000")  # fmt: skip
    first.refresh_from_db()
    assert first.status == "rejected" and second.round == 2 and second.status == "draft"
    assert second.budget_requested == Decimal("3000.00") and second.benefits == first.benefits
    with pytest.raises(DomainError):  # only the last round is adjusted
        jsvc.business_case_adjust(actor=release_coordinator, case_id=first.pk)
    jsvc.business_case_submit(actor=release_coordinator, case_id=second.pk)
    jsvc.business_case_decide(actor=financial_manager, case_id=second.pk, approve=True)
    release.refresh_from_db()
    assert (release.status, release.justification) == ("coordination", "approved")
    assert list(release.business_cases.order_by("round").values_list("status", flat=True)) == [
        "rejected", "approved"]  # fmt: skip


def _reject(release, coordinator, approver) -> BusinessCase:
    case = _case(release, coordinator)
    jsvc.business_case_submit(actor=coordinator, case_id=case.pk)
    return jsvc.business_case_decide(actor=approver, case_id=case.pk, approve=False, note="No.")


def test_abandoned_cab_release_returns_its_requests_to_the_backlog(
    justifying,
    in_release,
    release_coordinator,
    service_owner,
    cab,
    cab_members,
    requester,
) -> None:
    meeting = CabMeeting(cab=cab, starts_at=timezone.now() + dt.timedelta(days=9),
                         submission_deadline=timezone.now() + dt.timedelta(days=7))  # fmt: skip
    from steward.core import numbering

    numbering.assign(meeting)
    meeting.save()
    release = justifying()
    Release.objects.filter(pk=release.pk).update(cab_defined=True)
    release.refresh_from_db()
    handlings = in_release(release)
    case = _reject(release, release_coordinator, service_owner)
    jsvc.release_abandon(actor=release_coordinator, release_id=release.pk,
                         reason="No budget can be found this year.")  # fmt: skip
    release.refresh_from_db()
    case.refresh_from_db()
    assert release.status == "abandoned" and case.status == "abandoned"
    backlog = Release.objects.get(service=release.service, is_backlog=True)
    for handling in handlings:
        handling.refresh_from_db()
        assert handling.status == "cab_list" and handling.release == backlog
    told = _told(requester, "releases.release.abandoned")
    assert told and "business case" in told[0].body.lower()
    for member in cab_members:
        note = _told(member, "releases.release.abandoned")[0]
        assert meeting.number in note.body and "forward" in note.body


def test_abandoned_release_without_cab_leaves_its_requests_unmet(
    justifying,
    in_release,
    release_coordinator,
    service_owner,
    cab_members,
    requester,
) -> None:
    release = justifying()
    handlings = in_release(release)
    _reject(release, release_coordinator, service_owner)
    case = release.business_cases.get()
    jsvc.business_case_abandon(actor=release_coordinator, case_id=case.pk, reason="Dropped.")
    for handling in handlings:
        handling.refresh_from_db()
        assert handling.status == "unmet" and handling.release == release
        assert "Dropped." in handling.outcome_note
    assert _told(requester, "releases.release.abandoned")
    assert not any(_told(m) for m in cab_members)


# --- Denials and wrong states ----------------------------------------------------------


def test_who_may_decide(
    justifying, release_coordinator, other_owner, cab_members, outsider, other_release_coordinator
) -> None:
    release = justifying()
    case = _case(release, release_coordinator)
    jsvc.business_case_submit(actor=release_coordinator, case_id=case.pk)
    for actor in (release_coordinator, other_owner, cab_members[0], outsider):
        with pytest.raises(PermissionDenied):
            jsvc.business_case_decide(actor=actor, case_id=case.pk, approve=True)
    for write in (
        lambda a: jsvc.business_case_prepare(actor=a, release_id=release.pk, costs=1,
                                             benefits="x", budget_requested=1),
        lambda a: jsvc.business_case_submit(actor=a, case_id=case.pk),
        lambda a: jsvc.release_abandon(actor=a, release_id=release.pk, reason="x"),
        lambda a: jsvc.business_case_update(actor=a, case_id=case.pk, data={"costs": "1"}),
    ):  # fmt: skip
        with pytest.raises(PermissionDenied):
            write(other_release_coordinator)
    case.refresh_from_db()
    assert case.status == "submitted"


def test_a_coordinator_who_is_also_approver_does_not_approve_own_case(
    justifying, release_coordinator, service
) -> None:
    from steward.core.models import RoleAssignment

    release = justifying()
    case = _case(release, release_coordinator)
    jsvc.business_case_submit(actor=release_coordinator, case_id=case.pk)
    RoleAssignment.objects.create(person=release_coordinator, role="it_director")
    from steward.core import permissions

    permissions.forget(release_coordinator)
    with pytest.raises(PermissionDenied):
        jsvc.business_case_decide(actor=release_coordinator, case_id=case.pk, approve=True)


def test_wrong_states_are_refused(justifying, release_coordinator, service_owner) -> None:
    release = justifying()
    case = _case(release, release_coordinator)
    with pytest.raises(DomainError):  # a draft is not decided
        jsvc.business_case_decide(actor=service_owner, case_id=case.pk, approve=True)
    with pytest.raises(DomainError):  # one case at a time
        _case(release, release_coordinator)
    jsvc.business_case_submit(actor=release_coordinator, case_id=case.pk)
    with pytest.raises(DomainError):  # submitted: not edited
        jsvc.business_case_update(actor=release_coordinator, case_id=case.pk,
                                  data={"costs": "1"})  # fmt: skip
    with pytest.raises(DomainError):  # waiting for the decision: not abandoned
        jsvc.release_abandon(actor=release_coordinator, release_id=release.pk, reason="x")
    with pytest.raises(DomainError):  # submitted: not adjusted
        jsvc.business_case_adjust(actor=release_coordinator, case_id=case.pk)


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"costs": "-1"}, "costs"),
        ({"costs": "lots"}, "costs"),
        ({"budget_requested": "0"}, "budget_requested"),
        ({"budget_requested": "-5"}, "budget_requested"),
        ({"benefits": "  "}, "benefits"),
    ],
)
def test_bad_figures_are_refused_by_field(justifying, release_coordinator, fields, field) -> None:
    release = justifying()
    with pytest.raises(ValidationError) as refused:
        _case(release, release_coordinator, **fields)
    assert field in refused.value.message_dict
    assert not BusinessCase.objects.exists()


def test_rejecting_needs_a_note(justifying, release_coordinator, service_owner) -> None:
    release = justifying()
    case = _case(release, release_coordinator)
    jsvc.business_case_submit(actor=release_coordinator, case_id=case.pk)
    with pytest.raises(ValidationError) as refused:
        jsvc.business_case_decide(actor=service_owner, case_id=case.pk, approve=False, note=" ")
    assert "note" in refused.value.message_dict


# --- The API ---------------------------------------------------------------------------


def _post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def test_the_api_runs_the_procedure_and_refuses(
    client, make_release, release_coordinator, service_owner, other_owner, cab_members
) -> None:
    release = make_release(estimated_cost="10000", available_budget="2000")
    client.force_login(release_coordinator)
    bad = _post(client, f"/api/v1/releases/{release.pk}/justify/", {"estimated_cost": "-3"})
    assert bad.status_code == 400 and "estimated_cost" in field_errors(bad)
    done = _post(client, f"/api/v1/releases/{release.pk}/justify/")
    assert done.status_code == 200 and done.json()["justification"] == "required"
    bad = _post(client, f"/api/v1/releases/{release.pk}/prepare-business-case/",
                {"costs": "-1", "benefits": "x", "budget_requested": "10"})  # fmt: skip
    assert bad.status_code == 400 and "costs" in field_errors(bad)
    made = _post(client, f"/api/v1/releases/{release.pk}/prepare-business-case/",
                 {"costs": "10000", "benefits": "Shared mailboxes", "budget_requested": "8000"})  # fmt: skip
    assert made.status_code == 201, made.content
    case = BusinessCase.objects.get()
    listed = client.get("/api/v1/business-cases/", {"service": release.service_id})
    assert [c["number"] for c in listed.json()["results"]] == [case.number]
    patched = client.patch(f"/api/v1/business-cases/{case.pk}/", {"budget_requested": "7500"},
                           content_type="application/json")  # fmt: skip
    assert patched.status_code == 200 and patched.json()["budget_requested"] == "7500.00"
    assert _post(client, f"/api/v1/business-cases/{case.pk}/submit/").status_code == 200
    assert _post(client, f"/api/v1/business-cases/{case.pk}/approve/").status_code == 403
    for denied in (other_owner, cab_members[0]):
        client.force_login(denied)
        assert _post(client, f"/api/v1/business-cases/{case.pk}/reject/",
                     {"note": "no"}).status_code == 403  # fmt: skip
        assert client.patch(f"/api/v1/business-cases/{case.pk}/", {"costs": "1"},
                            content_type="application/json").status_code == 403  # fmt: skip
    client.force_login(service_owner)
    missing = _post(client, f"/api/v1/business-cases/{case.pk}/reject/", {})
    assert missing.status_code == 400 and "note" in field_errors(missing)
    rejected = _post(client, f"/api/v1/business-cases/{case.pk}/reject/", {"note": "Not now."})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert _post(client, f"/api/v1/business-cases/{case.pk}/approve/").status_code == 409
    client.force_login(release_coordinator)
    adjusted = _post(client, f"/api/v1/business-cases/{case.pk}/adjust/", {"costs": "9000"})
    assert adjusted.status_code == 201, adjusted.content
    latest = jsvc.latest_case(release)
    assert latest.round == 2 and latest.costs == Decimal("9000.00")
    gone = _post(client, f"/api/v1/releases/{release.pk}/abandon/", {"reason": ""})
    assert gone.status_code == 400 and "reason" in field_errors(gone)
    gone = _post(client, f"/api/v1/releases/{release.pk}/abandon/", {"reason": "Gave up."})
    assert gone.status_code == 200 and gone.json()["status"] == "abandoned"


# --- The pages -------------------------------------------------------------------------


def test_the_pages_run_the_procedure_and_refuse(
    client, make_release, release_coordinator, service_owner, other_owner
) -> None:
    release = make_release(estimated_cost="10000", available_budget="2000")
    client.force_login(release_coordinator)
    page = client.get(f"/releases/{release.pk}/").content.decode()
    assert "Decide the business justification" in page and "Business justification" in page
    client.post(f"/releases/{release.pk}/justify/", {"estimated_cost": "10000",
                                                     "available_budget": "2000"})  # fmt: skip
    release.refresh_from_db()
    assert release.status == "justification"
    client.post(f"/releases/{release.pk}/prepare-business-case/",
                {"costs": "10000", "budget_requested": "8000", "benefits": "Mailboxes"})  # fmt: skip
    case = BusinessCase.objects.get()
    assert case.number in client.get(f"/releases/{release.pk}/").content.decode()
    edit = client.post(f"/business-cases/{case.pk}/edit/", {
        "costs": "10000", "budget_requested": "7000", "benefits": "Mailboxes for teams"})  # fmt: skip
    assert edit.status_code == 302
    client.post(f"/business-cases/{case.pk}/submit/")
    case.refresh_from_db()
    assert case.status == "submitted" and case.budget_requested == Decimal("7000.00")
    assert client.post(f"/business-cases/{case.pk}/approve/", {}).status_code in (403, 404)
    client.force_login(other_owner)
    assert client.post(f"/business-cases/{case.pk}/reject/",
                       {"note": "no"}).status_code in (403, 404)  # fmt: skip
    client.force_login(service_owner)
    work = client.get("/").content.decode()
    assert "Business cases to approve" in work and case.number in work
    listed = client.get("/business-cases/?mine=to_approve").content.decode()
    assert case.number in listed
    page = client.get(f"/business-cases/{case.pk}/").content.decode()
    assert "Approve" in page and "Reject" in page
    refused = client.post(f"/business-cases/{case.pk}/reject/", {"note": ""})
    assert refused.status_code == 400  # the form again, with the error
    case.refresh_from_db()
    assert case.status == "submitted"
    client.post(f"/business-cases/{case.pk}/reject/", {"note": "Not this year."})
    case.refresh_from_db()
    assert case.status == "rejected"
    client.force_login(release_coordinator)
    client.post(f"/business-cases/{case.pk}/abandon/", {"reason": "No budget."})
    release.refresh_from_db()
    assert release.status == "abandoned"


def test_a_coordinator_with_no_figures_gets_the_form_error(
    client, make_release, release_coordinator
) -> None:
    release = make_release()
    client.force_login(release_coordinator)
    response = client.post(f"/releases/{release.pk}/justify/", {})
    assert response.status_code == 400
    assert "Estimate the cost" in response.content.decode()


def test_approvers_are_the_service_owner_it_director_and_financial_managers(
    justifying, service_owner, other_owner, it_director, financial_manager, provider
) -> None:
    make_person("it_director", organisation=provider, username="gone", is_active=False)
    release = justifying()
    assert set(jsvc.approvers(release)) == {service_owner, it_director, financial_manager}
