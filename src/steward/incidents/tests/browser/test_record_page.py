"""The record page as a group coordinator works it (issue 13): priority and assignee
changed in place in the Handling panel, a reply from a shared template with the time it
took, a work note mentioning a colleague, and a file dropped on the attachments."""

import pytest
from playwright.sync_api import expect

from steward.core.models import Attachment, Notification
from steward.core.services import work
from steward.core.tests.browser.conftest import browser_page, shot, sign_in  # noqa: F401
from steward.core.tests.factories import (
    OrganisationFactory,
    SupportGroupFactory,
    add_member,
    make_person,
)
from steward.incidents.services import incidents as svc
from steward.service_level.services import services as service_svc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def coordinator_world(transactional_db):
    provider = OrganisationFactory(kind="provider", name="Steward IT", code="steward-it")
    acme = OrganisationFactory(kind="customer", name="Acme Bank", code="acme")
    servers = SupportGroupFactory(name="Server & Storage", organisation=provider)
    grace = make_person(
        "group_coordinator", organisation=provider, username="grace", first_name="Grace",
        last_name="Coord", scope=servers,
    )  # fmt: skip
    lee = make_person(
        "specialist", organisation=provider, username="lee", first_name="Lee", last_name="Server"
    )
    dana = make_person(
        "service_desk_analyst", organisation=provider, username="dana", first_name="Dana",
        last_name="Desk",
    )  # fmt: skip
    add_member(servers, grace)
    add_member(servers, lee)
    ruth = make_person(
        "requester", organisation=acme, username="ruth", first_name="Ruth",
        last_name="Requester", email="ruth@acme.example",
    )  # fmt: skip
    admin = make_person("system_administrator", organisation=provider, username="ada")
    service = service_svc.service_create(
        actor=admin, name="File shares", owner=admin, provider=provider
    )
    service.customers.add(acme)
    incident = svc.incident_register(
        actor=dana, requester=ruth, title="Share S: is read-only", service=service,
        description="Since this morning nobody can save to S:.", support_group=servers,
    )  # fmt: skip
    work.response_template_create(
        actor=grace, name="We are on it", kind="reply", shared=True,
        body="Hello {{requester.first_name}},\n\nWe are looking into {{number}} "
             "({{title}}) now.\n\n{{agent.name}}",
    )  # fmt: skip
    return {"incident": incident, "grace": grace, "lee": lee}


def test_coordinator_edits_in_place_replies_from_a_template_mentions_and_drops_a_file(
    browser_page,  # noqa: F811
    coordinator_world,
):
    page = browser_page
    incident = coordinator_world["incident"]
    sign_in(page, "grace", fresh=True)
    page.goto(incident.get_absolute_url())
    panel = page.locator("#record-panel")
    expect(panel).to_contain_text("Server & Storage")
    expect(page.locator(".step-primary")).to_contain_text("Take it")
    shot(page, "record-1-opened")

    # Priority: the row turns into a small form and back, saved in place.
    panel.locator("#field-priority").get_by_role("link", name="Change priority").click()
    panel.get_by_label("Impact").select_option("1")
    panel.get_by_label("Urgency").select_option("1")
    shot(page, "record-2-priority-form")
    panel.get_by_role("button", name="Save").click()
    expect(panel.locator("#field-priority")).to_contain_text("P1 Critical")
    expect(panel.locator("form")).to_have_count(0)

    # Assignee: the coordinator picks the specialist.
    panel.locator("#field-assignee").get_by_role("link", name="Change assignee").click()
    panel.get_by_label("Assignee").select_option(label="Lee Server")
    panel.get_by_role("button", name="Save").click()
    expect(panel.locator("#field-assignee")).to_contain_text("Lee Server")
    # The header and the next steps follow the change.
    expect(page.locator("#record-header")).to_contain_text("P1 Critical")
    expect(page.locator("#record-header")).to_contain_text("Lee Server")
    expect(page.locator(".step-primary")).to_contain_text("Assigned to someone else.")
    shot(page, "record-3-priority-and-assignee-changed")
    incident.refresh_from_db()
    assert (incident.priority, incident.assignee.username) == ("1", "lee")

    # A public reply from the shared template, with the time it took.
    page.locator("#id_template").select_option(label="We are on it")
    expect(page.locator("#id_body")).to_have_value(f"Hello Ruth,\n\nWe are looking into "
                                                   f"{incident.number} (Share S: is read-only) "
                                                   "now.\n\nGrace Coord")  # fmt: skip
    page.locator("#id_time_spent").fill("10")
    page.get_by_label("Visible to the customer (public reply)").check()
    page.get_by_role("button", name="Add note").click()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("We are looking into")
    expect(timeline.locator(".tl-spent").first).to_have_text("10 min")
    expect(page.locator("#field-time")).to_contain_text("10 min")  # the total follows

    # A work note that mentions Lee: a link, and Lee is told.
    page.locator("#id_body").fill("@lee the array reports a failed disk, please check.")
    page.get_by_role("button", name="Add note").click()
    expect(timeline.get_by_role("link", name="@lee")).to_be_visible()
    assert Notification.objects.filter(recipient=coordinator_world["lee"], event="mention").exists()
    shot(page, "record-4-reply-and-mention")

    # A file dropped on the attachments card is uploaded.
    transfer = page.evaluate_handle(
        """() => { const t = new DataTransfer();
                   t.items.add(new File(["disk 3 failed"], "array-log.txt", {type: "text/plain"}));
                   return t; }"""
    )
    zone = page.locator("form.upload-form")
    zone.dispatch_event("dragover", {"dataTransfer": transfer})
    expect(zone).to_have_class("upload-form is-dragover")
    zone.dispatch_event("drop", {"dataTransfer": transfer})
    expect(page.locator("#attachments")).to_contain_text("array-log.txt")
    assert Attachment.objects.filter(original_name="array-log.txt").exists()
    shot(page, "record-5-file-dropped")
