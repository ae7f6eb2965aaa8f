"""WCAG 2.2 AA in a real browser, on the demo data: axe-core finds no serious or critical
violation on the main page of each area, as the role that uses it, in the light colour
scheme and at a phone's width, nor (its colours: contrast) in the dark one; the lists fit
a 1366 px screen; on a phone nothing scrolls sideways, lists are cards and their filters fold away; a form that failed
to submit says what is wrong and takes the focus there.

One test, so the demo is loaded once and one browser page visits everything.
"""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe  # axe-core, bundled
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.utils import timezone
from freezegun import freeze_time
from playwright.sync_api import expect

from steward.changes.models import Change
from steward.configuration.models import ConfigurationItem
from steward.core.demo import data, loader
from steward.core.models import BusinessCalendar, Person, SlaClock
from steward.core.tests.browser.conftest import browser_page, shot, sign_in  # noqa: F401
from steward.incidents.models import IncidentRequest
from steward.problems.models import KnownError, ProblemCandidate, ProblemInvestigation
from steward.releases.models import BusinessCase, Cab, CabMeeting, Release, RfcHandling
from steward.service_level.models import Agreement, SlaReview

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}
LONG_TITLE = "Payroll portal refuses every sign-in from the Utrecht branch since the update"

# The dark colour scheme changes colours only (steward.css's prefers-color-scheme block sets
# colours, backgrounds and borders, nothing else): the page's elements, names, roles and
# layout are the light scheme's, already checked. So in the dark the rules that read
# colours run, not all of WCAG AA again (which took about a third of this test's time).
COLOUR_RULES = ["color-contrast", "link-in-text-block"]

AXE = Axe()


def axe_violations(page, where: str, rules: list[str] | None = None) -> list[str]:
    """axe-core's serious and critical WCAG 2.2 AA violations on the page (of ``rules``
    only, when given), one readable line per rule and a line per element (at most five)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.axe_script)
    only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": WCAG_AA}
    options = {"runOnly": only, "resultTypes": ["violations"]}
    violations = page.evaluate("options => axe.run(document, options)", options)["violations"]
    lines = []
    for violation in violations:
        if violation["impact"] not in BLOCKING:
            continue
        lines.append(f"{where}: [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            why = node.get("failureSummary", "").replace("\n", " ")
            lines.append(f"    {' '.join(map(str, node['target']))}: {why[:220]}")
    return lines


def each_scheme(page, where: str) -> list[str]:
    """``axe_violations`` in the light and then (its colours) the dark colour scheme (one
    page load)."""
    page.emulate_media(color_scheme="light")
    problems = axe_violations(page, f"light {where}")
    page.emulate_media(color_scheme="dark")
    problems += axe_violations(page, f"dark {where}", COLOUR_RULES)
    page.emulate_media(color_scheme="light")
    return problems


def sideways_scroll(page) -> int:
    """How far the page scrolls sideways (0: it fits the window)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


EVENT_PEOPLE = ("opal.ops", "oscar.ops")  # --- demo: whose pages get a screenshot


def test_pages_are_accessible_fit_the_screen_and_phones(browser_page, settings):  # noqa: F811
    settings.STEWARD_DEMO_INCIDENTS = None  # the whole history, as `make run` loads it
    loader.load()
    records = _records()
    page = browser_page
    problems: list[str] = []

    page.set_viewport_size(DESKTOP)
    for username, urls in _pages_by_role(records):
        sign_in(page, username, data.DEMO_PASSWORD, fresh=True)
        for url in urls:
            assert page.goto(url).ok, f"{username} cannot open {url}"
            problems += each_scheme(page, f"{username} {url}")
            if username in EVENT_PEOPLE:  # --- demo: Event Management's pages, to look at
                shot(page, f"a11y-{username}-{url.strip('/').split('?')[0].replace('/', '-')}")
    _queue_fits_1366(page)
    _failed_submit_shows_an_error_summary(page)

    page.set_viewport_size(PHONE)
    for username, urls in _phone_pages(records):
        sign_in(page, username, data.DEMO_PASSWORD, fresh=True)
        for url in urls:
            assert page.goto(url).ok, f"{username} cannot open {url}"
            problems += each_scheme(page, f"phone {username} {url}")
            if sideways_scroll(page) > 0:
                problems.append(f"phone {username} {url}: scrolls sideways")
            shot(page, f"a11y-phone-{username}-{url.strip('/').replace('/', '-')}")
    _queue_is_cards_with_filters_folded(page)

    assert not problems, "Accessibility problems:\n" + "\n".join(problems)


