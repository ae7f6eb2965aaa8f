"""The self-service portal (seed 003 ch. 8 procedures 1 and 6; IRP SG1): requesters register
and follow their requests, reply, and accept or reopen what was resolved."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from steward.core.context_processors import shell
from steward.core.models import Attachment, JournalEntry
from steward.incidents.models import IncidentRequest
from steward.incidents.services import incidents as svc

pytestmark = pytest.mark.django_db

HOME = "incidents:portal-home"


def page(incident: IncidentRequest, name: str = "portal-detail") -> str:
    return reverse(f"incidents:{name}", args=[incident.pk])


def shown(response, section: str) -> list[str]:
    return [i.number for i in response.context[section]]


# --- My requests ----------------------------------------------------------------------------


def test_my_requests_sorts_what_waits_for_me_first(
    client, requester, make_incident, resolved_incident, colleague
):
    open_one = make_incident(title="Open one")
    make_incident(requester=colleague, title="A colleague's")
    client.force_login(requester)

    response = client.get(reverse(HOME))

    assert response.status_code == 200
    assert shown(response, "waiting") == [resolved_incident.number]
    assert shown(response, "open") == [open_one.number]
    assert "A colleague's" not in response.content.decode()


def test_a_representative_also_sees_the_organisations_requests(
    client, representative, requester, make_incident, other_requester, other_customer_org
):
    theirs = make_incident(title="Acme's")
    make_incident(requester=other_requester, customer=other_customer_org, title="Globex's")
    client.force_login(representative)

    mine = client.get(reverse(HOME))
    everyone = client.get(reverse(HOME), {"show": "organisation"})

    assert shown(mine, "open") == []
    assert shown(everyone, "open") == [theirs.number]


def test_a_requester_may_not_open_someone_elses_request(client, other_requester, make_incident):
    incident = make_incident()
    client.force_login(other_requester)

    assert client.get(page(incident)).status_code == 404
    assert client.post(page(incident, "portal-reply"), {"body": "Hi"}).status_code == 404
    assert client.post(page(incident, "portal-accept")).status_code == 404


def test_the_portal_is_in_the_navigation_and_the_desk_pages_are_not(rf, requester):
    request = rf.get("/")
    request.user = requester

    items = {i["label"] for _, entries in shell(request)["nav_areas"] for i in entries}

    assert "My requests" in items
    assert "New incident request" not in items


# --- Register -----------------------------------------------------------------------------


def test_a_requester_registers_a_request_with_a_file(
    client, requester, service, customer_org, media_root
):
    client.force_login(requester)
    form = client.get(reverse("incidents:portal-create"))

    response = client.post(
        reverse("incidents:portal-create"),
        {
            "title": "Cannot print",
            "description": "Paper jam message.",
            "service": service.pk,
            "attachment": SimpleUploadedFile("error.txt", b"E-42 paper jam"),
        },
    )

    incident = IncidentRequest.objects.get()
    assert form.status_code == 200
    assert list(form.context["form"].fields["service"].queryset) == [service]
    assert response.status_code == 302
    assert response["Location"] == page(incident)
    assert (incident.requester, incident.customer, incident.channel) == (
        requester,
        customer_org,
        "portal",
    )
    assert Attachment.objects.get().original_name == "error.txt"


def test_registration_errors_are_shown_and_nothing_is_saved(client, requester, media_root):
    client.force_login(requester)

    response = client.post(
        reverse("incidents:portal-create"),
        {"title": "", "attachment": SimpleUploadedFile("run.exe", b"MZ\x90\x00")},
    )

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"title", "attachment"}
    assert not IncidentRequest.objects.exists()


def test_a_service_of_another_organisation_is_refused(client, requester, other_service):
    client.force_login(requester)

    response = client.post(
        reverse("incidents:portal-create"), {"title": "Payroll", "service": other_service.pk}
    )

    assert response.status_code == 400
    assert "service" in response.context["form"].errors


# --- Follow, reply, accept, reopen ---------------------------------------------------------


def test_the_request_page_shows_the_public_timeline_only(
    client, working_incident, specialist, requester
):
    svc.incident_add_reply(
        actor=specialist, incident_id=working_incident.pk, body="Secret plan", public=False
    )
    svc.incident_add_reply(actor=specialist, incident_id=working_incident.pk, body="On it!")
    client.force_login(requester)

    response = client.get(page(working_incident))

    body = response.content.decode()
    assert response.status_code == 200
    assert "On it!" in body
    assert "Secret plan" not in body
    assert all(e.kind != "work_note" for e in response.context["entries"])


def test_staff_see_the_requesters_view_without_work_notes(client, working_incident, specialist):
    svc.incident_add_reply(
        actor=specialist, incident_id=working_incident.pk, body="Secret plan", public=False
    )
    client.force_login(specialist)

    response = client.get(page(working_incident))

    assert "Secret plan" not in response.content.decode()


def test_a_reply_resumes_a_request_waiting_for_the_requester(
    client, working_incident, specialist, requester
):
    svc.incident_set_pending(
        actor=specialist, incident_id=working_incident.pk, reason="awaiting_requester",
        note="Which mailbox?",
    )  # fmt: skip
    client.force_login(requester)

    response = client.post(page(working_incident, "portal-reply"), {"body": "The shared one."})

    assert response.status_code == 302
    working_incident.refresh_from_db()
    assert working_incident.status == "in_progress"
    assert JournalEntry.objects.filter(kind="public_reply", body="The shared one.").exists()


def test_an_empty_reply_shows_an_error(client, working_incident, requester):
    client.force_login(requester)

    response = client.post(page(working_incident, "portal-reply"), {"body": ""})

    assert response.status_code == 400
    assert "body" in response.context["reply_form"].errors


def test_accept_closes_the_request(client, resolved_incident, requester):
    client.force_login(requester)
    before = client.get(page(resolved_incident))

    response = client.post(page(resolved_incident, "portal-accept"))

    assert before.context["may_verify"] is True
    assert response.status_code == 302
    resolved_incident.refresh_from_db()
    assert resolved_incident.status == "closed"


def test_reopen_needs_a_reason(client, resolved_incident, requester):
    client.force_login(requester)

    refused = client.post(page(resolved_incident, "portal-reopen"), {"reason": ""})
    reopened = client.post(page(resolved_incident, "portal-reopen"), {"reason": "Still broken"})

    assert refused.status_code == 400
    assert "reason" in refused.context["reopen_form"].errors
    assert reopened.status_code == 302
    resolved_incident.refresh_from_db()
    assert (resolved_incident.status, resolved_incident.reopen_count) == ("assigned", 1)


def test_a_colleague_may_not_accept_someone_elses_request(
    client, resolved_incident, representative
):
    client.force_login(representative)

    page_for_rep = client.get(page(resolved_incident))
    response = client.post(page(resolved_incident, "portal-accept"))

    assert page_for_rep.status_code == 200
    assert page_for_rep.context["may_verify"] is False
    assert response.status_code == 403
    resolved_incident.refresh_from_db()
    assert resolved_incident.status == "resolved"


def test_accept_on_an_open_request_is_a_conflict(client, working_incident, requester):
    client.force_login(requester)

    response = client.post(page(working_incident, "portal-accept"))

    assert response.status_code == 409
    working_incident.refresh_from_db()
    assert working_incident.status == "in_progress"
