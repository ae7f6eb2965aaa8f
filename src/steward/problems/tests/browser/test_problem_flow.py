"""From a cluster of similar incidents to a known error in a real browser (issue 15,
acceptance 4): the problem coordinator registers a problem from the candidate the system
proposed and assigns it; the specialist records the workaround and the root cause, adds
the structural solution and completes the analysis; the coordinator's review raises a
known error; the change coordinator finds its request for change waiting for review; and
the service desk, registering a matching incident, is offered the known error's
workaround. Screenshots: var/screenshots/problem-flow-*.png."""

import pytest
from playwright.sync_api import expect

from steward.changes.models import RequestForChange
from steward.core.tests.browser.conftest import browser_page, shot, sign_in  # noqa: F401
from steward.problems.models import KnownError, ProblemCandidate, ProblemInvestigation
from steward.problems.services.candidates import candidates_refresh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLES = [
    "Mail queue stuck, outgoing mail delayed",
    "Outgoing mail delayed, queue stuck",
    "Mail stuck in the outgoing queue",
    "Outgoing mail stuck in queue again",
    "Mail queue stuck since this morning",
    "Outgoing mail queue stuck, nothing delivered",
]


def _step(page, key: str):
    """Open the record page's step ``key`` (under "More" when it is not the main one) and
    return its form."""
    step = page.locator(f"#step-{key}")
    if not step.is_visible():
        page.locator("#steps summary", has_text="More").first.click()
    if step.get_attribute("open") is None:
        step.locator("summary").first.click()
    return step.locator("form").first


def test_candidate_to_known_error_to_request_for_change_and_workaround(
    browser_page,  # noqa: F811
    service,
    make_incident,
    problem_coordinator,
    specialist,
    server_group,
    change_coordinator,
    analyst,
):
    for title in TITLES:
        make_incident(title=title, description="Customers' mail does not leave the relay.")
    candidates_refresh()
    candidate = ProblemCandidate.objects.get(status="open")
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())

    # 1. The problem coordinator registers a problem from the proposed cluster.
    sign_in(page, problem_coordinator.username)
    page.goto("/problem-candidates/")
    page.get_by_role("link", name=candidate.label).first.click()
    expect(page.locator("main")).to_contain_text(TITLES[0])
    shot(page, "problem-flow-1-candidate")
    form = _step(page, "register")
    form.get_by_label("Title").fill("Outgoing mail queue stalls")
    form.get_by_role("button").last.click()
    expect(page.get_by_role("heading", name="Outgoing mail queue stalls")).to_be_visible()
    problem = ProblemInvestigation.objects.get(title="Outgoing mail queue stalls")
    assert problem.incident_links.count() == len(TITLES)
    expect(page.locator("#incidents")).to_contain_text(str(len(TITLES)))

    form = _step(page, "assign")
    form.get_by_label("Specialist").select_option(str(specialist.pk))
    form.get_by_role("button").last.click()
    expect(page.locator(".record-side")).to_contain_text(specialist.display_name)

    # 2. The specialist records the workaround and the root cause, proposes the solution.
    sign_in(page, specialist.username, fresh=True)
    page.goto(problem.get_absolute_url())
    page.locator("#steps").get_by_role("button", name="Start the analysis").click()
    form = _step(page, "record-workaround")
    form.get_by_label("Workaround").fill("Flush the relay queue by hand")
    form.get_by_label("How to apply it").fill("On the relay: postqueue -f")
    form.get_by_role("button").last.click()
    form = _step(page, "record-root-cause")
    form.get_by_label("Root cause").fill("The relay's disk fills with bounce logs.")
    form.get_by_role("button").last.click()
    expect(page.locator("#analysis")).to_contain_text("bounce logs")
    form = _step(page, "add-option")
    form.get_by_label("Structural solution").fill("Rotate the bounce logs daily.")
    form.get_by_label("The preferred solution").check()
    form.get_by_role("button").last.click()
    form = _step(page, "complete-analysis")
    form.get_by_label("Change Management required").select_option(label="Yes")
    form.get_by_role("button").last.click()
    expect(page.locator("main")).to_contain_text("Analysis review")
    shot(page, "problem-flow-2-analysis")

    # 3. The coordinator's review: Change Management is really needed -> a known error.
    sign_in(page, problem_coordinator.username, fresh=True)
    page.goto(problem.get_absolute_url())
    form = _step(page, "review")
    form.get_by_label("Analysis acceptable").select_option("true")
    form.get_by_label("Will a service become unavailable").select_option(label="Yes")
    form.get_by_label("Will the functionality").select_option(label="No")
    form.get_by_label("Will the CMDB require").select_option(label="Yes")
    form.get_by_role("button").last.click()
    known_error = KnownError.objects.get(problem=problem)
    expect(page.locator("main")).to_contain_text(known_error.number)
    shot(page, "problem-flow-3-known-error")
    rfc = RequestForChange.objects.get(origin_reference=known_error.number)
    assert (rfc.source, rfc.status) == ("known_error", "submitted")

    # 4. The change coordinator of the service finds the request for change to review.
    sign_in(page, change_coordinator.username, fresh=True)
    page.goto("/")
    expect(page.locator("main")).to_contain_text(rfc.number)
    page.get_by_role("link", name=rfc.number).first.click()
    expect(page.locator("main")).to_contain_text(known_error.number)
    shot(page, "problem-flow-4-request-for-change")

    # 5. The service desk registers a matching incident: the workaround is offered.
    sign_in(page, analyst.username, fresh=True)
    page.goto("/incidents/new/")
    page.get_by_label("Title").fill("Outgoing mail stuck in the queue")
    suggestion = page.locator(".suggestion-list li", has_text="Flush the relay queue")
    expect(suggestion).to_be_visible()
    expect(suggestion).to_contain_text(known_error.number)
    suggestion.locator("summary").click()
    expect(suggestion).to_contain_text("postqueue -f")
    shot(page, "problem-flow-5-workaround-offered")