def _records() -> dict[str, str]:
    """One record of each kind the pages below open, and a request registered a month ago
    with a long title, its SLA long breached (the widest row a queue shows)."""
    from steward.incidents.services.incidents import incident_register

    clocked = SlaClock.objects.filter(
        record_type=ContentType.objects.get_for_model(IncidentRequest)
    )
    # A customer's request (the Event Management demo's, registered later, are staff's:
    # no agreement, so no SLA to breach).
    incident = (
        IncidentRequest.objects.filter(
            pk__in=clocked.values("record_id"), requester__organisations__kind="customer"
        )
        .distinct()
        .order_by("-pk")
        .first()
    )
    with freeze_time(timezone.now() - timedelta(days=30)):
        incident_register(
            actor=Person.objects.get(username="dana.desk"),
            requester=incident.requester,
            service=incident.service,
            title=LONG_TITLE,
            impact="2",
            urgency="2",
        )
    ruben_request = IncidentRequest.objects.filter(requester__username="ruben.northwind")
    assert ruben_request.exists() and IncidentRequest.objects.filter(title=LONG_TITLE).exists()
    ci = (
        ConfigurationItem.objects.annotate(
            n=Count("outgoing", distinct=True) + Count("incoming", distinct=True)
        )
        .order_by("-n")
        .first()
    )
    return {
        "incident": incident.get_absolute_url(),
        "portal_request": f"/portal/{ruben_request.order_by('-pk')[0].pk}/",
        "agreement": Agreement.objects.order_by("pk")[0].get_absolute_url(),
        "review": SlaReview.objects.get().get_absolute_url(),
        "ci": ci.get_absolute_url(),
        "calendar": BusinessCalendar.objects.order_by("pk")[0].get_absolute_url(),
        "change": Change.objects.filter(status="planning").order_by("pk")[0].get_absolute_url(),
        # Problem Management: one whose closure card lists recurring incidents, one in
        # analysis with its options, a known error, a candidate.
        "problem": ProblemInvestigation.objects.get(
            status="known_error", known_errors__rfc__change__isnull=False
        ).get_absolute_url(),
        "problem_analysis": ProblemInvestigation.objects.get(
            status="root_cause_analysis"
        ).get_absolute_url(),
        "known_error": KnownError.objects.order_by("pk")[0].get_absolute_url(),
        "candidate": ProblemCandidate.objects.order_by("-score")[0].get_absolute_url(),
        **_release_records(),
        **_event_records(),
    }


def _release_records() -> dict[str, str]:
    """Release Management: a release in coordination, the closed one with its review, the
    backlog release, a request's handling, the CAB and its closed and coming meetings, a
    business case."""
    closed_meeting = CabMeeting.objects.filter(status="closed").order_by("-starts_at")[0]
    return {
        "release": Release.objects.get(status="coordination").get_absolute_url(),
        "release_closed": Release.objects.get(status="closed").get_absolute_url(),
        "release_backlog": Release.objects.filter(is_backlog=True, rfc_handlings__isnull=False)
        .distinct()
        .order_by("pk")[0]
        .get_absolute_url(),
        "handling": RfcHandling.objects.filter(status="in_release")
        .order_by("pk")[0]
        .get_absolute_url(),
        "cab": Cab.objects.order_by("pk")[0].get_absolute_url(),
        "meeting_closed": closed_meeting.get_absolute_url(),
        "meeting_next": closed_meeting.next_meeting.get_absolute_url(),
        "business_case": BusinessCase.objects.filter(status="approved")
        .order_by("pk")[0]
        .get_absolute_url(),
    }


