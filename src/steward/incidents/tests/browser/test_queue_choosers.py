"""Issue 13 in a real browser: the queue's CI chooser (type, pick, the list follows) and
the assignee list, instead of typing ids."""

import re

import pytest
from playwright.sync_api import expect

from steward.configuration.models import CIClass, ConfigurationItem
from steward.core import numbering
from steward.core.tests.browser.conftest import browser_page, shot, sign_in  # noqa: F401
from steward.core.tests.factories import (
    OrganisationFactory,
    SupportGroupFactory,
    add_member,
    make_person,
)
from steward.incidents.services import incidents as svc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _ci(name: str, ci_class: CIClass) -> ConfigurationItem:
    ci = ConfigurationItem(name=name, ci_class=ci_class)
    numbering.assign(ci)
    ci.save()
    return ci


@pytest.fixture
def queue_world(transactional_db):
    provider = OrganisationFactory(kind="provider", name="Steward IT", code="steward-it")
    acme = OrganisationFactory(kind="customer", name="Acme Bank", code="acme")
    desk = SupportGroupFactory(name="Service Desk", organisation=provider)
    dana = make_person(
        "service_desk_analyst", organisation=provider, username="dana",
        first_name="Dana", last_name="Desk",
    )  # fmt: skip
    add_member(desk, dana)
    ruth = make_person("requester", organisation=acme, username="ruth", first_name="Ruth")
    server = CIClass.objects.create(name="Server", code="server", category="hardware")
    relay = _ci("Mail relay", server)
    _ci("Print server", server)
    on_relay = svc.incident_register(
        actor=dana, requester=ruth, title="Mail stuck in the relay", cis=[relay],
        support_group=desk,
    )  # fmt: skip
    svc.incident_register(actor=dana, requester=ruth, title="Printer jam", support_group=desk)
    return {"relay": relay, "on_relay": on_relay}


def test_pick_a_ci_in_the_queue_filters(browser_page, queue_world):  # noqa: F811
    page = browser_page
    sign_in(page, "dana", fresh=True)
    page.goto("/incidents/")
    expect(page.locator("table.data tbody tr")).to_have_count(2)
    expect(page.locator("form.filters").get_by_label("Assignee")).to_contain_text("Me (Dana Desk)")

    # The CI filter is one of the queue's further filters, folded until asked for.
    more = page.locator("form.filters details.more-filters")
    expect(more.get_by_label("Configuration item")).to_be_hidden()
    more.locator("summary").click()
    page.locator("form.filters").get_by_label("Configuration item").fill("relay")
    match = page.get_by_role("button", name=re.compile("Mail relay"))
    expect(match).to_be_visible()
    shot(page, "incidents-queue-ci-chooser")
    match.click()

    expect(page).to_have_url(re.compile(rf"ci={queue_world['relay'].pk}"))
    expect(page.locator("table.data tbody tr")).to_have_count(1)
    expect(page.locator("table.data")).to_contain_text("Mail stuck in the relay")
    expect(page.locator("form.filters").get_by_label("Configuration item")).to_have_value(
        f"{queue_world['relay'].number} Mail relay"
    )

    # Emptying the box clears the choice: the whole queue again.
    page.locator("form.filters").get_by_label("Configuration item").fill("")
    expect(page.locator("table.data tbody tr")).to_have_count(2)
