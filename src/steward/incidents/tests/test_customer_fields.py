"""Issue 10, items 1 and 2, as the attacker and the customer met them (the generated tests in
``core/tests/test_field_rules_*`` and ``test_staff_text`` cover every other field).

1. A requester registering through the API sent impact and urgency and got priority 1 with
   P1 clocks; the portal ignored the same fields. Now both refuse them with 400 naming
   them, and nothing is registered.
2. The reason given when assigning, the coordinator's send-back note and the resume note
   were the body of public transition entries: the requester read them in the portal and
   the journal API. Now they are internal notes beside the public status change.
"""

import pytest
from django.urls import reverse

from steward.core.choices import SecurityEventKind
from steward.core.models import JournalEntry, SecurityEvent, SlaClock
from steward.core.tests.api import field_errors
from steward.incidents.models import IncidentRequest
from steward.incidents.services import incidents as svc

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"
REFUSED = "You may not set this field."


def test_a_requester_cannot_raise_the_priority_through_the_api(
    api, requester, desk_analyst, service, sla
):
    response = api.as_(requester).post(
        URL,
        {"title": "Everything is down", "service": service.pk, "impact": "1", "urgency": "1"},
        format="json",
    )

    assert response.status_code == 400
    errors = field_errors(response)
    assert set(errors) == {"impact", "urgency"}
    assert all(m.startswith(REFUSED) for m in errors["impact"] + errors["urgency"])
    assert not IncidentRequest.objects.exists() and not SlaClock.objects.exists()
    event = SecurityEvent.objects.get(kind=SecurityEventKind.PERMISSION_DENIED)
    assert (event.actor, event.data) == (requester, {"fields": ["impact", "urgency"]})
    # Without them the request gets the desk's defaults; the desk still sets them.
    mine = api.as_(requester).post(URL, {"title": "Mail", "service": service.pk}, format="json")
    assert (mine.json()["priority"], mine.json()["channel"]) == ("4", "portal")
    body = {"requester": requester.pk, "title": "x", "service": service.pk,
            "impact": "1", "urgency": "1"}  # fmt: skip
    assert api.as_(desk_analyst).post(URL, body, format="json").json()["priority"] == "1"


@pytest.mark.parametrize(
    "field",
    ["priority", "status", "support_group", "assignee", "category", "service_type", "channel",
     "cis"],
)  # fmt: skip
def test_a_requester_sets_none_of_what_the_desk_decides(
    api, requester, server_group, specialist, field
):
    from steward.incidents.models import Category

    valid = {"priority": "1", "status": "resolved", "support_group": server_group.pk,
             "assignee": specialist.pk, "category": Category.objects.create(name="Mail").pk,
             "service_type": "infrastructure_restoration", "channel": "email", "cis": []}  # fmt: skip

    response = api.as_(requester).post(URL, {"title": "x", field: valid[field]}, format="json")

    assert response.status_code == 400
    assert list(field_errors(response)) == [field]
    message = field_errors(response)[field][0]
    assert message.startswith(REFUSED) or message == "No such field here: it cannot be set."
    assert not IncidentRequest.objects.exists()


def test_the_portal_refuses_what_its_form_does_not_offer(client, requester, service):
    client.force_login(requester)

    response = client.post(
        reverse("incidents:portal-create"),
        {"title": "Everything is down", "service": service.pk, "impact": "1", "urgency": "1"},
    )

    assert response.status_code == 400
    assert "Impact: You may not set this field." in response.content.decode()
    assert "Urgency: You may not set this field." in response.content.decode()
    assert not IncidentRequest.objects.exists()


def test_a_specialist_registers_but_assigning_is_refused_naming_the_field(
    api, specialist, requester, server_group
):
    body = {"requester": requester.pk, "title": "x", "support_group": server_group.pk}

    response = api.as_(specialist).post(URL, body, format="json")

    assert response.status_code == 400
    assert field_errors(response)["support_group"][0].startswith(REFUSED)
    assert not IncidentRequest.objects.exists()


# --- Item 2 -------------------------------------------------------------------------------------


def test_staff_reasons_stay_internal_while_the_status_changes_are_public(
    api, client, working_incident, coordinator, specialist, requester, desk_analyst
):
    incident = working_incident
    svc.incident_set_pending(actor=specialist, incident_id=incident.pk, reason="awaiting_supplier")
    svc.incident_resume(actor=specialist, incident_id=incident.pk, note="Vendor was slow again")
    svc.incident_send_back(
        actor=coordinator, incident_id=incident.pk, reason="wrong_group", note="Not ours, idiots"
    )
    svc.incident_assign(
        actor=desk_analyst, incident_id=incident.pk, support_group=incident.support_group_id,
        reason="Requester is a known complainer",
    )  # fmt: skip
    svc.incident_add_reply(actor=desk_analyst, incident_id=incident.pk, body="We are on it")
    internal = ("Vendor was slow again", "Not ours, idiots", "Requester is a known complainer")

    journal_api = api.as_(requester).get(f"{URL}{incident.pk}/journal/").content.decode()
    client.force_login(requester)
    portal = client.get(reverse("incidents:portal-detail", args=[incident.pk])).content.decode()
    staff_journal = api.as_(desk_analyst).get(f"{URL}{incident.pk}/journal/").json()

    for text in internal:
        assert text not in journal_api and text not in portal
        assert any(text in e["body"] for e in staff_journal)
    changes = [(e["old_value"], e["new_value"]) for e in api.as_(requester)
               .get(f"{URL}{incident.pk}/journal/").json() if e["kind"] == "transition"]  # fmt: skip
    assert ("pending", "in_progress") in changes and ("in_progress", "new") in changes
    assert "We are on it" in journal_api and "We are on it" in portal  # replies are public


def test_existing_transition_reasons_become_internal_unless_sent_to_the_requester(
    make_incident, requester
):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("steward.core.migrations.0008_journal_entry_public")
    incident = make_incident()
    kinds = {("assigned", "Coordinator's reason"): False, ("resolved", "Quota raised"): True,
             ("in_progress", ""): True}  # fmt: skip
    rows = [
        JournalEntry.objects.create(record=incident, kind="transition", new_value=new, body=body)
        for new, body in kinds
    ]
    JournalEntry.objects.filter(pk__in=[r.pk for r in rows]).update(public=False)

    migration.mark_public(apps, None)

    assert [JournalEntry.objects.get(pk=r.pk).public for r in rows] == list(kinds.values())
