"""Every area's main pages in a real browser under the Content Security Policy, filled with
the demo data: each role's pages load without a violation (the shared fixture fails the
test on any, see conftest.py) and the interactive parts the moved scripts drive still work.
"""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.utils import timezone
from playwright.sync_api import expect

from steward.changes.models import Change
from steward.configuration.models import ConfigurationItem
from steward.core.demo import data, loader
from steward.core.models import SlaClock
from steward.core.tests.browser.conftest import browser_page, shot, sign_in  # noqa: F401
from steward.incidents.models import IncidentRequest
from steward.service_level.models import SlaReview

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Print dialogs block a headless browser: record the call instead.
STUB_PRINT = "window.print = () => { document.documentElement.dataset.printed = 'yes'; };"


def sign_in_to_the_demo(page, username: str) -> None:
    sign_in(page, username, data.DEMO_PASSWORD, fresh=True)
    expect(page.locator(".me-link")).to_be_visible()


def _an_open_request() -> None:
    """The short demo history may have closed every request by the time the test runs
    (over a weekend nothing recent is still open): register one for the queue."""
    from steward.core.models import Person
    from steward.incidents.services.incidents import incident_register

    incident_register(
        actor=Person.objects.get(username="dana.desk"),
        requester=Person.objects.get(username="ruben.northwind"),
        title="Printer on floor 3 jams on every job",
    )


def test_every_area_works_under_the_policy(browser_page, transactional_db):  # noqa: F811
    # One test, so the demo is loaded once (about 15 s with commits): the change calendar's
    # checks are here too.
    loader.load()
    _an_open_request()
    page = browser_page
    page.add_init_script(STUB_PRINT)
    sign_in_to_the_demo(page, "admin")
    _service_level_and_configuration(page)
    _incidents_reports_api_docs_and_admin(page)
    sign_in_to_the_demo(page, "dana.desk")
    _registration_form(page)
    sign_in_to_the_demo(page, "ruben.northwind")
    _portal(page)
    # The change calendar's own test, here to share the demo load.
    sign_in_to_the_demo(page, "max.manager")
    _change_calendar(page)
    # --- demo: Event Management on the demo's events
    sign_in_to_the_demo(page, "opal.ops")
    _event_console(page)


def _service_level_and_configuration(page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    shot(page, "csp-my-work")

    # Service catalog: the search narrows the cards as one types (htmx).
    page.goto("/catalog/")
    cards = page.locator("main a[href^='/catalog/']")
    before = cards.count()
    page.get_by_label("Search the catalog").fill("banking")
    expect(cards).not_to_have_count(before)
    shot(page, "csp-catalog")

    # The SLA review with its figures, and the print view's button (was an onclick).
    review = SlaReview.objects.get()
    page.goto(review.get_absolute_url())
    expect(page.locator(".review-tiles")).to_be_visible()
    shot(page, "csp-sla-review")
    page.goto(f"{review.get_absolute_url()}print/")
    page.get_by_role("button", name="Print or save as PDF").click()
    expect(page.locator("html")).to_have_attribute("data-printed", "yes")
    shot(page, "csp-sla-review-print")

    # A CI page with its impact picture (inline SVG, sized by a class, not a style).
    ci = (
        ConfigurationItem.objects.annotate(
            n=Count("outgoing", distinct=True) + Count("incoming", distinct=True)
        )
        .order_by("-n")
        .first()
    )
    page.goto(ci.get_absolute_url())
    graph = page.get_by_test_id("impact-graph")
    expect(graph.locator("svg")).to_be_visible()
    assert graph.locator(".graph-node").count() > 2
    box = graph.locator("svg").bounding_box()
    assert box["width"] > 300  # laid out by the stylesheet, not collapsed
    shot(page, "csp-ci-impact")

    page.goto("/integrity/")
    expect(page.locator("svg.integrity-chart").first).to_be_visible()
    shot(page, "csp-integrity")


def _incidents_reports_api_docs_and_admin(page) -> None:
    # The queue's filters update the list in place (htmx) and the address.
    page.goto("/incidents/")
    rows = page.locator("#list-results tbody tr")
    expect(rows.first).to_be_visible()
    number = re.search(r"INC\d+", rows.first.inner_text()).group(0)
    page.locator("#id_q").fill(number)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(number)
    expect(page).to_have_url(re.compile(rf"q={number}"))
    shot(page, "csp-incident-queue")

    # The record page: its clock bars are drawn as SVG (they were style="width: ..%").
    clocked = SlaClock.objects.filter(
        record_type=ContentType.objects.get_for_model(IncidentRequest)
    )
    incident = IncidentRequest.objects.get(pk=clocked.order_by("-record_id")[0].record_id)
    page.goto(incident.get_absolute_url())
    bar = page.locator(".clock-bar rect").first
    expect(bar).to_have_attribute("width", re.compile(r"^\d+$"))
    assert page.locator(".clock-bar").first.bounding_box()["height"] == 4
    shot(page, "csp-incident-record")

    # A week with requests in it (the short test demo may leave last week empty).
    latest = IncidentRequest.objects.order_by("-created_at")[0].created_at
    page.goto(f"/incidents/reports/?week={timezone.localdate(latest).isoformat()}")
    expect(page.locator("svg.hbars").first).to_be_visible()
    shot(page, "csp-incident-reports")

    # The API docs: Swagger UI starts from its own script URL and lists the operations.
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Steward API")
    expect(page.locator(".opblock").first).to_be_visible()
    shot(page, "csp-api-docs")

    # The browsable API: its filter dialog (Bootstrap's script) opens.
    page.goto("/api/v1/incidents/")
    page.get_by_role("button", name="Filters").click()
    expect(page.locator("#filtersModal")).to_be_visible()
    shot(page, "csp-browsable-api")

    # The Django admin: a list with its search, a change form with its widgets.
    page.goto("/admin/")
    expect(page.get_by_role("heading", name="Configuration data")).to_be_visible()
    page.goto("/admin/core/person/")
    page.locator("#searchbar").fill("ruben")
    page.locator("#searchbar").press("Enter")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.locator("#result_list tbody tr a").first.click()
    expect(page.locator("#person_form")).to_be_visible()
    shot(page, "csp-admin-person")
    # The admin's own scripts: date shortcuts, and inline rows added on the page.
    page.goto("/admin/service_level/outage/add/")
    page.get_by_role("link", name="Today").first.click()
    expect(page.locator("input.vDateField").first).not_to_have_value("")
    page.goto("/admin/core/businesscalendar/add/")
    holidays = page.locator("#holidays-group tr.form-row:not(.empty-form)")
    before = holidays.count()
    page.locator("#holidays-group .add-row a").click()
    expect(holidays).to_have_count(before + 1)
    shot(page, "csp-admin-calendar")


def _registration_form(page) -> None:
    page.goto("/incidents/new/")

    # Requester lookup: Enter does not submit the form (was hx-on:keydown) ...
    lookup = page.get_by_label("Requester")
    lookup.fill("Ruben")
    matches = page.locator("#requester-matches button")
    expect(matches.first).to_be_visible()
    page.evaluate("window.stillTheSamePage = true")  # gone if the form were posted
    lookup.press("Enter")
    # ... and picking a person closes the list of matches (was hx-on::after-request).
    matches.first.click()
    expect(page.locator("#requester-panel .requester-card")).to_be_visible()
    expect(page.locator("#requester-matches")).to_be_empty()
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page.locator(".field-error")).to_have_count(0)

    # The priority follows impact and urgency as they are chosen.
    page.get_by_label("Impact").select_option("1")
    page.get_by_label("Urgency").select_option("1")
    expect(page.locator("#priority-preview")).to_contain_text("P1 Critical")
    page.get_by_label("Impact").select_option("4")
    page.get_by_label("Urgency").select_option("4")
    expect(page.locator("#priority-preview")).to_contain_text("P4 Low")
    page.get_by_label("Title").fill("Payments stuck in the outbox")
    shot(page, "csp-incident-registration")


