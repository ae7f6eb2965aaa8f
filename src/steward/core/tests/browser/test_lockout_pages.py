"""Login lockout in a real browser: what the locked-out person reads, and an
administrator lifting it from the Login lockouts page."""

import re

import pytest
from playwright.sync_api import expect

from steward.core.tests.browser.conftest import shot, sign_in
from steward.core.tests.factories import PASSWORD, OrganisationFactory, make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_locked_out_person_is_told_when_to_retry_and_an_admin_unlocks(
    browser_page, transactional_db
):
    provider = OrganisationFactory(kind="provider", name="Steward IT", code="steward-it")
    make_person("service_desk_analyst", organisation=provider, username="ada")
    make_person("system_administrator", organisation=provider, username="grace")
    page = browser_page

    for n in range(5):
        sign_in(page, "ada", f"guess-{n}")
    expect(page.get_by_role("alert")).to_contain_text("Signing in is blocked until")
    sign_in(page, "ada", PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("Too many failed sign-ins")
    expect(page.get_by_label("Username")).to_have_value("ada")
    shot(page, "login-locked-out")

    sign_in(page, "grace", PASSWORD)  # the same browser: another login name is not locked
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Login lockouts").click()
    row = page.get_by_role("row", name=re.compile("ada"))
    expect(row).to_contain_text("Login name from this address")
    expect(row).to_contain_text("5")
    shot(page, "login-lockouts")
    row.get_by_role("button", name="Unlock").click()
    expect(page.get_by_text("ada from 127.0.0.1 may sign in again")).to_be_visible()
    expect(page.get_by_text("No lockouts in force.")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "ada", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
