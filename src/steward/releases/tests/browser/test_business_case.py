"""A business case rejected and the requests for change back in the backlog, in a real
browser (issue 16, acceptance 4; seed 003 ch. 10 proc. 3): the release coordinator
decides the justification of a CAB-defined release with two requests (the budget is too
small: a business case), prepares it and requests its approval; the service owner rejects
it with a note; the coordinator abandons the release; the backlog release shows the two
requests again. Screenshots: /tmp/scratch/shots/bc_*.png."""

from pathlib import Path

import pytest
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from steward.core.tests.browser.conftest import browser_page, sign_in  # noqa: F401
from steward.releases.models import BusinessCase, Release, RfcHandling
from steward.releases.services import releases as svc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/scratch/shots")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"bc_{name}.png"), full_page=True)


def _step(page, key: str):
    step = page.locator(f"#step-{key}")
    if not step.is_visible():
        page.locator("#steps summary", has_text="More").first.click()
    if step.get_attribute("open") is None:
        step.locator("summary").first.click()
    return step.locator("form").first


@pytest.fixture(autouse=True)
def _handling_pages(monkeypatch):
    """Until the handling topic's pages are mounted, a request's link goes to the RFC."""
    try:
        reverse("releases:handling-detail", args=[1])
    except NoReverseMatch:
        monkeypatch.setattr(RfcHandling, "get_absolute_url",
                            lambda self: self.rfc.get_absolute_url())  # fmt: skip


@pytest.fixture
def cab_release(make_release, make_rfc, service, release_coordinator, cab):
    """A release the CAB defined, with two requests for change, cost above the budget."""
    release = make_release(title="Mail 2027.2", estimated_cost="12000", available_budget="3000")
    Release.objects.filter(pk=release.pk).update(cab_defined=True)
    release.refresh_from_db()
    for title in ("Shared mailboxes for teams", "Larger mailbox quota"):
        rfc = make_rfc(title=title)
        RfcHandling.objects.filter(rfc=rfc).update(status="cab_list")
        handling = RfcHandling.objects.get(rfc=rfc)
        with transaction.atomic():
            svc.put_in_release(handling, release, actor=release_coordinator, by_cab=True)
    return release


def test_a_rejected_business_case_puts_the_requests_back_in_the_backlog(
    browser_page,  # noqa: F811
    cab_release,
    release_coordinator,
    service_owner,
):
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    release = cab_release
    numbers = [h.rfc.number for h in release.rfc_handlings.select_related("rfc")]

    # 1. The coordinator decides: the budget does not cover the cost.
    sign_in(page, release_coordinator.username)
    page.goto(release.get_absolute_url())
    form = _step(page, "justify")
    expect(form).to_contain_text("a business case is required")
    shot(page, "1_decide")
    form.get_by_role("button").last.click()
    expect(page.locator("#justification")).to_contain_text("Business case required")

    # 2. Prepares the business case and requests its approval.
    form = _step(page, "prepare-business-case")
    form.get_by_label("Budget requested").fill("9000")
    form.get_by_label("Benefits").fill("Teams stop forwarding mail; fewer quota incidents.")
    form.get_by_role("button").last.click()
    case = BusinessCase.objects.get()
    page.locator("#justification-rounds-heading").scroll_into_view_if_needed()
    shot(page, "2_prepared")
    page.get_by_role("link", name=case.number).first.click()
    page.locator("#steps").get_by_role("button", name="Request approval").click()
    expect(page.locator("main")).to_contain_text("Waiting for approval")

    # 3. The service owner rejects it, saying why.
    sign_in(page, service_owner.username, fresh=True)
    page.goto(case.get_absolute_url())
    form = _step(page, "reject")
    form.get_by_label("Why it is rejected").fill("No budget left this year for mail.")
    shot(page, "3_reject")
    form.get_by_role("button").last.click()
    expect(page.locator("#rounds")).to_contain_text("No budget left this year")

    # 4. The coordinator abandons the release.
    sign_in(page, release_coordinator.username, fresh=True)
    page.goto(case.get_absolute_url())
    form = _step(page, "abandon")
    form.get_by_label("Why it is abandoned").fill("No adjusted case could be approved.")
    shot(page, "4_abandon")
    form.get_by_role("button").last.click()
    release.refresh_from_db()
    assert release.status == "abandoned"

    # 5. The requests are back in the backlog release for the next CAB meeting.
    backlog = Release.objects.get(service=release.service, is_backlog=True)
    page.goto(backlog.get_absolute_url())
    for number in numbers:
        expect(page.locator("#requests")).to_contain_text(number)
    shot(page, "5_backlog")
