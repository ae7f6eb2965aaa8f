"""The incident side of emergency changes (seed 003 ch. 8 proc. 2-5; issue 14 acceptance
4): the service owner's request reaches the specialist (service, API, page), and a request
whose resolution needs Change Management is resolved only through a linked change or an
explicit, journaled override (service, API, page)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from steward.changes.models import Change
from steward.changes.tests import emergency_world as world
from steward.core.choices import JournalKind
from steward.core.testing.journal import journal_of
from steward.core.tests.api import field_errors
from steward.incidents.services import incidents as incident_svc

escalated, ask, mail_server, told = world.escalated, world.ask, world.mail_server, world.told

RESOLUTION = {"resolution": "Relay configuration corrected.", "resolution_code": "solved"}


@pytest.fixture
def make_assessed(analyst, requester, service, server_group, specialist, service_owner):
    """``make_assessed(needs)``: a request the specialist works on, assessed with ``needs``
    (True: its functionality changes; False: all three answers no; None: not assessed)."""

    def make(needs):
        incident = incident_svc.incident_register(
            actor=analyst, requester=requester, title="Mail bounces", service=service,
            support_group=server_group,
        )  # fmt: skip
        incident_svc.incident_take(actor=specialist, incident_id=incident.pk)
        if needs is not None:
            incident = incident_svc.incident_assess_change(
                actor=specialist, incident_id=incident.pk,
                causes_service_unavailability=False, changes_service_functionality=needs,
                requires_cmdb_update=False,
            )  # fmt: skip
        return incident

    return make


def resolve(actor, incident, **extra):
    return incident_svc.incident_resolve(
        actor=actor, incident_id=incident.pk, **RESOLUTION, **extra
    )


# flagged, the linked change's state (None: none linked), override, resolved?
RESOLUTION_RULE = [
    (None, None, "", True),  # not assessed: unaffected
    (False, None, "", True),  # assessed, needs no change: unaffected
    (True, None, "", False),
    (True, None, "The supplier fixed it on their side.", True),
    (True, "implementation", "", True),
    (True, "closed", "", True),
    (True, "rejected", "", False),
    (True, "cancelled", "", False),
    (True, "cancelled", "Rolled back by the supplier.", True),
]


@pytest.mark.parametrize(("needs", "change_state", "override", "resolved"), RESOLUTION_RULE)
def test_a_request_needing_change_management_is_resolved_through_a_change(
    make_assessed, make_change, specialist, needs, change_state, override, resolved
):
    """Ch. 8 proc. 2-5: "an incident request may not be resolved without Change Management
    when its resolution will cause ...": a linked change (not rejected or cancelled) or an
    explicit override."""
    incident = make_assessed(needs)
    if change_state is not None:
        change = make_change(incident_ids=[incident.pk])
        Change.objects.filter(pk=change.pk).update(status=change_state)

    if not resolved:
        with pytest.raises(ValidationError) as caught:
            resolve(specialist, incident, override_reason=override)
        assert set(caught.value.message_dict) == {"override_reason"}
        incident.refresh_from_db()
        assert incident.status == "in_progress"
        return
    incident = resolve(specialist, incident, override_reason=override)
    assert incident.status == "resolved"
    overridden = journal_of(incident, kind=JournalKind.SYSTEM, data__change_override=True)
    assert overridden.exists() is (needs is True and change_state in (None, "cancelled"))


def test_the_override_journals_the_person_and_the_reason(make_assessed, specialist):
    incident = resolve(specialist, make_assessed(True), override_reason="Supplier fixed it.")

    note = journal_of(incident, kind=JournalKind.WORK_NOTE).last()
    assert (note.actor, note.public) == (specialist, False)
    assert "Supplier fixed it." in note.body
    system = journal_of(incident, kind=JournalKind.SYSTEM, data__change_override=True).get()
    assert system.data["by"] == specialist.pk


def test_the_api_refuses_naming_override_reason(api, make_assessed, specialist):
    incident = make_assessed(True)
    url = f"/api/v1/incidents/{incident.pk}/resolve/"

    refused = api.as_(specialist).post(url, RESOLUTION, format="json")
    allowed = api.as_(specialist).post(
        url, {**RESOLUTION, "override_reason": "Supplier fixed it."}, format="json"
    )

    assert refused.status_code == 400
    assert set(field_errors(refused)) == {"override_reason"}
    assert allowed.status_code == 200, allowed.json()
    assert allowed.json()["status"] == "resolved"


def test_the_page_refuses_on_the_override_field(client, make_assessed, specialist):
    incident = make_assessed(True)
    client.force_login(specialist)
    url = reverse("incidents:incident-resolve", args=[incident.pk])

    refused = client.post(url, RESOLUTION)
    resolved = client.post(url, {**RESOLUTION, "override_reason": "Supplier fixed it."})

    assert refused.status_code == 400
    step = next(s for s in refused.context["steps"] if s["step"].key == "resolve")
    assert set(step["form"].errors) == {"override_reason"}
    assert resolved.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "resolved"


def test_the_resolve_form_asks_for_the_override_only_when_needed(client, make_assessed, specialist):
    client.force_login(specialist)

    def fields(incident):
        page = client.get(reverse("incidents:incident-detail", args=[incident.pk]))
        step = next(s for s in page.context["steps"] if s["step"].key == "resolve")
        return set(step["form"].fields)

    assert "override_reason" in fields(make_assessed(True))
    assert "override_reason" not in fields(make_assessed(False))


# --- proc. 5: the owner's request reaches the specialist (API and page) -----------------


@pytest.mark.parametrize(
    ("who", "status"), [("missing", 400), ("change_coordinator", 400), ("specialist", 200)]
)
def test_the_api_decision_names_the_specialist(api, escalated, service_owner, request, who, status):
    body = {"decision": "emergency_change", "category": "application"}
    if who != "missing":
        body["specialist"] = request.getfixturevalue(who).pk

    answer = api.as_(service_owner).post(
        f"/api/v1/incidents/{escalated.pk}/handle-escalation/", body, format="json"
    )

    assert answer.status_code == status, answer.json()
    if status == 400:
        assert set(field_errors(answer)) == {"specialist"}
        assert not Change.objects.exists()
    else:
        assert answer.json()["assignee"] == body["specialist"]
        change = Change.objects.get(incidents=escalated)
        assert (change.category, change.implementer_id) == ("application", body["specialist"])


def test_the_api_decision_is_the_owners(api, escalated, specialist):
    answer = api.as_(specialist).post(
        f"/api/v1/incidents/{escalated.pk}/handle-escalation/",
        {"decision": "emergency_change", "specialist": specialist.pk},
        format="json",
    )

    assert answer.status_code == 403
    assert not Change.objects.exists()


def test_the_page_decision_offers_the_specialists(client, escalated, service_owner, specialist):
    client.force_login(service_owner)
    page = client.get(reverse("incidents:incident-detail", args=[escalated.pk]))
    step = next(s for s in page.context["steps"] if s["step"].key == "handle-escalation")
    assert specialist in step["form"].fields["specialist"].queryset
    assert service_owner not in step["form"].fields["specialist"].queryset
    url = reverse("incidents:incident-handle-escalation", args=[escalated.pk])

    refused = client.post(url, {"decision": "emergency_change"})
    asked = client.post(url, {"decision": "emergency_change", "specialist": specialist.pk})

    assert refused.status_code == 400
    step = next(s for s in refused.context["steps"] if s["step"].key == "handle-escalation")
    assert "specialist" in step["form"].errors
    assert asked.status_code == 302
    change = Change.objects.get(incidents=escalated)
    assert (change.category, change.implementer) == ("infrastructure", specialist)


def test_the_incident_page_shows_its_changes(client, ask, escalated, specialist, requester):
    change = ask()
    client.force_login(specialist)

    page = client.get(reverse("incidents:incident-detail", args=[escalated.pk])).content.decode()

    assert 'id="changes-heading"' in page
    assert change.number in page
    assert reverse("changes:change-detail", args=[change.pk]) in page
    # The requester's view of the request (the portal) says nothing about changes.
    client.force_login(requester)
    portal = client.get(reverse("incidents:portal-detail", args=[escalated.pk])).content.decode()
    assert change.number not in portal
