"""The service desk's pages: queues (priority, then age), registration with the requester
lookup, the record page with its steps, actions and replies (seed 003 ch. 8)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from steward.core import journal
from steward.core.testing.exports import assert_formulas_defused
from steward.core.tests.factories import FORMULA_CELLS
from steward.incidents.models import IncidentRequest
from steward.incidents.services import incidents as svc

pytestmark = pytest.mark.django_db


def detail(incident: IncidentRequest) -> str:
    return reverse("incidents:incident-detail", args=[incident.pk])


def step_url(incident: IncidentRequest, key: str) -> str:
    return reverse(f"incidents:incident-{key}", args=[incident.pk])


def listed(response) -> list[str]:
    return [row["obj"].number for row in response.context["rows"]]


def age(incident: IncidentRequest, hours: int) -> IncidentRequest:
    IncidentRequest.objects.filter(pk=incident.pk).update(
        created_at=timezone.now() - timedelta(hours=hours)
    )
    return incident


# --- Queues ------------------------------------------------------------------------------


def test_all_open_is_sorted_by_priority_then_age(client, desk_analyst, make_incident):
    old_low = age(make_incident(title="old low"), 10)
    new_high = age(make_incident(title="new high", impact="1", urgency="2"), 1)
    old_high = age(make_incident(title="old high", impact="1", urgency="2"), 5)
    closed = make_incident(title="cancelled")
    svc.incident_cancel(actor=desk_analyst, incident_id=closed.pk)
    client.force_login(desk_analyst)

    response = client.get(reverse("incidents:incident-list"))

    assert response.status_code == 200
    assert listed(response) == [old_high.number, new_high.number, old_low.number]


def test_my_requests_holds_what_is_assigned_to_me(
    client, working_incident, specialist, make_incident
):
    make_incident()
    client.force_login(specialist)

    response = client.get(reverse("incidents:incident-mine"))

    assert listed(response) == [working_incident.number]


def test_my_groups_shows_unassigned_first(
    client, coordinator, specialist, server_group, network_group, make_incident
):
    taken = make_incident(title="taken", support_group=server_group, impact="1", urgency="1")
    svc.incident_take(actor=specialist, incident_id=taken.pk)
    waiting = make_incident(title="waiting", support_group=server_group)
    make_incident(title="elsewhere", support_group=network_group)
    client.force_login(coordinator)

    response = client.get(reverse("incidents:incident-groups"))

    assert listed(response) == [waiting.number, taken.number]
    tabs = {q["key"]: q["count"] for q in response.context["queues"]}
    assert tabs == {"mine": 0, "groups": 2, "all": 3}


def test_queues_filter_and_export(client, desk_analyst, make_incident):
    urgent = make_incident(title="urgent", impact="1", urgency="1")
    make_incident(title="calm")
    client.force_login(desk_analyst)

    response = client.get(reverse("incidents:incident-list"), {"priority": "1"})
    export = client.get(reverse("incidents:incident-list"), {"format": "csv"})

    assert listed(response) == [urgent.number]
    assert b"urgent" in b"".join(export.streaming_content)


def test_incident_list_csv_defuses_formulas(client, desk_analyst, make_incident):
    titles = [make_incident(title=f"{formula} x").title for formula in FORMULA_CELLS]
    client.force_login(desk_analyst)

    export = client.get(reverse("incidents:incident-list"), {"format": "csv"})

    assert_formulas_defused(export, titles)


def test_customers_are_sent_from_the_queues_to_the_portal(client, requester):
    client.force_login(requester)

    response = client.get(reverse("incidents:incident-list"))

    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:portal-home")


def test_customers_may_not_open_the_desk_form(client, requester):
    client.force_login(requester)

    assert client.get(reverse("incidents:incident-create")).status_code == 403
    assert client.get(reverse("incidents:requester-lookup"), {"q": "First"}).status_code == 403


# --- Registration --------------------------------------------------------------------------


def test_the_desk_registers_a_request(client, desk_analyst, requester, service, server_group):
    client.force_login(desk_analyst)

    response = client.post(
        reverse("incidents:incident-create"),
        {
            "requester": requester.pk,
            "channel": "phone",
            "title": "VPN drops",
            "service": service.pk,
            "service_type": "user_service_restoration",
            "impact": "3",
            "urgency": "2",
            "support_group": server_group.pk,
        },
    )

    incident = IncidentRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(incident)
    assert (incident.requester, incident.support_group, incident.status) == (
        requester,
        server_group,
        "assigned",
    )


def test_registration_shows_errors_next_to_the_fields(client, desk_analyst):
    client.force_login(desk_analyst)

    response = client.post(
        reverse("incidents:incident-create"),
        {"title": "", "impact": "4", "urgency": "3", "service_type": "user_service_restoration",
         "channel": "phone", "cis": "CI-404", "resolve_now": "on"},
    )  # fmt: skip

    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"requester", "title", "cis", "resolution", "resolution_code"}
    assert "Look up and choose the requester." in response.content.decode()
    assert not IncidentRequest.objects.exists()


def test_first_contact_resolution_from_the_form(client, desk_analyst, requester):
    client.force_login(desk_analyst)

    client.post(
        reverse("incidents:incident-create"),
        {"requester": requester.pk, "channel": "phone", "title": "Password",
         "service_type": "user_service_request", "impact": "4", "urgency": "4",
         "resolve_now": "on", "resolution": "Reset.", "resolution_code": "request_fulfilled"},
    )  # fmt: skip

    incident = IncidentRequest.objects.get()
    assert incident.status == "resolved"
    assert incident.first_contact_resolution


def test_requester_lookup_and_their_requests(client, desk_analyst, requester, make_incident):
    open_one = make_incident(title="Still open")
    done = make_incident(title="Done already")
    svc.incident_cancel(actor=desk_analyst, incident_id=done.pk)
    client.force_login(desk_analyst)

    found = client.get(reverse("incidents:requester-lookup"), {"q": requester.last_name})
    panel = client.get(reverse("incidents:requester-requests", args=[requester.pk]))

    assert requester.display_name in found.content.decode()
    assert [i.number for i in panel.context["panel"]["open"]] == [open_one.number]
    assert [i.number for i in panel.context["panel"]["recent"]] == [done.number]
    # The requester's organisation's services come first in the service list.
    assert 'hx-swap-oob="true"' in panel.content.decode()


def test_the_priority_preview_follows_the_matrix(client, desk_analyst):
    client.force_login(desk_analyst)

    response = client.get(reverse("incidents:priority-preview"), {"impact": "1", "urgency": "1"})

    assert response.context["priority"] == {"key": "p1", "label": "P1 Critical"}


# --- Record page ---------------------------------------------------------------------------


def test_the_record_page_shows_the_steps_the_actor_may_take(client, assigned_incident, coordinator):
    client.force_login(coordinator)

    response = client.get(detail(assigned_incident))

    assert response.status_code == 200
    keys = {s["step"].key for s in response.context["steps"]} | {
        s["step"].key for s in response.context["buttons"]
    }
    assert {"take", "assign", "send-back", "resolve"} <= keys
    assert not {"accept", "close", "handle-escalation"} & keys
    members = response.context["availability"][0]["members"]
    assert {m["person"].username for m in members} == {"coord", "spec"}


def test_the_record_page_shows_the_sla_clocks(client, make_incident, sla, desk_analyst):
    incident = make_incident(impact="1", urgency="1")
    client.force_login(desk_analyst)

    response = client.get(detail(incident))

    clocks = response.context["clocks"]
    assert {c["clock"].metric for c in clocks} >= {"response", "resolution"}
    assert all(not c["breached"] for c in clocks)
    assert "left" in clocks[0]["text"]


def test_customers_reading_a_desk_page_land_in_the_portal(client, make_incident, requester):
    incident = make_incident()
    client.force_login(requester)

    response = client.get(detail(incident))

    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:portal-detail", args=[incident.pk])


@pytest.mark.parametrize(
    ("who", "key", "data", "status"),
    [
        ("specialist", "take", {}, "in_progress"),
        ("coordinator", "send-back", {"reason": "missing_information", "note": "Which PC?"}, "new"),
        ("specialist", "pending", {"reason": "awaiting_supplier"}, "pending"),
        ("coordinator", "cancel", {}, None),
    ],
)
def test_steps_from_the_record_page(client, request, assigned_incident, who, key, data, status):
    person = request.getfixturevalue(who)
    client.force_login(person)
    if key == "pending":
        svc.incident_take(actor=person, incident_id=assigned_incident.pk)

    response = client.post(step_url(assigned_incident, key), data)

    assigned_incident.refresh_from_db()
    if status is None:  # the coordinator may not cancel: the desk does
        assert response.status_code == 403
        assert assigned_incident.status == "assigned"
    else:
        assert response.status_code == 302
        assert assigned_incident.status == status


def test_resolve_with_missing_fields_shows_the_form_again(client, working_incident, specialist):
    client.force_login(specialist)

    response = client.post(step_url(working_incident, "resolve"), {"resolution": ""})

    assert response.status_code == 400
    form = next(s["form"] for s in response.context["steps"] if s["step"].key == "resolve")
    assert set(form.errors) == {"resolution", "resolution_code"}
    assert next(s for s in response.context["steps"] if s["step"].key == "resolve")["open"]


def test_resolve_is_refused_while_an_action_is_open(client, working_incident, specialist):
    client.force_login(specialist)
    client.post(
        reverse("incidents:incident-action-add", args=[working_incident.pk]),
        {"title": "Order a disk"},
    )

    refused = client.post(
        step_url(working_incident, "resolve"),
        {"resolution": "Done.", "resolution_code": "solved"},
    )
    client.post(reverse("incidents:incident-action-complete", args=[working_incident.pk, 1]))
    resolved = client.post(
        step_url(working_incident, "resolve"),
        {"resolution": "Done.", "resolution_code": "solved"},
    )

    assert refused.status_code == 400
    assert "Complete or cancel the open actions first." in refused.content.decode()
    assert resolved.status_code == 302
    working_incident.refresh_from_db()
    assert working_incident.status == "resolved"


def test_assess_change_asks_all_three_questions(client, working_incident, specialist):
    client.force_login(specialist)

    response = client.post(
        step_url(working_incident, "assess-change"), {"causes_service_unavailability": "no"}
    )

    assert response.status_code == 400
    assert "Answer yes or no." in response.content.decode()


def test_assign_a_specialist_of_the_group(client, assigned_incident, coordinator, specialist):
    client.force_login(coordinator)

    response = client.post(
        step_url(assigned_incident, "assign"),
        {"support_group": assigned_incident.support_group_id, "assignee": specialist.pk},
    )

    assert response.status_code == 302
    assigned_incident.refresh_from_db()
    assert assigned_incident.assignee == specialist


def test_availability_lists_members_with_their_load(
    client, working_incident, coordinator, server_group
):
    client.force_login(coordinator)

    response = client.get(
        reverse("incidents:group-availability"), {"support_group": server_group.pk}
    )

    members = {
        m["person"].username: m["open"] for m in response.context["availability"][0]["members"]
    }
    assert members == {"coord": 0, "spec": 1}


def test_a_work_note_and_a_public_reply(client, working_incident, specialist, requester):
    client.force_login(specialist)

    client.post(detail(working_incident), {"body": "Checked the logs."})
    client.post(detail(working_incident), {"body": "Please restart.", "public": "on"})

    kinds = {
        e.body: e.kind for e in journal.timeline(working_incident, actor=specialist)
        if e.kind in ("work_note", "public_reply")
    }  # fmt: skip
    assert kinds == {"Checked the logs.": "work_note", "Please restart.": "public_reply"}


def test_an_empty_note_shows_an_error(client, working_incident, specialist):
    client.force_login(specialist)

    response = client.post(detail(working_incident), {"body": "  "})

    assert response.status_code == 400


def test_the_edit_form_updates_the_request(client, working_incident, specialist):
    client.force_login(specialist)
    url = reverse("incidents:incident-edit", args=[working_incident.pk])

    page = client.get(url)
    response = client.post(
        url,
        {"title": "Mailbox full", "service_type": "user_service_restoration",
         "impact": "2", "urgency": "2", "service": working_incident.service_id},
    )  # fmt: skip

    assert page.status_code == 200
    assert response.status_code == 302
    working_incident.refresh_from_db()
    assert (working_incident.title, working_incident.priority) == ("Mailbox full", "2")


def test_the_queue_costs_the_same_queries_for_one_or_many_rows(
    client, desk_analyst, make_incident, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_incident()
    client.force_login(desk_analyst)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("incidents:incident-list"))
    for n in range(8):
        make_incident(title=f"more {n}")

    with django_assert_max_num_queries(len(one)):
        response = client.get(reverse("incidents:incident-list"))

    assert len(response.context["rows"]) == 9


def test_a_resolved_request_offers_its_resolver_to_propose_the_solution(
    client, resolved_incident, specialist, requester
):
    """Procedures 4 and 6: the resolver may propose the solution for general use; the
    link fills the proposal from the request. The requester is never offered it."""
    client.force_login(specialist)
    page = client.get(resolved_incident.get_absolute_url()).content.decode()
    link = f"/solutions/new/?from_incident={resolved_incident.pk}"
    assert "Propose it for general use" in page and link in page.replace("&amp;", "&")
    client.force_login(requester)
    response = client.get(resolved_incident.get_absolute_url(), follow=True)
    assert "Propose it for general use" not in response.content.decode()
