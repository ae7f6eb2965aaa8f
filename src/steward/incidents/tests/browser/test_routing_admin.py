"""Issue 13 in a real browser: the administrator changes a cell of the priority matrix
and adds a routing rule on their pages, then registers a request that gets the new
priority and is routed by the new rule."""

import pytest
from playwright.sync_api import expect

from steward.core.tests.browser.conftest import browser_page, shot, sign_in  # noqa: F401
from steward.core.tests.factories import (
    OrganisationFactory,
    SupportGroupFactory,
    add_member,
    make_person,
)
from steward.incidents.models import IncidentRequest, RoutingRule
from steward.service_level.services import services as service_svc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin_world(transactional_db):
    provider = OrganisationFactory(kind="provider", name="Steward IT", code="steward-it")
    acme = OrganisationFactory(kind="customer", name="Acme Bank", code="acme")
    desk = SupportGroupFactory(name="Service Desk", organisation=provider)
    SupportGroupFactory(name="Printing", organisation=provider)
    admin = make_person(
        "system_administrator", organisation=provider, username="admin",
        first_name="Ada", last_name="Admin",
    )  # fmt: skip
    add_member(desk, admin)
    make_person("requester", organisation=acme, username="ruth", first_name="Ruth",
                last_name="Requester")  # fmt: skip
    make_person("service_desk_analyst", organisation=provider, username="dana")
    service = service_svc.service_create(
        actor=admin, name="Workplace Support", owner=admin, provider=provider
    )
    service.customers.add(acme)
    RoutingRule.objects.create(order=1000, name="Everything else", support_group=desk)


def test_admin_edits_the_matrix_adds_a_rule_and_a_new_request_follows_both(
    browser_page,  # noqa: F811
    admin_world,
):
    page = browser_page
    sign_in(page, "admin", fresh=True)

    # 1. The priority matrix: impact 4 x urgency 3 (the form's defaults) becomes High.
    page.get_by_role("link", name="Priority matrix").click()
    expect(page.get_by_role("heading", name="Priority matrix")).to_be_visible()
    cell = page.get_by_label("Impact 4 - Minor / localised, urgency 3 - Medium")
    expect(cell).to_have_value("4")
    cell.select_option(label="2 - High")
    page.get_by_role("button", name="Save matrix").click()
    expect(page.locator("body")).to_contain_text("Priority matrix saved")
    shot(page, "admin-1-priority-matrix")

    # 2. A routing rule: requests about printers go to the Printing group.
    page.get_by_role("link", name="Routing rules").first.click()
    page.get_by_role("link", name="New routing rule").click()
    page.get_by_label("Name").fill("Printers")
    page.get_by_label("Order").fill("10")
    page.get_by_label("Assign to group").select_option(label="Printing")
    page.get_by_label("Keywords").fill("printer, toner")
    page.get_by_role("button", name="Add rule").click()
    rules = page.get_by_test_id("routing-rules")
    expect(rules).to_contain_text("Printers")
    expect(rules).to_contain_text("Keywords: printer, toner")
    shot(page, "admin-2-routing-rules")

    # 3. A new request about the printer: routed by the rule, priority from the matrix.
    page.get_by_role("link", name="New incident request").click()
    page.get_by_label("Requester").fill("Ruth")
    page.get_by_role("button", name="Ruth Requester").click()
    page.get_by_label("Title").fill("The printer on floor 3 jams")
    page.get_by_label("Description").fill("Paper jam every second page.")
    page.locator("#id_service").select_option(label="Workplace Support ★")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="The printer on floor 3 jams")).to_be_visible()
    details = page.locator(".record-side")
    expect(details).to_contain_text("Printing")
    expect(details).to_contain_text("Printers")
    shot(page, "admin-3-request-routed-with-new-priority")
    incident = IncidentRequest.objects.get()
    assert (incident.support_group.name, incident.priority) == ("Printing", "2")
    assert incident.routed_by.name == "Printers"

    # 4. An analyst may not open the administration.
    sign_in(page, "dana", fresh=True)
    response = page.goto("/incidents/priority-matrix/")
    assert response.status == 403
