"""The CMDB in a real browser (issue 4, acceptance 6): a configuration administrator opens
a CI, sees its impact graph picture (what it runs on, what depends on it, up to the
business service) and its history, and looks at the CI as it was before a change."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from steward.configuration.models import (
    CIChange,
    CIClass,
    ConfigurationItem,
    Relationship,
    RelationshipType,
)
from steward.configuration.services import cis
from steward.configuration.services.standard import ensure_standard_catalogue
from steward.core.tests.browser.conftest import browser_page, shot, sign_in  # noqa: F401
from steward.core.tests.factories import OrganisationFactory, make_person
from steward.service_level.services import services as service_svc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cmdb_world(transactional_db):
    ensure_standard_catalogue()
    provider = OrganisationFactory(kind="provider", name="Steward IT", code="steward-it")
    carl = make_person(
        "configuration_administrator", organisation=provider, username="carl",
        first_name="Carl", last_name="Kok",
    )  # fmt: skip
    admin = make_person("system_administrator", organisation=provider, username="ada")
    service = service_svc.service_create(
        actor=admin, name="Online Banking", owner=carl, provider=provider
    )
    classes = {c.code: c for c in CIClass.objects.all()}
    types = {t.code: t for t in RelationshipType.objects.all()}

    def ci(name: str, code: str, **attributes):
        return cis.ci_create(actor=carl, ci_class=classes[code], name=name, attributes=attributes)

    service_ci = cis.ci_create(
        actor=carl, ci_class=classes["service-infrastructure"], name="Online Banking",
        service=service,
    )  # fmt: skip
    api = ci("Banking API", "application", environment="production")
    vm = ci("ob-api-vm01", "virtual-machine", vcpus=4, memory_gb=16, os="RHEL 9",
            environment="production")  # fmt: skip
    host = ci("esx-01", "server", manufacturer="HPE", cpu_cores=64, memory_gb=1024)
    for source, target in ((service_ci, api), (api, vm), (vm, host)):
        cis.relationship_add(
            actor=carl, source_id=source.pk, target_id=target.pk, type_id=types["runs-on"].pk
        )
    # The VM was registered a month ago; last week it got more memory under a change.
    month_ago = timezone.now() - dt.timedelta(days=30)
    ConfigurationItem.objects.filter(pk=vm.pk).update(created_at=month_ago)
    CIChange.objects.filter(ci=vm).update(at=month_ago)
    Relationship.objects.update(valid_from=month_ago)
    cis.ci_update(
        actor=carl, ci_id=vm.pk, cause="CHG000042", data={"attributes": {"memory_gb": 32}}
    )
    return {"carl": carl, "vm": vm, "month_ago": month_ago}


def test_open_a_ci_see_its_impact_graph_and_history(browser_page, cmdb_world):  # noqa: F811
    page, vm = browser_page, cmdb_world["vm"]
    sign_in(page, "carl")

    page.get_by_role("link", name="Configuration items").click()
    expect(page.get_by_role("heading", name="Configuration items")).to_be_visible()
    page.get_by_role("link", name="ob-api-vm01").first.click()
    expect(page.get_by_role("heading", name="ob-api-vm01")).to_be_visible()

    # The picture: the VM in the middle, the host it runs on, the application and the
    # business service that depend on it.
    graph = page.get_by_test_id("impact-graph")
    expect(graph.locator("svg")).to_be_visible()
    for name in ("ob-api-vm01", "esx-01", "Banking API", "Online Banking"):
        expect(graph.locator("svg text", has_text=name).first).to_be_visible()
    boxes = graph.locator("svg a.graph-node")
    expect(boxes).to_have_count(4)
    xs = {
        name: graph.locator("svg a.graph-node", has_text=name).bounding_box()["x"]
        for name in ("esx-01", "ob-api-vm01", "Banking API", "Online Banking")
    }
    assert xs["esx-01"] < xs["ob-api-vm01"] < xs["Banking API"] < xs["Online Banking"]
    expect(page.locator("#impact")).to_contain_text("Business services affected")
    services_list = page.locator(".impact-lists")
    expect(services_list.get_by_role("link", name="Online Banking", exact=True)).to_be_visible()

    # The history: registration and last week's change with its change number.
    history = page.locator("#history")
    history.scroll_into_view_if_needed()
    expect(history).to_contain_text("CHG000042")
    row = history.locator("tr", has_text="CHG000042")
    expect(row).to_contain_text("Memory (GB)")
    expect(row.locator("td").nth(3)).to_have_text("16")
    expect(row.locator("td").nth(4)).to_have_text("32")
    shot(page, "cmdb-ci-page")

    # As it was two weeks ago: 16 GB, highlighted as different from today.
    two_weeks_ago = timezone.localtime(timezone.now() - dt.timedelta(days=14))
    page.get_by_label("Show as it was at").fill(two_weeks_ago.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Show", exact=True).click()
    as_of = page.get_by_test_id("as-of")
    expect(as_of).to_be_visible()
    changed = as_of.locator(".field-row.changed", has_text="Memory (GB)")
    expect(changed.locator("dd")).to_have_text("16")
    expect(as_of).to_contain_text("runs on")
    shot(page, "cmdb-ci-as-of")
    assert vm.pk  # the page was the VM's


def test_configuration_administrator_keeps_a_view_of_the_cmdb_and_reads_it_on_a_phone(
    browser_page,  # noqa: F811
    cmdb_world,
):
    """Issue 13 as a configuration administrator: the CMDB list takes the shared list tools
    (a saved view with chosen columns, found again from the menu), and on a phone in the
    dark the list is cards with its filters folded away, nothing scrolling sideways."""
    page = browser_page
    sign_in(page, "carl")
    page.goto("/cis/?q=esx")
    rows = page.locator("#list-results table.data tbody tr")
    expect(rows).to_have_count(1)

    # Hide the serial number and location columns, then keep that as a view.
    page.locator("#column-chooser > summary").click()
    chooser = page.locator("#column-chooser")
    chooser.get_by_label("Serial number").uncheck()
    chooser.get_by_label("Location").uncheck()
    chooser.get_by_role("button", name="Show").click()
    header = page.locator("#list-results table.data thead")
    expect(header).not_to_contain_text("Serial number")
    expect(header).to_contain_text("Class")
    page.locator("#saved-views > summary").click()
    page.locator("#save-view-name").fill("ESX hosts")
    page.get_by_role("button", name="Save view").click()

    # Elsewhere and back: the view brings the filter and the columns with it.
    page.goto("/cis/")
    expect(rows).to_have_count(4)
    page.locator("#saved-views > summary").click()
    page.locator("#saved-views").get_by_role("link", name="ESX hosts").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("esx-01")
    expect(header).not_to_contain_text("Location")
    shot(page, "cmdb-saved-view")

    # A phone in the dark: cards, filters behind a button, no sideways scrolling.
    page.set_viewport_size({"width": 390, "height": 844})
    page.emulate_media(color_scheme="dark")
    page.goto("/cis/")
    toggle = page.locator("[data-filters-toggle]")
    expect(toggle).to_be_visible()
    expect(page.locator("#list-filters")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    first = rows.first
    assert first.evaluate("row => getComputedStyle(row).display") != "table-row"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 255, 255)", background
    toggle.click()
    expect(page.locator("#list-filters")).to_be_visible()
    shot(page, "cmdb-phone-dark")
