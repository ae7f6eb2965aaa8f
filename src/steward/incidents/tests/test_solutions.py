"""Solutions for general use (seed 003 ch. 8 procedures 4, 6, 7; IRP SG2-SG3): proposing,
the group coordinator's approval (activate after editing, or reject), retiring, using a
solution on a request; through the services, the API and the pages."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from steward.core import numbering
from steward.core.choices import JournalKind
from steward.core.errors import InvalidTransition
from steward.core.models import Notification
from steward.core.testing.journal import journal_of
from steward.core.tests.api import field_errors
from steward.core.tests.factories import make_person
from steward.incidents.models import IncidentRequest, Solution, SolutionUse
from steward.incidents.services import solutions as svc

pytestmark = pytest.mark.django_db


def incident(requester: Any, *, group: Any = None, service: Any = None, **fields: Any):
    """A request made directly (the registration service is tested elsewhere)."""
    record = IncidentRequest(
        title=fields.pop("title", "Mailbox does not open"),
        description=fields.pop("description", "Outlook says the mailbox is unavailable."),
        requester=requester,
        customer=requester.memberships.first().organisation,
        support_group=group,
        service=service,
        **fields,
    )
    numbering.assign(record)
    record.save()
    return record


@pytest.fixture
def request_(requester, server_group, service):
    return incident(
        requester,
        group=server_group,
        service=service,
        resolution="Raise the mailbox quota to 5 GB.",
        resolution_code="solved",
    )


@pytest.fixture
def proposed(specialist, coordinator, request_):
    return svc.solution_propose(
        actor=specialist,
        title="Mailbox full",
        symptoms="Outlook says the mailbox is unavailable.",
        body="Raise the mailbox quota to 5 GB.",
        from_incident=request_,
    )


def make_solution(actor: Any, group: Any, status: str = "proposed", **fields: Any) -> Solution:
    solution = svc.solution_propose(
        actor=actor,
        title=fields.pop("title", "Printer jammed"),
        body=fields.pop("body", "Open tray 2 and remove the paper."),
        support_group=group,
        **fields,
    )
    Solution.objects.filter(pk=solution.pk).update(status=status)
    solution.refresh_from_db()
    return solution


# --- Proposing (procedures 4 and 6) ---------------------------------------------------------


def test_proposing_from_a_request_asks_that_groups_coordinator(
    proposed, specialist, coordinator, network_coordinator, request_, server_group, service
):
    assert proposed.number.startswith("SOL")
    assert proposed.status == "proposed"
    assert proposed.proposed_by == specialist
    assert proposed.support_group == server_group  # the request's group
    assert proposed.service == service  # the request's service
    asked = Notification.objects.filter(event="incidents.solution.proposed")
    assert [n.recipient for n in asked] == [coordinator]
    assert proposed.number in asked.get().title
    assert [e.kind for e in journal_of(proposed)] == [JournalKind.CREATED]
    lines = [e.body for e in journal_of(request_) if e.kind == JournalKind.SYSTEM]
    assert any(proposed.number in line for line in lines)


def test_the_group_given_wins_over_the_requests(
    specialist, request_, network_group, network_coordinator, coordinator
):
    solution = svc.solution_propose(
        actor=specialist,
        title="Switch port flaps",
        body="Reset the port.",
        from_incident=request_,
        support_group=network_group,
    )
    assert solution.support_group == network_group
    asked = Notification.objects.filter(event="incidents.solution.proposed")
    assert [n.recipient for n in asked] == [network_coordinator]


def test_a_proposal_needs_an_approving_group_a_title_and_a_body(specialist, server_group):
    with pytest.raises(ValidationError) as no_group:
        svc.solution_propose(actor=specialist, title="T", body="B")
    assert "support_group" in no_group.value.message_dict
    with pytest.raises(ValidationError) as empty:
        svc.solution_propose(actor=specialist, title="  ", body="", support_group=server_group)
    assert set(empty.value.message_dict) == {"title", "body"}
    assert not Solution.objects.exists()


@pytest.mark.parametrize("who", ["requester", "representative", "service_owner"])
def test_people_outside_the_support_organisation_cannot_propose(cast, server_group, who):
    with pytest.raises(PermissionDenied):
        svc.solution_propose(actor=cast[who], title="T", body="B", support_group=server_group)


# --- Procedure 7: who decides ---------------------------------------------------------------

DECIDERS = [
    # (who, may decide)
    ("coordinator", True),  # group coordinator of the solution's group
    ("admin", True),  # system administrator (the role everywhere)
    ("network_coordinator", False),  # coordinator of another group
    ("specialist", False),  # the proposer
    ("analyst", False),
    ("requester", False),
    ("service_owner", False),
]


@pytest.fixture
def people(cast, admin_person):
    return {**cast, "admin": admin_person}


@pytest.mark.parametrize(("who", "allowed"), DECIDERS)
@pytest.mark.parametrize("verb", ["activate", "reject"])
def test_only_the_group_coordinator_of_the_solutions_group_decides(
    people, proposed, who, allowed, verb
):
    actor = people[who]
    call = {
        "activate": lambda: svc.solution_activate(actor=actor, solution_id=proposed.pk),
        "reject": lambda: svc.solution_reject(
            actor=actor, solution_id=proposed.pk, note="Too specific."
        ),
    }[verb]
    if allowed:
        call()
        proposed.refresh_from_db()
        assert proposed.status == {"activate": "active", "reject": "rejected"}[verb]
        assert proposed.decided_by == actor
        assert proposed.decided_at is not None
    else:
        with pytest.raises(PermissionDenied):
            call()
        proposed.refresh_from_db()
        assert proposed.status == "proposed"
        assert proposed.decided_by is None


def test_a_solution_without_group_is_decided_by_a_coordinator_holding_the_role_everywhere(
    specialist, coordinator, provider, server_group
):
    solution = make_solution(specialist, server_group)
    Solution.objects.filter(pk=solution.pk).update(support_group=None)
    everywhere = make_person("group_coordinator", organisation=provider, username="allcoord")
    with pytest.raises(PermissionDenied):
        svc.solution_activate(actor=coordinator, solution_id=solution.pk)
    svc.solution_activate(actor=everywhere, solution_id=solution.pk)
    assert Solution.objects.get(pk=solution.pk).status == "active"


# --- Procedure 7: from which state ---------------------------------------------------------

STATES = [
    # (status before, verb, status after or None when refused)
    ("proposed", "activate", "active"),
    ("proposed", "reject", "rejected"),
    ("proposed", "retire", None),
    ("proposed", "reactivate", None),
    ("active", "activate", None),
    ("active", "reject", None),
    ("active", "retire", "retired"),
    ("rejected", "activate", None),
    ("rejected", "reject", None),
    ("rejected", "resubmit", "proposed"),
    ("retired", "reactivate", "active"),
    ("retired", "activate", None),
    ("retired", "retire", None),
    ("active", "resubmit", None),
]


@pytest.mark.parametrize(("before", "verb", "after"), STATES)
def test_the_solution_workflow(specialist, coordinator, server_group, before, verb, after):
    solution = make_solution(specialist, server_group, status=before)
    kwargs: dict[str, Any] = {"actor": coordinator, "solution_id": solution.pk}
    if verb == "reject":
        kwargs["note"] = "No benefit."
    service = getattr(svc, f"solution_{verb}")
    if after is None:
        with pytest.raises((InvalidTransition, ValidationError)):
            service(**kwargs)
        assert Solution.objects.get(pk=solution.pk).status == before
    else:
        service(**kwargs)
        assert Solution.objects.get(pk=solution.pk).status == after


def test_activating_after_editing_journals_each_change_and_tells_the_proposer(
    proposed, coordinator, specialist
):
    svc.solution_activate(
        actor=coordinator,
        solution_id=proposed.pk,
        data={"title": "  Mailbox full (quota)  ", "body": "Raise the quota to 10 GB."},
        note="Clarified.",
    )
    proposed.refresh_from_db()
    assert (proposed.status, proposed.title, proposed.body) == (
        "active",
        "Mailbox full (quota)",
        "Raise the quota to 10 GB.",
    )
    assert proposed.decision_note == "Clarified."
    changes = {
        e.field: (e.old_value, e.new_value)
        for e in journal_of(proposed)
        if e.kind == JournalKind.FIELD_CHANGE
    }
    assert changes == {
        "title": ("Mailbox full", "Mailbox full (quota)"),
        "body": ("Raise the mailbox quota to 5 GB.", "Raise the quota to 10 GB."),
    }
    assert any(
        e.kind == JournalKind.TRANSITION and e.new_value == "active" for e in journal_of(proposed)
    )
    told = Notification.objects.get(event="incidents.solution.activated")
    assert told.recipient == specialist


def test_an_edit_that_empties_the_body_activates_nothing(proposed, coordinator):
    with pytest.raises(ValidationError) as exc:
        svc.solution_activate(actor=coordinator, solution_id=proposed.pk, data={"body": " "})
    assert "body" in exc.value.message_dict
    proposed.refresh_from_db()
    assert (proposed.status, proposed.body) == ("proposed", "Raise the mailbox quota to 5 GB.")


def test_unknown_fields_are_refused(proposed, coordinator):
    with pytest.raises(ValidationError) as exc:
        svc.solution_activate(actor=coordinator, solution_id=proposed.pk, data={"use_count": 9})
    assert "use_count" in exc.value.message_dict


def test_rejecting_needs_a_reason_and_tells_the_proposer(proposed, coordinator, specialist):
    with pytest.raises(ValidationError) as exc:
        svc.solution_reject(actor=coordinator, solution_id=proposed.pk, note="  ")
    assert "note" in exc.value.message_dict
    svc.solution_reject(actor=coordinator, solution_id=proposed.pk, note="Covered by SOL1.")
    told = Notification.objects.get(event="incidents.solution.rejected")
    assert (told.recipient, told.body) == (specialist, "Covered by SOL1.")


def test_the_proposer_may_improve_a_proposal_but_not_an_active_solution(proposed, specialist):
    svc.solution_update(actor=specialist, solution_id=proposed.pk, data={"symptoms": "Full."})
    assert Solution.objects.get(pk=proposed.pk).symptoms == "Full."
    Solution.objects.filter(pk=proposed.pk).update(status="active")
    with pytest.raises(PermissionDenied):
        svc.solution_update(actor=specialist, solution_id=proposed.pk, data={"symptoms": "x"})


# --- Using a solution (IRP SG2) ---------------------------------------------------------------


def test_using_an_active_solution_records_it_on_the_request(
    specialist, coordinator, server_group, requester, service
):
    solution = make_solution(specialist, server_group, status="active")
    target = incident(requester, group=server_group, service=service)
    use = svc.solution_use(actor=specialist, solution_id=solution.pk, incident_id=target.pk)
    assert (use.solution, use.incident, use.used_by) == (solution, target, specialist)
    target.refresh_from_db()
    solution.refresh_from_db()
    assert target.solution == solution
    assert solution.use_count == 1
    changes = [e for e in journal_of(target) if e.kind == JournalKind.FIELD_CHANGE]
    assert [(e.field, e.new_value) for e in changes] == [
        ("solution", f"{solution.number} Printer jammed")
    ]
    # Using it again on the same request counts once.
    svc.solution_use(actor=specialist, solution_id=solution.pk, incident_id=target.pk)
    solution.refresh_from_db()
    assert solution.use_count == 1
    assert SolutionUse.objects.count() == 1


@pytest.mark.parametrize("status", ["proposed", "rejected", "retired"])
def test_only_active_solutions_are_used(specialist, server_group, requester, status):
    solution = make_solution(specialist, server_group, status=status)
    target = incident(requester, group=server_group)
    with pytest.raises(ValidationError):
        svc.solution_use(actor=specialist, solution_id=solution.pk, incident_id=target.pk)
    assert not SolutionUse.objects.exists()
    assert IncidentRequest.objects.get(pk=target.pk).solution is None


def test_a_requester_may_use_a_workaround_on_their_own_request_only(
    specialist, server_group, requester, colleague
):
    solution = make_solution(specialist, server_group, status="active", is_workaround=True)
    mine = incident(requester, group=server_group)
    theirs = incident(colleague, group=server_group)
    svc.solution_use(actor=requester, solution_id=solution.pk, incident_id=mine.pk)
    with pytest.raises(PermissionDenied):
        svc.solution_use(actor=requester, solution_id=solution.pk, incident_id=theirs.pk)
    assert list(SolutionUse.objects.values_list("incident", flat=True)) == [mine.pk]


# --- API ----------------------------------------------------------------------------------


def test_api_propose_then_the_coordinator_activates(
    api, specialist, coordinator, server_group, service
):
    response = api.as_(specialist).post(
        "/api/v1/solutions/",
        {
            "title": "VPN drops",
            "body": "Update the client.",
            "support_group": server_group.pk,
            "service": service.pk,
            "is_workaround": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["is_workaround"], body["support_group_name"]) == (
        "proposed",
        True,
        "Server team",
    )
    url = f"/api/v1/solutions/{body['id']}/activate/"
    assert api.as_(specialist).post(url, {}, format="json").status_code == 403
    response = api.as_(coordinator).post(url, {"title": "VPN drops hourly"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["title"]) == ("active", "VPN drops hourly")


def test_api_refusals(api, proposed, coordinator, requester, specialist):
    url = f"/api/v1/solutions/{proposed.pk}/"
    assert api.as_(coordinator).post(url + "reject/", {}, format="json").status_code == 400
    # A requester sees no proposed solution at all.
    assert api.as_(requester).get(url).status_code == 404
    assert api.as_(requester).post(url + "activate/", {}, format="json").status_code == 404
    assert api.as_(requester).post("/api/v1/solutions/", {}, format="json").status_code == 403
    # A proposal without body: field messages.
    response = api.as_(specialist).post("/api/v1/solutions/", {"title": "x"}, format="json")
    assert response.status_code == 400
    assert "body" in field_errors(response)
    # Activating an active one: conflict.
    api.as_(coordinator).post(url + "activate/", {}, format="json")
    assert api.as_(coordinator).post(url + "activate/", {}, format="json").status_code == 409
    assert api.as_(coordinator).post(url + "retire/", {}, format="json").status_code == 200


def test_api_list_shows_customers_active_solutions_only(
    api, specialist, server_group, requester, analyst
):
    active = make_solution(specialist, server_group, status="active", title="Active one")
    make_solution(specialist, server_group, status="proposed", title="Proposed one")
    ids = [row["id"] for row in api.as_(requester).get("/api/v1/solutions/").json()["results"]]
    assert ids == [active.pk]
    assert len(api.as_(analyst).get("/api/v1/solutions/").json()["results"]) == 2


def test_api_anonymous_and_roleless(api, proposed, no_role_person):
    assert api.get("/api/v1/solutions/").status_code == 401
    assert api.as_(no_role_person).get("/api/v1/solutions/").status_code == 403


# --- Pages ------------------------------------------------------------------------------------


def test_the_coordinator_sees_the_decision_forms_others_do_not(
    client, proposed, coordinator, specialist
):
    url = reverse("incidents:solution-detail", args=[proposed.pk])
    client.force_login(coordinator)
    page = client.get(url)
    assert page.status_code == 200
    assert reverse("incidents:solution-activate", args=[proposed.pk]).encode() in page.content
    client.force_login(specialist)
    page = client.get(url)
    assert page.status_code == 200
    assert b"Your decision is needed" not in page.content


def test_activate_with_edit_on_the_page(client, proposed, coordinator, specialist):
    url = reverse("incidents:solution-activate", args=[proposed.pk])
    form = {"title": "Mailbox full", "body": "Raise quota to 8 GB.", "symptoms": ""}
    client.force_login(specialist)
    assert client.post(url, form).status_code == 403
    client.force_login(coordinator)
    assert client.post(url, {**form, "body": ""}).status_code == 400  # form error, no change
    assert Solution.objects.get(pk=proposed.pk).status == "proposed"
    response = client.post(url, form)
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert (proposed.status, proposed.body) == ("active", "Raise quota to 8 GB.")


def test_reject_on_the_page(client, proposed, coordinator):
    url = reverse("incidents:solution-reject", args=[proposed.pk])
    client.force_login(coordinator)
    assert client.post(url, {"note": ""}).status_code == 400
    assert client.post(url, {"note": "Not general."}).status_code == 302
    assert Solution.objects.get(pk=proposed.pk).status == "rejected"


def test_propose_page_prefills_from_the_request(client, specialist, coordinator, request_):
    client.force_login(specialist)
    url = reverse("incidents:solution-create")
    page = client.get(url + f"?from_incident={request_.pk}")
    assert page.status_code == 200
    assert b"Raise the mailbox quota to 5 GB." in page.content
    response = client.post(
        url,
        {
            "title": "Mailbox full",
            "body": "Raise the quota.",
            "from_incident": request_.pk,
        },
    )
    assert response.status_code == 302, response.content
    solution = Solution.objects.get()
    assert (solution.from_incident, solution.support_group) == (request_, request_.support_group)


def test_pages_refuse_the_requester_what_is_not_active(client, proposed, requester):
    client.force_login(requester)
    assert client.get(reverse("incidents:solution-detail", args=[proposed.pk])).status_code == 404
    assert client.get(reverse("incidents:solution-create")).status_code == 403
    assert client.get(reverse("incidents:solution-list")).status_code == 200


def test_list_page_search_and_filters(client, specialist, server_group, analyst):
    make_solution(specialist, server_group, status="active", title="Printer jammed")
    make_solution(specialist, server_group, status="active", title="Mailbox full", body="Quota")
    client.force_login(analyst)
    page = client.get(reverse("incidents:solution-list") + "?q=printer")
    assert page.status_code == 200
    assert b"Printer jammed" in page.content and b"Mailbox full" not in page.content
    page = client.get(reverse("incidents:solution-list") + "?status=rejected")
    assert b"Printer jammed" not in page.content


def test_my_work_lists_proposals_waiting_for_the_coordinator(client, proposed, coordinator):
    from steward.incidents.registrations import solution_work

    sections = solution_work(coordinator)
    assert [row["number"] for row in sections[0].rows] == [proposed.number]
    client.force_login(coordinator)
    page = client.get(reverse("core:my-work"))
    assert b"Solutions waiting for my approval" in page.content
    assert proposed.number.encode() in page.content


def test_my_work_is_empty_for_the_other_groups_coordinator(proposed, network_coordinator):
    from steward.incidents.registrations import solution_work

    assert solution_work(network_coordinator)[0].rows == []
