"""/api/v1/incidents/ and /api/v1/routing-rules/: who sees what, field errors, and one
endpoint per step of the process (seed 003 ch. 8, procedures 1-6)."""

import pytest

from steward.core import journal
from steward.core.tests.api import error_code, field_errors
from steward.incidents.models import IncidentRequest, RoutingRule, Solution, SolutionUse
from steward.incidents.services import actions
from steward.incidents.services import solutions as solution_services

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


def url(incident: IncidentRequest, step: str = "") -> str:
    return f"{URL}{incident.pk}/{step + '/' if step else ''}"


def numbers(response) -> set[str]:
    return {row["number"] for row in response.json()["results"]}


# --- Who sees what -------------------------------------------------------------------------


@pytest.fixture
def three(make_incident, requester, colleague, other_requester, customer_org, other_customer_org):
    """The requester's, a colleague's (same organisation) and a Globex request."""
    return {
        "own": make_incident(),
        "colleague": make_incident(requester=colleague),
        "globex": make_incident(requester=other_requester, customer=other_customer_org),
    }


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("requester", {"own"}),
        ("representative", {"own", "colleague"}),
        ("other_requester", {"globex"}),
        ("desk_analyst", {"own", "colleague", "globex"}),
        ("specialist", {"own", "colleague", "globex"}),
    ],
)
def test_the_list_holds_what_the_caller_may_see(api, request, three, who, sees):
    person = request.getfixturevalue(who)

    response = api.as_(person).get(URL)

    assert response.status_code == 200
    assert numbers(response) == {three[key].number for key in sees}


@pytest.mark.parametrize("step", ["", "journal", "attachments", "actions"])
def test_a_requester_gets_404_for_someone_elses_request(api, other_requester, three, step):
    response = api.as_(other_requester).get(url(three["own"], step))

    assert response.status_code == 404


def test_a_representative_reads_the_organisations_requests_but_not_others(
    api, representative, three
):
    assert api.as_(representative).get(url(three["colleague"])).status_code == 200
    assert api.as_(representative).get(url(three["globex"])).status_code == 404


def test_anonymous_and_roleless_callers_are_refused(api, three, no_role_person):
    assert api.get(URL).status_code == 401
    assert api.as_(no_role_person).get(URL).status_code == 403


def test_the_list_filters_by_status_and_priority(api, desk_analyst, make_incident):
    urgent = make_incident(impact="1", urgency="1")
    make_incident()

    response = api.as_(desk_analyst).get(URL, {"priority": "1"})

    assert numbers(response) == {urgent.number}


@pytest.mark.parametrize(
    "who, sees",
    [
        ("specialist", {"server"}),  # member of the server group only
        ("network_specialist", {"network"}),
        ("requester", set()),  # customer side: no groups, and only their own requests
    ],
)
def test_my_groups_lists_only_the_callers_groups(
    api, request, make_incident, server_group, network_group, who, sees
):
    made = {
        "server": make_incident(support_group=server_group),
        "network": make_incident(support_group=network_group),
    }
    caller = request.getfixturevalue(who)

    response = api.as_(caller).get(URL, {"my_groups": "true", "open": "true"})

    assert response.status_code == 200
    assert numbers(response) == {made[name].number for name in sees}


# --- Registration ------------------------------------------------------------------------