# --- demo: Event Management's records (the demo's stream of events)
def _event_records() -> dict[str, str]:
    """The switch failing now (its symptoms nested under it), a source, an event type, a
    match rule, a correlation rule, and the past cascade's incident request (its Events
    card)."""
    from steward.events.models import CiMatchRule, CorrelationRule, Event, EventSource, EventType

    switch = Event.objects.get(resource="tor-sw-ams-dc2-r02")
    past = Event.objects.get(resource="tor-sw-ams-dc1-r03")
    return {
        "event": f"/events/{switch.pk}/",
        "event_incident": past.incident.get_absolute_url(),
        "event_source": f"/events/sources/{EventSource.objects.get(name='Prometheus DC1').pk}/",
        "event_type": f"/events/types/{EventType.objects.get(code='NodeDown').pk}/",
        "match_rule": f"/events/match-rules/{CiMatchRule.objects.order_by('order', 'pk')[0].pk}/",
        "correlation_rule": "/events/correlation-rules/"
        f"{CorrelationRule.objects.order_by('order', 'pk')[0].pk}/",
    }


def _pages_by_role(records: dict[str, str]) -> Iterator[tuple[str, list[str]]]:
    yield (
        "dana.desk",
        [
            "/",
            "/incidents/",
            records["incident"],
            "/incidents/new/",
            "/incidents/reports/",
            "/incidents/reports/daily-review/",
            "/solutions/",
            "/people/",
            "/organisations/",
            "/search/?q=mail",
        ],
    )
    yield (
        "lena.sla",
        [
            "/services/",
            "/agreements/",
            records["agreement"],
            "/reviews/",
            records["review"],
            "/catalog/",
        ],
    )
    yield "carl.config", ["/cis/", records["ci"], "/suppliers/", "/integrity/"]
    yield "chris.change", ["/changes/", records["change"], "/changes/new/"]
    yield (
        "admin",
        [
            "/calendars/",
            records["calendar"],
            "/groups/",
            "/lockouts/",
            "/webhooks/",
            "/incidents/routing-rules/",
            "/incidents/categories/",
            "/incidents/priority-matrix/",
            "/templates/",
        ],
    )
    yield "ruben.northwind", ["/portal/", records["portal_request"], "/portal/new/", "/catalog/"]
    yield "max.manager", ["/changes/kpis/"]  # Change Management: the KPIs (kpis topic)
    yield (
        "pat.problem",
        [
            "/problems/",
            records["problem"],
            records["problem_analysis"],
            "/problems/new/",
            "/problems/review/",
            "/problem-candidates/",
            records["candidate"],
            "/known-errors/",
            records["known_error"],
            "/problems/kpis/",
        ],
    )
    yield "max.manager", ["/change-calendar/", "/change-calendar/?view=week", "/planned-events/"]
    yield (
        "rob.release",
        [
            "/releases/",
            records["release"],
            records["release_closed"],
            records["release_backlog"],
            "/releases/requests/",
            records["handling"],
            "/releases/cabs/",
            "/releases/meetings/",
            records["cab"],
            records["meeting_closed"],
            records["meeting_next"],
            "/business-cases/",
            records["business_case"],
            "/releases/policies/",
            "/releases/roadmap/",
            "/releases/kpis/",
        ],
    )
    yield "carla.cab", [records["meeting_closed"], records["meeting_next"]]
    # --- reviews (Event Management): the operations manager's event and outage reviews
    yield "oscar.ops", ["/events/review/", "/events/outage-review/", "/events/review/raise/"]
    # --- events: console topic (the operator console and all events)
    yield "opal.ops", ["/events/", "/events/all/"]
    # --- demo: every Event Management page on the demo's events
    yield "opal.ops", [records["event"], records["event_incident"]]
    yield (
        "oscar.ops",
        [
            "/events/sources/",
            records["event_source"],
            "/events/types/",
            records["event_type"],
            "/events/match-rules/",
            records["match_rule"] + "?value=10.1.10.5%3A9100",
            "/events/correlation-rules/",
            records["correlation_rule"],
        ],
    )


