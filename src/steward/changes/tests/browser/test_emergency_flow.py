"""Change Management in a real browser (issue 14, acceptance 5): an emergency change from
an escalated incident (seed 003 ch. 8 proc. 5, ch. 3 proc. 7-8). E-mail's owner asks the
server specialist to implement it, the specialist records a successful production test
(the incident is resolved), and the change coordinator registers and closes it."""

import pytest
from playwright.sync_api import expect

from steward.changes.models import Change
from steward.core.models import Person
from steward.core.tests.browser.conftest import browser_page, shot, sign_in  # noqa: F401
from steward.core.tests.factories import (
    OrganisationFactory,
    SupportGroupFactory,
    add_member,
    give_role,
    make_person,
)
from steward.incidents.models import IncidentRequest
from steward.incidents.services import incidents as incident_svc
from steward.service_level.services import services as service_svc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _person(role: str, username: str, first: str, last: str, organisation) -> Person:
    return make_person(
        role, organisation=organisation, username=username, first_name=first, last_name=last
    )


@pytest.fixture
def escalated_world(transactional_db) -> IncidentRequest:
    provider = OrganisationFactory(kind="provider", name="Steward IT", code="steward-it")
    acme = OrganisationFactory(kind="customer", name="Acme Bank", code="acme")
    servers = SupportGroupFactory(name="Server Team", organisation=provider)
    admin = make_person("system_administrator", organisation=provider, username="ada")
    olivia = _person("service_desk_analyst", "olivia", "Olivia", "Owner", provider)
    service = service_svc.service_create(
        actor=admin, name="E-mail", owner=olivia, provider=provider
    )
    service.customers.add(acme)
    olivia.role_assignments.all().delete()
    give_role(olivia, "service_owner", service)
    sam = _person("specialist", "sam", "Sam", "Server", provider)
    add_member(servers, sam)
    cora = _person("change_coordinator", "cora", "Cora", "Coordinator", provider)
    cora.role_assignments.all().delete()
    give_role(cora, "change_coordinator", service)
    dana = _person("service_desk_analyst", "dana", "Dana", "Desk", provider)
    ruth = _person("requester", "ruth", "Ruth", "Requester", acme)
    incident = incident_svc.incident_register(
        actor=dana, requester=ruth, title="Mail to Globex bounces", service=service,
        support_group=servers, description="Every mail to globex.example comes back.",
    )  # fmt: skip
    incident_svc.incident_take(actor=sam, incident_id=incident.pk)
    return incident_svc.incident_assess_change(
        actor=sam, incident_id=incident.pk, causes_service_unavailability=False,
        changes_service_functionality=True, requires_cmdb_update=False,
    )  # fmt: skip


def _open_step(page, key: str):
    step = page.locator(f"#step-{key}")
    if not step.is_visible():
        page.locator(".steps-more > summary").click()
    step.locator("> summary").click()
    return step


def test_an_emergency_change_from_an_escalated_incident(browser_page, escalated_world):  # noqa: F811
    page, incident = browser_page, escalated_world

    # 1. The service owner asks the specialist to implement an emergency change.
    sign_in(page, "olivia", fresh=True)
    page.goto(incident.get_absolute_url())
    step = _open_step(page, "handle-escalation")
    step.get_by_label("Implement as an emergency change").check()
    step.get_by_label("Specialist", exact=True).select_option(label="Sam Server")
    step.get_by_label("Note").fill("Deploy the corrected relay configuration tonight.")
    shot(page, "emergency-0-deciding")
    step.get_by_role("button", name="Decide on the escalation").click()
    changes = page.locator("#changes")
    expect(changes).to_contain_text("Implementation")
    change = Change.objects.get(incidents=incident)
    expect(changes).to_contain_text(change.number)
    shot(page, "emergency-1-asked-the-specialist")
    assert (change.change_type, change.implementer.username) == ("emergency", "sam")

    # 2. The specialist tests it in production: successful, so the incident is resolved.
    sign_in(page, "sam", fresh=True)
    page.goto(incident.get_absolute_url())
    page.locator("#changes").get_by_role("link", name=change.number).click()
    expect(page.locator("#emergency")).to_contain_text("Olivia Owner")
    step = _open_step(page, "emergency-test")
    step.get_by_label("Was the implementation successful?").select_option("yes")
    step.get_by_label("What the production test showed").fill(
        "Mail to globex.example is delivered again."
    )
    step.get_by_role("button", name="Record the production test").click()
    expect(page.locator(".record-title")).to_contain_text("Registered")
    shot(page, "emergency-2-tested-incident-resolved")
    incident.refresh_from_db()
    assert (incident.status, incident.resolved_by.username) == ("resolved", "sam")

    # 3. The change coordinator registers it and closes it.
    sign_in(page, "cora", fresh=True)
    page.goto(change.get_absolute_url())
    step = _open_step(page, "emergency-register")
    step.get_by_label("The CMDB has been updated").check()
    step.get_by_label("Closure note").fill("Relay CI configuration recorded.")
    shot(page, "emergency-3-registering")
    step.get_by_role("button", name="Register and close").click()
    expect(page.locator(".record-title")).to_contain_text("Closed")
    shot(page, "emergency-4-registered-and-closed")
    change.refresh_from_db()
    assert (change.status, change.outcome) == ("closed", "successful")
