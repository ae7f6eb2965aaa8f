"""The queue in a real browser (issue 13), as Dana of the service desk: select three rows
and assign them to a group, choose columns and save the view for her group, merge a
duplicate from its record page, resolve and go on to the next request of her queue."""

import pytest
from playwright.sync_api import expect

from steward.core.models import SavedView
from steward.core.tests.browser.conftest import browser_page, shot, sign_in  # noqa: F401
from steward.core.tests.factories import (
    OrganisationFactory,
    SupportGroupFactory,
    add_member,
    make_person,
)
from steward.incidents.models import IncidentRequest
from steward.incidents.services import incidents as svc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queue_world(transactional_db):
    provider = OrganisationFactory(kind="provider", name="Steward IT", code="steward-it")
    acme = OrganisationFactory(kind="customer", name="Acme Bank", code="acme")
    desk = SupportGroupFactory(name="Service Desk", organisation=provider)
    SupportGroupFactory(name="Network Operations", organisation=provider)
    dana = make_person(
        "service_desk_analyst", organisation=provider, username="dana.desk",
        first_name="Dana", last_name="Desk",
    )  # fmt: skip
    add_member(desk, dana)
    ruth = make_person(
        "requester", organisation=acme, username="ruth", first_name="Ruth", last_name="Requester"
    )
    titles = ["VPN drops", "Wifi slow on floor 3", "Printer offline", "Wifi slow again"]
    incidents = [
        svc.incident_register(actor=dana, requester=ruth, title=t, description=f"{t}.")
        for t in titles
    ]
    return {"dana": dana, "incidents": incidents}


def test_bulk_assign_saved_view_merge_and_next(browser_page, queue_world):  # noqa: F811
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    first, second, third, duplicate = queue_world["incidents"]
    sign_in(page, "dana.desk", fresh=True)

    # 1. Three rows selected, assigned to a group in one go; the result per request.
    page.goto("/incidents/")
    for incident in (first, second, third):
        page.get_by_label(f"Select {incident}").check()
    expect(page.locator("[data-bulk-count]")).to_have_text("3 selected")
    page.get_by_label("Action").select_option("assign")
    page.locator("#bulk_support_group").select_option(label="Network Operations")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.locator("body")).to_contain_text("3 updated.")
    shot(page, "queue-1-bulk-assigned")
    groups = set(
        IncidentRequest.objects.filter(pk__in=[first.pk, second.pk, third.pk]).values_list(
            "support_group__name", flat=True
        )
    )
    assert groups == {"Network Operations"}

    # 2. Fewer columns, saved as a view shared with the desk.
    page.get_by_text("Columns", exact=True).click()
    page.locator("#column-chooser").get_by_label("Service").uncheck()
    page.locator("#column-chooser").get_by_label("Requester").uncheck()
    page.locator("#column-chooser").get_by_role("button", name="Show").click()
    expect(page.locator("table.data thead")).not_to_contain_text("Requester")
    page.locator("#saved-views summary").click()
    page.get_by_placeholder("Name of the view").fill("Desk: lean")
    page.get_by_label("Share with").select_option(label="Service Desk")
    page.get_by_role("button", name="Save view").click()
    expect(page.locator("#saved-views summary")).to_have_text("View: Desk: lean")
    expect(page.locator("table.data thead")).not_to_contain_text("Service")
    page.locator("#saved-views summary").click()
    shot(page, "queue-2-saved-view")
    view = SavedView.objects.get()
    assert view.group.name == "Service Desk"
    assert "service" not in view.columns and "number" in view.columns

    # 3. The duplicate merged into the request that continues.
    page.goto(duplicate.get_absolute_url())
    page.get_by_text("Link or merge").click()
    page.get_by_label("Merge this duplicate into").fill(second.number)
    page.get_by_role("button", name="Merge").click()
    expect(page.locator("body")).to_contain_text(f"merged into {second.number}")
    expect(page.locator("#links")).to_contain_text("has duplicate")
    expect(page.locator("#links")).to_contain_text(duplicate.number)
    shot(page, "queue-3-merged")
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.resolution_code) == ("cancelled", "duplicate")

    # 4. Resolve it, then on to the next request of the queue.
    page.goto("/incidents/")
    page.goto(second.get_absolute_url())
    if not page.locator("#step-resolve summary").is_visible():
        page.locator(".steps-more > summary").click()  # Resolve is not this request's first step
    page.locator("#step-resolve summary").click()
    page.locator("#step-resolve").get_by_label("Resolution", exact=True).fill("Fixed the AP.")
    page.locator("#step-resolve").get_by_role("button", name="Resolve").click()
    expect(page.locator(".record-title")).to_contain_text("Resolved")
    page.get_by_role("link", name="Next request →").click()
    expect(page.locator(".record-title")).not_to_contain_text("Resolved")
    assert page.url.rstrip("/").split("/")[-1] in {str(first.pk), str(third.pk)}
    shot(page, "queue-4-next-request")
