"""Live updates, presence and keyboard shortcuts in a real browser (issue 13): Dana and
Grace on the same request, each in their own browser; a queue refreshing itself; the
keyboard walk through a queue and the "?" overlay. Polls every 0.3 s here
(``STEWARD_LIVE_SECONDS``); the tests wait for what they expect, never for a time."""

import re

import pytest
from django.db import connection
from django.db.backends.signals import connection_created
from playwright.sync_api import expect

from steward.core.models import Person
from steward.core.tests.browser.conftest import (  # noqa: F401
    browser_page,
    shot,
    sign_in,
)
from steward.incidents.models import IncidentRequest
from steward.incidents.services import incidents as svc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _dirty_reads(sender, connection, **kwargs) -> None:
    connection.cursor().execute("PRAGMA read_uncommitted = 1")


@pytest.fixture(autouse=True)
def shared_cache_readers():
    """Two browsers polling while a third writes: the test database is SQLite in memory
    with a shared cache, whose table locks make a reader and a writer of one table fail at
    once ("database table is locked") instead of waiting as the WAL file database of a real
    installation does. Readers that take no table locks behave like WAL's here."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    connection_created.connect(_dirty_reads)
    _dirty_reads(None, connection)
    try:
        yield
    finally:
        connection_created.disconnect(_dirty_reads)


@pytest.fixture
def world(settings, desk_analyst, coordinator, specialist, server_group, make_incident):
    settings.STEWARD_LIVE_SECONDS = 0.3
    Person.objects.filter(pk=desk_analyst.pk).update(first_name="Dana", last_name="Desk")
    Person.objects.filter(pk=coordinator.pk).update(first_name="Grace", last_name="Coord")
    incidents = [
        make_incident(title=title, support_group=server_group)
        for title in ("Mail stuck in outbox", "Printer jams", "VPN drops")
    ]
    return {"dana": desk_analyst, "grace": coordinator, "spec": specialist, "incidents": incidents}


def test_two_people_on_one_request_see_each_other_and_the_change(browser_page, live_server, world):  # noqa: F811
    dana = browser_page
    incident = world["incidents"][0]
    context = dana.context.browser.new_context(
        base_url=live_server.url, viewport={"width": 1360, "height": 860}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    grace = context.new_page()
    try:
        sign_in(dana, world["dana"].username)
        dana.goto(incident.get_absolute_url())
        sign_in(grace, world["grace"].username)
        grace.goto(incident.get_absolute_url())

        # Each sees the other.
        expect(dana.locator("[data-live-presence]")).to_have_text("Grace Coord is viewing")
        expect(grace.locator("[data-live-presence]")).to_have_text("Dana Desk is viewing")

        # Grace starts typing a note: Dana sees her editing.
        grace.locator("#timeline textarea").fill("Checking the mail queue on the server")
        expect(dana.locator("[data-live-presence]")).to_have_text("Grace Coord is editing")

        # Dana adds a note; Grace is told, and keeps what she typed.
        dana.locator("#timeline textarea").fill("Customer called again.")
        dana.locator("#timeline").get_by_role("button", name=re.compile("Add|Send|Save")).click()
        expect(dana.locator("#timeline")).to_contain_text("Customer called again.")
        notice = grace.locator("[data-live-notice]")
        # A poll on a loaded 2-core CI can take longer than expect's default 5 s.
        expect(notice).to_contain_text(
            "This incident request was updated by Dana Desk.", timeout=15_000
        )
        expect(notice).to_contain_text("Reloading discards what you typed here.")
        expect(grace.locator("#timeline textarea")).to_have_value(
            "Checking the mail queue on the server"
        )
        shot(grace, "live-1-grace-sees-dana-changed-it")
        # Dana's own change is no news to Dana.
        dana.wait_for_function(
            "document.querySelector('[data-live-record]').dataset.liveEntry !== '0'"
        )
        expect(dana.locator("[data-live-notice]")).to_be_empty()
        shot(dana, "live-2-dana-sees-grace-editing")

        # Reloading shows the change.
        notice.get_by_role("link", name="Reload").click()
        expect(grace.locator("#timeline")).to_contain_text("Customer called again.")
        expect(grace.locator("[data-live-notice]")).to_be_empty()
    finally:
        context.close()


def test_an_open_queue_refreshes_when_a_request_changes(browser_page, world):  # noqa: F811
    page = browser_page
    sign_in(page, world["dana"].username)
    page.goto("/incidents/")
    rows = page.locator("#list-results table.data tbody tr")
    expect(rows).to_have_count(3)
    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class(re.compile("kbd-current"))
    first = world["incidents"][0]

    svc.incident_take(actor=world["spec"], incident_id=world["incidents"][1].pk)
    svc.incident_cancel(actor=world["dana"], incident_id=world["incidents"][2].pk)

    expect(rows).to_have_count(2)
    expect(page.locator(".queue-tabs a[aria-current=page] .count-pill")).to_have_text("2")
    expect(page.locator("#list-results")).to_contain_text(world["spec"].display_name)
    # The current row stays current after the refresh.
    expect(page.locator("#list-results tr.kbd-current")).to_contain_text(first.number)
    shot(page, "live-3-queue-refreshed")


def test_keyboard_walks_the_queue_and_the_record(browser_page, world):  # noqa: F811
    page = browser_page
    spec = world["spec"]
    for incident in world["incidents"]:
        svc.incident_take(actor=spec, incident_id=incident.pk)
    sign_in(page, spec.username)
    page.goto("/incidents/mine/")
    rows = page.locator("#list-results table.data tbody tr")
    expect(rows).to_have_count(3)
    numbers = [rows.nth(i).locator("a").first.inner_text().strip() for i in range(3)]

    # j / k move the current row, Enter opens it.
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile("kbd-current"))
    expect(rows.nth(1).locator("a").first).to_be_focused()
    shot(page, "keys-1-queue-current-row")
    page.keyboard.press("Enter")
    expect(page.locator(".record-number")).to_have_text(numbers[1])

    # n / p step through the queue; at the end it says so.
    page.keyboard.press("n")
    expect(page.locator(".record-number")).to_have_text(numbers[2])
    page.keyboard.press("n")
    expect(page.locator("#kbd-status")).to_contain_text("This was the last one of Assigned to me")
    page.keyboard.press("p")
    expect(page.locator(".record-number")).to_have_text(numbers[1])

    # r goes to the reply box; typing there is typing, not shortcuts.
    page.keyboard.press("r")
    reply = page.locator("#timeline textarea")
    expect(reply).to_be_focused()
    page.keyboard.type("n p e ?")
    expect(reply).to_have_value("n p e ?")
    expect(page.locator(".record-number")).to_have_text(numbers[1])
    reply.fill("")
    page.locator("h1").click()

    # e opens the resolve step with its first field focused.
    page.keyboard.press("e")
    expect(page.locator("#step-resolve")).to_have_attribute("open", "")
    expect(page.locator("#step-resolve select, #step-resolve textarea").first).to_be_focused()
    page.locator("h1").click()

    # ? shows the shortcuts; Escape closes them and focus goes back.
    heading = page.locator("h1")
    heading.click()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Next record of the list")
    shot(page, "keys-2-shortcuts-overlay")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # g then q: back to the queue it came from.
    page.keyboard.press("g")
    page.keyboard.press("q")
    expect(page).to_have_url(re.compile(r"/incidents/mine/$"))


def test_the_overlay_returns_focus_to_where_it_was(browser_page, world):  # noqa: F811
    page = browser_page
    sign_in(page, world["dana"].username)
    page.goto("/incidents/")
    page.keyboard.press("j")
    link = page.locator("#list-results tr.kbd-current a").first
    expect(link).to_be_focused()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    page.keyboard.press("j")  # inside the dialog: no shortcut fires
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(link).to_be_focused()


def test_n_and_p_cross_pages(browser_page, world, make_incident, server_group):  # noqa: F811
    """Past the last row of a queue page, n opens the first of the next page; p back."""
    page = browser_page
    spec = world["spec"]
    for n in range(23):  # 26 with the world's three: two pages of 25
        make_incident(title=f"Disk {n} full", support_group=server_group)
    for incident in IncidentRequest.objects.all():
        svc.incident_take(actor=spec, incident_id=incident.pk)
    sign_in(page, spec.username)
    page.goto("/incidents/mine/?per_page=25")
    rows = page.locator("#list-results table.data tbody tr")
    expect(rows).to_have_count(25)
    last_here = rows.nth(24).locator("a").first.inner_text().strip()
    page.goto("/incidents/mine/?per_page=25&page=2")
    only_there = page.locator("#list-results table.data tbody tr a").first.inner_text().strip()
    page.goto("/incidents/mine/?per_page=25")
    rows.nth(24).locator("a").first.click()
    expect(page.locator(".record-number")).to_have_text(last_here)

    page.keyboard.press("n")
    expect(page.locator(".record-number")).to_have_text(only_there)
    page.keyboard.press("p")
    expect(page.locator(".record-number")).to_have_text(last_here)