def _portal(page) -> None:
    page.goto("/portal/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    shot(page, "csp-portal-home")
    page.locator(".portal-list a").first.click()
    expect(page.locator(".portal")).to_be_visible()
    shot(page, "csp-portal-request")
    page.goto("/portal/new/")
    page.get_by_label("What is the problem, in a few words?").fill("Cannot print statements")
    shot(page, "csp-portal-new")


def _change_calendar(page) -> None:
    """The change calendar (issue 14, acceptance 5's screenshots): the month view shows the
    demo's conflict and the quarter-end freeze at a glance; the week view says what collides
    with what; the change page lists its conflicts; the month moves without script."""
    page.set_viewport_size({"width": 1366, "height": 900})
    upgrade = Change.objects.filter(title="Upgrade the Online Banking database").latest("pk")
    day = upgrade.planned_start.date().isoformat()

    page.goto(f"/change-calendar/?date={day}")
    expect(page.locator(".cal-summary")).to_contain_text("in conflict")
    conflicted = page.locator(".cal-item.cal-conflict")
    expect(conflicted.first).to_be_visible()
    expect(page.locator(".cal-legend")).to_contain_text("Blackout period")
    shot(page, "change-calendar-month")

    page.get_by_role("link", name="Week", exact=True).click()
    chip = page.locator("a.cal-item", has_text="Patch the Online Banking database VM")
    patch = page.locator(".cal-week-item").filter(has=chip)
    expect(patch.locator(".cal-conflict-list")).to_contain_text("same CI ob-db-vm01")
    shot(page, "change-calendar-week")

    page.get_by_role("link", name="Next week →").click()
    expect(page.locator("#cal-period")).to_contain_text("Week")

    page.goto(upgrade.get_absolute_url())
    expect(page.locator("#conflicts")).to_contain_text("Patch the Online Banking database VM")
    shot(page, "change-page-conflicts")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/change-calendar/?date={day}")
    shot(page, "change-calendar-month-phone")


# --- demo: Event Management on the demo's events


def _event_console(page) -> None:
    """The operator's console under the policy: the switch failing now with its hosts
    nested under it, the selection seen by the shared bulk script, the event page, a
    match rule's "try it" (a GET form)."""
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/events/")
    results = page.locator("#list-results")
    expect(results).to_contain_text("tor-sw-ams-dc2-r02")
    expect(results).to_contain_text("esx-ams-dc2-03")
    page.locator("input[name=pick]").first.check()
    expect(page.locator("#bulk-form")).to_have_class(re.compile("has-selection"))
    shot(page, "csp-event-console")
    page.get_by_role("link", name=re.compile("^EV")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("does not answer SNMP")
    page.goto("/events/match-rules/")
    page.get_by_role("link", name="Prometheus instance is a host's IP address").click()
    page.get_by_label("Value").fill("10.1.10.5:9100")
    page.get_by_label("Value").press("Enter")
    expect(page.locator("main")).to_contain_text("esx-ams-dc1-05")
    shot(page, "csp-event-match-rule-try")
