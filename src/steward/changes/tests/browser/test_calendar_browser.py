"""The change calendar in a real browser, on the demo data (issue 14, acceptance 5's
screenshots): the month view shows the demo's conflict and the quarter-end freeze at a
glance; the week view says what collides with what; the change page lists its conflicts;
the month moves without script."""

import pytest
from playwright.sync_api import expect

from steward.changes.models import Change
from steward.core.demo import data, loader
from steward.core.tests.browser.conftest import browser_page, shot, sign_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_calendar_shows_conflicts_at_a_glance(browser_page):  # noqa: F811
    loader.load()
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, "max.manager", data.DEMO_PASSWORD)
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