def _phone_pages(records: dict[str, str]) -> Iterator[tuple[str, list[str]]]:
    yield "dana.desk", ["/incidents/", records["incident"], "/incidents/new/"]
    yield "ruben.northwind", ["/portal/", records["portal_request"], "/portal/new/"]


def _queue_fits_1366(page) -> None:
    """The defect: the queue was 148 px wider than its card on a 1366 px screen, the SLA
    column cut off. Now every column fits; a long title stops after three lines and its
    title attribute holds the whole."""
    sign_in(page, "dana.desk", data.DEMO_PASSWORD, fresh=True)
    page.goto("/incidents/")
    table = page.locator("#list-results table.data")
    expect(table).to_be_visible()
    widths = page.evaluate(
        "[document.querySelector('#list-results table.data').scrollWidth,"
        " document.querySelector('#list-results .table-wrap').clientWidth]"
    )
    assert widths[0] <= widths[1], f"the table is {widths[0]} px wide in {widths[1]} px"
    expect(page.locator("th.col-due")).to_be_in_viewport()
    row = table.locator("tbody tr").filter(has_text=LONG_TITLE)
    expect(row.locator("td.col-due")).to_contain_text("breached")
    expect(row.locator("td.col-due")).to_be_in_viewport()
    expect(table.get_by_role("link", name=LONG_TITLE)).to_have_attribute("title", LONG_TITLE)
    assert sideways_scroll(page) == 0
    shot(page, "a11y-queue-1366")
    # What was good stays: the first Tab shows the skip link, with its focus outline.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert skip.evaluate("link => getComputedStyle(link).outlineStyle") == "solid"


def _failed_submit_shows_an_error_summary(page) -> None:
    """The defect: after a failed submit the focus stayed on the page body with no summary."""
    page.goto("/incidents/new/")
    page.get_by_role("button", name="Register").click()
    summary = page.get_by_role("alert").filter(has_text="problem")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Requester")).to_be_visible()
    expect(page.locator("#id_title")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_title")).to_have_attribute(
        "aria-describedby", "id_title_helptext id_title_error"
    )
    expect(page.locator("#id_title_error")).to_have_text("This field is required.")
    shot(page, "a11y-error-summary")
    # Each link leads into its field.
    summary.get_by_role("link", name="Requester").click()
    expect(page.get_by_label("Requester")).to_be_focused()
    expect(page.get_by_label("Requester")).to_have_attribute("aria-invalid", "true")

    sign_in(page, "ruben.northwind", data.DEMO_PASSWORD, fresh=True)
    page.goto("/portal/new/")
    page.get_by_role("button", name="Send").click()
    summary = page.get_by_role("alert").filter(has_text="problem")
    expect(summary).to_be_focused()
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("What is the problem, in a few words?")).to_be_focused()


def _queue_is_cards_with_filters_folded(page) -> None:
    """On a phone each request is a card (number, priority, status, title, SLA), and the
    filters wait behind a "Filters" button instead of filling the screen."""
    sign_in(page, "dana.desk", data.DEMO_PASSWORD, fresh=True)
    page.goto("/incidents/")
    filters = page.locator("form.filters")
    expect(filters).to_be_hidden()
    toggle = page.get_by_role("button", name="Filters")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    card = page.locator("#list-results tbody tr").filter(has_text=LONG_TITLE)
    expect(card.locator("td.col-title")).to_be_visible()
    box = card.bounding_box()
    assert box["width"] <= PHONE["width"] and box["height"] > 60  # a card, not a table row
    expect(card.locator("td.col-number")).to_contain_text("INC")
    toggle.click()
    expect(filters).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    assert sideways_scroll(page) == 0
    shot(page, "a11y-phone-queue-filters-open")
