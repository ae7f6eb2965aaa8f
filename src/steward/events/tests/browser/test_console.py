"""The operator console in a real browser (acceptance 5 of issue 17; CSP checked by the
shared fixture): the core-switch outage cascade, processed like real events (switch down,
then web-01 and web-02), shows as ONE incident request with the symptom events under the
switch's event; while the page is open a new symptom (store-app) is processed and appears
without a reload. The console polls every 0.3 s here (``STEWARD_LIVE_SECONDS``); the test
waits for what it expects, never for a time. axe-core finds no serious or critical WCAG
2.2 AA violation on the console and the event page."""

import pytest
from django.db import connection
from django.db.backends.signals import connection_created
from playwright.sync_api import expect

from steward.core.tests.browser.conftest import browser_page, shot, sign_in  # noqa: F401
from steward.events.models import Event
from steward.events.services import rules
from steward.events.tests.streams import normalised, push
from steward.tests.browser.test_accessibility import each_scheme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _dirty_reads(sender, connection, **kwargs) -> None:
    connection.cursor().execute("PRAGMA read_uncommitted = 1")


@pytest.fixture(autouse=True)
def shared_cache_readers():
    """The page polls while the test processes events: SQLite in memory with a shared
    cache fails a reader and a writer of one table at once instead of waiting as a real
    installation's WAL database does (incidents/tests/browser/test_live.py says more)."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    connection_created.connect(_dirty_reads)
    _dirty_reads(None, connection)
    try:
        yield
    finally:
        connection_created.disconnect(_dirty_reads)


def test_the_console_shows_the_cascade_as_one_incident_and_updates_itself(
    browser_page,  # noqa: F811
    settings,
    operator,
    ops_manager,
    network,
    source,
):
    settings.STEWARD_LIVE_SECONDS = 0.3
    rules.ensure_default_rules()
    rules.event_type_create(actor=ops_manager, code="LinkDown", name="Switch link down",
                            handling_instructions="Check the uplinks, then call Network.")  # fmt: skip
    switch, web1, web2 = push(
        source,
        normalised("core-switch", "LinkDown", severity="critical"),
        normalised("web-01", "HostDown"),
        normalised("web-02", "HostDown"),
    )
    incident = switch.incident
    assert incident is not None and {web1.incident_id, web2.incident_id} == {incident.pk}
    page, problems = browser_page, []
    sign_in(page, operator.username)

    page.goto("/events/")
    groups = page.locator("[data-console-group]")
    expect(groups).to_have_count(1)
    group = page.locator(f'[data-console-group="{incident.number}"]')
    rows = group.locator("tr[data-event]")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_have_attribute("data-event", switch.number)
    expect(group.locator("tr.is-symptom")).to_have_count(2)
    expect(group.get_by_text(f"Symptom of {switch.number} core-switch")).to_have_count(2)
    group.get_by_text("Handling instructions").first.click()
    expect(group.get_by_text("Check the uplinks, then call Network.")).to_be_visible()
    problems += each_scheme(page, "event console")
    shot(page, "events-console-cascade")

    # While the console is open, the application's monitor reports store-app down too.
    [app] = push(source, normalised("store-app", "HttpDown"))
    assert app.incident_id == incident.pk
    expect(rows).to_have_count(4)
    expect(group.locator(f'tr[data-event="{app.number}"].is-symptom')).to_be_visible()
    expect(groups).to_have_count(1)
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    shot(page, "events-console-updated")

    page.get_by_role("link", name=switch.number).click()
    expect(page.get_by_role("heading", name="Correlation")).to_be_visible()
    expect(page.get_by_role("link", name=incident.number).first).to_be_visible()
    problems += each_scheme(page, "event page")
    shot(page, "events-event-page")
    assert Event.objects.filter(incident=incident).count() == 4
    assert not problems, "\n".join(problems)


def test_the_operator_acknowledges_and_closes_from_the_console(
    browser_page,  # noqa: F811
    operator,
    network,
    source,
):
    rules.ensure_default_rules()
    [disk] = push(source, normalised("db-01", "DiskFull", severity="warning"))
    [probe] = push(source, normalised("probe-7", "ProbeDown", severity="minor"))
    page = browser_page
    sign_in(page, operator.username)
    page.goto("/events/")
    expect(page.locator(f'tr[data-event="{disk.number}"]')).to_be_visible()

    page.get_by_role("button", name=f"Acknowledge {disk.number}").click()
    expect(page.get_by_text(f"{disk.number} acknowledged.")).to_be_visible()
    disk.refresh_from_db()
    assert (disk.status, disk.acknowledged_by) == ("acknowledged", operator)

    page.get_by_label(f"Select {disk.number}").check()
    page.get_by_label(f"Select {probe.number}").check()
    page.get_by_label("Note (when closing)").fill("Monitoring test, nothing broken")
    page.get_by_role("button", name="Close selected").click()
    expect(page.get_by_text("2 closed.")).to_be_visible()
    shot(page, "events-console-after-close")
    assert set(
        Event.objects.filter(pk__in=[disk.pk, probe.pk]).values_list("status", flat=True)
    ) == {"closed"}
