"""Issue 13 in a real browser: the service level manager opens a service and sees its
current SLA compliance and the weekly trend with the goal line, then the agreement."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from steward.core.tests.browser.conftest import browser_page, shot, sign_in  # noqa: F401
from steward.core.tests.factories import make_person
from steward.service_level.tests.test_compliance import clock
from steward.service_level.tests.test_reviews import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sla_world(transactional_db):
    world = build_world()
    lena = make_person(
        "service_level_manager", organisation=world.provider, username="lena.sla",
        first_name="Lena", last_name="van den Berg",
    )  # fmt: skip
    now = timezone.now()
    for week in range(6):
        for n in range(4):
            started = now - dt.timedelta(days=7 * week + 1, hours=n)
            clock(world.resolution, started=started, met=n != 0 or week % 2 == 1, now=now)
    return world, lena


def test_the_service_level_manager_sees_compliance_and_its_trend(browser_page, sla_world):  # noqa: F811
    world, _ = sla_world
    page = browser_page
    sign_in(page, "lena.sla", fresh=True)
    page.goto(world.service.get_absolute_url())
    card = page.locator("#compliance")
    expect(card).to_contain_text("SLA compliance")
    expect(card).to_contain_text("goal 95 % of clocks met")
    expect(card.get_by_role("img", name="Share of SLA clocks met per week")).to_be_visible()
    expect(card.locator(".chart-line-text")).to_have_text("goal 95%")
    expect(card).to_contain_text("Below goal")
    shot(page, "sla-1-service-compliance")
    card.get_by_role("link", name=world.sla.number).click()
    expect(page.locator("#compliance")).to_contain_text("P1 Resolution time")
    shot(page, "sla-2-agreement-compliance")
