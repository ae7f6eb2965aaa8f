"""Incident Management in a real browser (issue 5, acceptance 5): a service desk analyst
registers a request that the routing rules send to the network group, a network
specialist takes and resolves it, and the requester reopens it from the portal."""

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
def desk_world(transactional_db):
    provider = OrganisationFactory(kind="provider", name="Steward IT", code="steward-it")
    acme = OrganisationFactory(kind="customer", name="Acme Bank", code="acme")
    desk = SupportGroupFactory(name="Service Desk", organisation=provider)
    network = SupportGroupFactory(name="Network Operations", organisation=provider)
    dana = make_person(
        "service_desk_analyst", organisation=provider, username="dana",
        first_name="Dana", last_name="Desk",
    )  # fmt: skip
    lee = make_person(
        "specialist", organisation=provider, username="lee", first_name="Lee", last_name="Net"
    )
    add_member(desk, dana)
    add_member(network, lee)
    ruth = make_person(
        "requester", organisation=acme, username="ruth", first_name="Ruth",
        last_name="Requester", email="ruth@acme.example",
    )  # fmt: skip
    admin = make_person("system_administrator", organisation=provider, username="ada")
    service = service_svc.service_create(
        actor=admin, name="Workplace Support", owner=admin, provider=provider
    )
    service.customers.add(acme)
    RoutingRule.objects.create(
        order=10, name="Network keywords", keywords="vpn, wifi", support_group=network
    )
    RoutingRule.objects.create(order=100, name="Everything else", support_group=desk)
    return {"dana": dana, "lee": lee, "ruth": ruth}


def test_register_route_resolve_and_reopen_from_the_portal(browser_page, desk_world):  # noqa: F811
    page = browser_page

    # 1. The analyst registers the request for Ruth; the keyword rule routes it.
    sign_in(page, "dana", fresh=True)
    page.get_by_role("link", name="New incident request").click()
    page.get_by_label("Requester").fill("Ruth")
    page.get_by_role("button", name="Ruth Requester").click()
    expect(page.locator(".requester-card")).to_contain_text("No open requests.")
    page.get_by_label("Title").fill("VPN drops every few minutes")
    page.get_by_label("Description").fill("Working from home, the VPN disconnects.")
    page.locator("#id_service").select_option(label="Workplace Support ★")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="VPN drops every few minutes")).to_be_visible()
    details = page.locator(".record-side")
    expect(details).to_contain_text("Network Operations")
    expect(details).to_contain_text("Network keywords")
    shot(page, "incident-1-registered-and-routed")
    incident = IncidentRequest.objects.get()
    assert incident.support_group.name == "Network Operations"
    assert incident.requester == desk_world["ruth"]

    # 2. The network specialist takes it and resolves it.
    sign_in(page, "lee", fresh=True)
    page.goto(incident.get_absolute_url())
    page.get_by_role("button", name="Take it").click()
    expect(page.locator(".record-title")).to_contain_text("In progress")
    page.locator("#step-resolve summary").click()
    page.locator("#step-resolve").get_by_label("Resolution", exact=True).fill(
        "Updated the VPN client to 7.2; the tunnel is stable now."
    )
    page.locator("#step-resolve").get_by_role("button", name="Resolve").click()
    expect(page.locator(".record-title")).to_contain_text("Resolved")
    shot(page, "incident-2-resolved-by-specialist")

    # 3. Ruth sees the solution in the portal and reopens: it still drops.
    sign_in(page, "ruth", fresh=True)
    page.goto("/portal/")
    page.get_by_role("link", name="VPN drops every few minutes").click()
    expect(page.get_by_role("heading", name="Our solution")).to_be_visible()
    page.get_by_text("No, it still does not work").click()
    page.get_by_label("Why reopen?").fill("It dropped again twice this morning.")
    page.get_by_role("button", name="Reopen").click()
    expect(page.locator("body")).to_contain_text("It dropped again twice this morning.")
    shot(page, "incident-3-reopened-from-portal")
    incident.refresh_from_db()
    assert (incident.status, incident.reopen_count) == ("assigned", 1)
    assert incident.support_group.name == "Network Operations"  # back with its group