def test_a_requester_registers_for_themselves(api, requester, service, customer_org):
    response = api.as_(requester).post(
        URL, {"title": "Printer jams", "service": service.pk}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["requester"] == requester.pk
    assert body["customer"] == customer_org.pk
    assert body["channel"] == "portal"
    assert body["status"] == "new"


def test_the_desk_registers_for_a_requester_with_priority_from_the_matrix(
    api, desk_analyst, requester, service
):
    response = api.as_(desk_analyst).post(
        URL,
        {"requester": requester.pk, "title": "Mail down", "service": service.pk,
         "impact": "1", "urgency": "1"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201, response.json()
    assert response.json()["priority"] == "1"
    assert response.json()["channel"] == "api"


def test_first_contact_resolution_through_the_api(api, desk_analyst, requester):
    response = api.as_(desk_analyst).post(
        URL,
        {
            "requester": requester.pk,
            "title": "Password reset",
            "resolve_now": {"resolution": "Reset it.", "resolution_code": "solved"},
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "resolved"
    assert response.json()["first_contact_resolution"] is True


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "title"),
        ({"title": "x", "impact": "9"}, "impact"),
        ({"title": "x", "urgency": "urgent"}, "urgency"),
        ({"title": "x", "service": 999999}, "service"),
        ({"title": "x" * 201}, "title"),
        ({"title": "x", "channel": "pigeon"}, "channel"),
    ],
)
def test_bad_registrations_are_400_with_field_messages(api, desk_analyst, payload, field):
    response = api.as_(desk_analyst).post(URL, payload, format="json")

    assert response.status_code == 400
    assert field in field_errors(response)
    assert not IncidentRequest.objects.exists()


def test_the_desk_updates_fields_and_the_priority_follows(api, desk_analyst, make_incident):
    incident = make_incident()

    response = api.as_(desk_analyst).patch(
        url(incident), {"impact": "1", "urgency": "2"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["priority"] == "1"


def test_a_requester_may_not_update_fields(api, requester, make_incident):
    incident = make_incident()

    response = api.as_(requester).patch(url(incident), {"title": "Mine now"}, format="json")

    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.title == "Mailbox does not open"


# --- One endpoint per step ----------------------------------------------------------------


def post(api, person, incident, step, payload=None):
    return api.as_(person).post(url(incident, step), payload or {}, format="json")


def moved(api, person, incident, step, payload=None, **shows) -> dict:
    """``step`` taken by ``person``: 200, and the record it answers with shows ``shows``."""
    response = post(api, person, incident, step, payload)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert {name: body[name] for name in shows} == shows
    return body


def test_take_assign_and_send_back(api, assigned_incident, specialist, coordinator):
    moved(api, specialist, assigned_incident, "take", status="in_progress", assignee=specialist.pk)
    moved(
        api, coordinator, assigned_incident, "assign", {"assignee": coordinator.pk},
        assignee=coordinator.pk,
    )  # fmt: skip
    moved(
        api, coordinator, assigned_incident, "send-back",
        {"reason": "wrong_group", "note": "This is for the network team."},
        status="new", support_group=None, sent_back_reason="wrong_group",
    )  # fmt: skip


def test_pending_and_resume(api, working_incident, specialist):
    moved(
        api, specialist, working_incident, "pending",
        {"reason": "awaiting_requester", "note": "Which mailbox?"},
        status="pending", pending_reason="awaiting_requester",
    )  # fmt: skip
    moved(api, specialist, working_incident, "resume", status="in_progress")


def test_assess_change_all_no_keeps_it_with_the_group(api, working_incident, specialist):
    body = moved(
        api, specialist, working_incident, "assess-change",
        {"causes_service_unavailability": False, "changes_service_functionality": False,
         "requires_cmdb_update": False},
        escalation="", assignee=specialist.pk,
    )  # fmt: skip

    assert body["requires_cmdb_update"] is False


def test_assess_change_needs_all_three_answers(api, working_incident, specialist):
    response = post(
        api, specialist, working_incident, "assess-change", {"requires_cmdb_update": True}
    )

    assert response.status_code == 400
    assert set(field_errors(response)) == {
        "causes_service_unavailability",
        "changes_service_functionality",
    }


def test_escalate_and_handle_the_escalation(api, working_incident, specialist, service_owner):
    moved(
        api, specialist, working_incident, "escalate", {"note": "Outage."},
        escalation="service_owner", escalated_to=service_owner.pk,
    )  # fmt: skip
    moved(
        api, service_owner, working_incident, "handle-escalation",
        {"decision": "back_to_specialists", "note": "No change needed."},
        escalation="back_to_specialists",
    )  # fmt: skip


def test_handle_escalation_refuses_an_unknown_decision(
    api, working_incident, specialist, service_owner
):
    post(api, specialist, working_incident, "escalate")

    response = post(api, service_owner, working_incident, "handle-escalation", {"decision": "x"})

    assert response.status_code == 400
    assert "decision" in field_errors(response)


def test_resolve_accept(api, working_incident, specialist, requester):
    moved(
        api, specialist, working_incident, "resolve",
        {"resolution": "Quota raised.", "resolution_code": "solved"}, status="resolved",
    )  # fmt: skip
    moved(api, requester, working_incident, "accept", status="closed")


@pytest.mark.parametrize("status", ["proposed", "rejected", "retired"])
def test_resolving_with_a_solution_not_in_general_use_is_refused(
    api, working_incident, specialist, server_group, status
):
    solution = solution_services.solution_propose(
        actor=specialist, title="Printer jammed", body="Open tray 2.", support_group=server_group
    )
    Solution.objects.filter(pk=solution.pk).update(status=status)

    response = post(
        api, specialist, working_incident, "resolve",
        {"resolution": "Tray 2 opened.", "resolution_code": "solved", "solution": solution.pk},
    )  # fmt: skip

    assert response.status_code == 400
    assert field_errors(response) == {
        "solution": [f"{solution.number} is not available for general use."]
    }
    working_incident.refresh_from_db()
    assert (working_incident.status, working_incident.solution_id) == ("in_progress", None)
    assert not SolutionUse.objects.exists()


def test_resolving_with_an_active_solution_records_its_use(
    api, working_incident, specialist, server_group
):
    solution = solution_services.solution_propose(
        actor=specialist, title="Printer jammed", body="Open tray 2.", support_group=server_group
    )
    Solution.objects.filter(pk=solution.pk).update(status="active")

    moved(
        api, specialist, working_incident, "resolve",
        {"resolution": "Tray 2 opened.", "resolution_code": "solved", "solution": solution.pk},
        solution=solution.pk,
    )  # fmt: skip

    assert SolutionUse.objects.get().incident_id == working_incident.pk


def test_resolve_needs_a_resolution_and_a_code(api, working_incident, specialist):
    response = post(api, specialist, working_incident, "resolve", {"resolution_code": "nope"})

    assert response.status_code == 400
    assert set(field_errors(response)) == {"resolution", "resolution_code"}


def test_reopen_by_the_requester_and_close_by_the_desk(
    api, resolved_incident, requester, desk_analyst, specialist
):
    moved(
        api, requester, resolved_incident, "reopen", {"reason": "Still broken."},
        status="assigned", reopen_count=1,
    )  # fmt: skip

    post(
        api, specialist, resolved_incident, "resolve",
        {"resolution": "Now really.", "resolution_code": "solved"},
    )  # fmt: skip
    moved(api, desk_analyst, resolved_incident, "close", status="closed")


def test_reopen_needs_a_reason(api, resolved_incident, requester):
    response = post(api, requester, resolved_incident, "reopen", {})

    assert response.status_code == 400
    assert "reason" in field_errors(response)


def test_cancel_by_the_desk(api, make_incident, desk_analyst):
    incident = make_incident()

    moved(api, desk_analyst, incident, "cancel", {"reason": "Duplicate."}, status="cancelled")


def test_inform_the_problem_coordinator(api, resolved_incident, specialist, problem_coordinator):
    response = post(
        api, specialist, resolved_incident, "inform-problem-coordinator", {"note": "Recurs."}
    )

    assert response.status_code == 200, response.json()
    assert response.json()["problem_coordinator_informed_at"] is not None


def test_a_step_in_the_wrong_state_is_409(api, make_incident, desk_analyst):
    incident = make_incident()

    response = post(api, desk_analyst, incident, "close")

    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"
    incident.refresh_from_db()
    assert incident.status == "new"


@pytest.mark.parametrize(
    ("step", "payload"),
    [
        ("resolve", {"resolution": "Fixed it myself.", "resolution_code": "solved"}),
        ("assign", {"support_group": None, "assignee": None, "reason": ""}),
        ("take", {}),
        ("close", {}),
        ("cancel", {}),
        ("escalate", {}),
    ],
)
def test_a_requester_may_not_work_on_their_request(api, working_incident, requester, step, payload):
    if step == "assign":
        payload = {"support_group": working_incident.support_group_id}
    before = working_incident.status

    response = post(api, requester, working_incident, step, payload)

    assert response.status_code == 403, response.json()
    working_incident.refresh_from_db()
    assert working_incident.status == before


def test_a_specialist_outside_the_group_may_not_resolve(api, working_incident, network_specialist):
    response = post(
        api, network_specialist, working_incident, "resolve",
        {"resolution": "x", "resolution_code": "solved"},
    )  # fmt: skip

    assert response.status_code == 403


# --- Replies and the journal -------------------------------------------------------------


def test_a_work_note_is_hidden_from_the_requester(api, working_incident, specialist, requester):
    note = post(api, specialist, working_incident, "reply", {"body": "Internal", "public": False})
    reply = post(api, specialist, working_incident, "reply", {"body": "Hello", "public": True})
    assert note.status_code == 201 and reply.status_code == 201

    staff = api.as_(specialist).get(url(working_incident, "journal")).json()
    customer = api.as_(requester).get(url(working_incident, "journal")).json()

    assert {"work_note", "public_reply"} <= {e["kind"] for e in staff}
    assert "work_note" not in {e["kind"] for e in customer}
    assert "Hello" in [e["body"] for e in customer]


def test_a_requester_replies_publicly_but_not_internally(api, working_incident, requester):
    public = post(api, requester, working_incident, "reply", {"body": "More info"})
    internal = post(api, requester, working_incident, "reply", {"body": "x", "public": False})

    assert public.status_code == 201
    assert public.json()["kind"] == "public_reply"
    assert internal.status_code == 400
    assert field_errors(internal)["public"] == ["You may not set this field."]


def test_an_empty_reply_is_400(api, working_incident, specialist):
    response = post(api, specialist, working_incident, "reply", {"body": ""})

    assert response.status_code == 400
    assert "body" in field_errors(response)


# --- Actions and attachments -------------------------------------------------------------


def test_actions_block_resolution_until_completed(api, working_incident, specialist):
    added = post(api, specialist, working_incident, "actions", {"title": "Replace the disk"})
    assert added.status_code == 201, added.json()
    assert added.json()["position"] == 1

    refused = post(
        api, specialist, working_incident, "resolve",
        {"resolution": "x", "resolution_code": "solved"},
    )  # fmt: skip
    assert refused.status_code == 400
    assert "actions" in field_errors(refused)

    done = post(api, specialist, working_incident, "actions/1/complete", {"result": "Replaced."})
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "done"
    listed = api.as_(specialist).get(url(working_incident, "actions")).json()
    assert [(a["position"], a["status"]) for a in listed] == [(1, "done")]


def test_requesters_see_no_actions_and_may_not_add_them(
    api, working_incident, requester, specialist
):
    actions.action_add(actor=specialist, incident_id=working_incident.pk, title="Internal task")

    assert api.as_(requester).get(url(working_incident, "actions")).json() == []
    response = post(api, requester, working_incident, "actions", {"title": "Mine"})
    assert response.status_code == 403
    assert post(api, requester, working_incident, "actions/1/complete").status_code == 404


def test_an_unknown_action_is_404(api, working_incident, specialist):
    assert post(api, specialist, working_incident, "actions/7/complete").status_code == 404


def test_attachments_of_the_request(api, working_incident, requester, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("note.txt", b"error 42", content_type="text/plain")
    response = api.as_(requester).post(
        "/api/v1/attachments/",
        {"record_type": "incidents.incidentrequest", "record_id": working_incident.pk,
         "file": upload},
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 201, response.json()

    listed = api.as_(requester).get(url(working_incident, "attachments")).json()

    assert [a["original_name"] for a in listed] == ["note.txt"]


# --- Routing rules ------------------------------------------------------------------------


@pytest.fixture
def rule(server_group, service):
    return RoutingRule.objects.create(name="Mail to servers", service=service,
                                      support_group=server_group)  # fmt: skip


def test_workers_read_the_routing_rules(api, specialist, rule):
    response = api.as_(specialist).get("/api/v1/routing-rules/")

    assert response.status_code == 200
    assert [r["name"] for r in response.json()["results"]] == ["Mail to servers"]


def test_customers_may_not_read_routing_rules(api, requester, rule):
    assert api.as_(requester).get("/api/v1/routing-rules/").status_code == 403
    assert api.as_(requester).get(f"/api/v1/routing-rules/{rule.pk}/").status_code == 403


def test_only_maintainers_change_routing_rules(api, specialist, rule, server_group):
    created = api.as_(specialist).post(
        "/api/v1/routing-rules/", {"name": "x", "support_group": server_group.pk}, format="json"
    )
    changed = api.as_(specialist).patch(
        f"/api/v1/routing-rules/{rule.pk}/", {"name": "y"}, format="json"
    )
    removed = api.as_(specialist).delete(f"/api/v1/routing-rules/{rule.pk}/")

    assert (created.status_code, changed.status_code, removed.status_code) == (403, 403, 403)
    assert RoutingRule.objects.get().name == "Mail to servers"


def test_a_maintainer_adds_changes_and_removes_a_rule(api, admin_person, server_group):
    created = api.as_(admin_person).post(
        "/api/v1/routing-rules/",
        {"name": "Network", "keywords": "vpn, wifi", "support_group": server_group.pk},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    changed = api.as_(admin_person).patch(
        f"/api/v1/routing-rules/{pk}/", {"order": 5}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["order"] == 5
    assert api.as_(admin_person).delete(f"/api/v1/routing-rules/{pk}/").status_code == 204
    assert not RoutingRule.objects.filter(pk=pk).exists()


def test_journal_helper_is_the_one_used(api, working_incident, specialist):
    # The journal endpoint is ``journal.timeline`` for the caller: same entries, oldest first.
    entries = api.as_(specialist).get(url(working_incident, "journal")).json()
    expected = list(
        journal.timeline(working_incident, actor=specialist)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    assert [e["id"] for e in entries] == expected


def test_the_list_costs_the_same_queries_for_one_or_many_rows(
    api, desk_analyst, make_incident, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_incident()
    with CaptureQueriesContext(connection) as one:
        api.as_(desk_analyst).get(URL)
    for n in range(8):
        make_incident(title=f"more {n}")

    with django_assert_max_num_queries(len(one)):
        response = api.as_(desk_analyst).get(URL)

    assert len(response.json()["results"]) == 9
