"""The shell in a real browser: sign in, My work, search, a list page and a record page."""

import re

import pytest
from playwright.sync_api import expect

from steward.core import journal
from steward.core.models import Notification
from steward.core.tests.browser.conftest import shot, sign_in
from steward.core.tests.factories import (
    BusinessCalendarFactory,
    OrganisationFactory,
    SupportGroupFactory,
    add_member,
    make_person,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db):
    """A small service desk: an administrator in a group, colleagues and customers."""
    provider = OrganisationFactory(kind="provider", name="Steward IT", code="steward-it")
    acme = OrganisationFactory(
        kind="customer", name="Acme Bank", code="acme", email="it@acme.example"
    )
    globex = OrganisationFactory(kind="customer", name="Globex", code="globex")
    admin = make_person(
        "system_administrator",
        organisation=provider,
        username="grace",
        first_name="Grace",
        last_name="Hopper",
        job_title="Service desk lead",
    )
    colleague = make_person(
        "service_desk_analyst",
        organisation=provider,
        username="alan",
        first_name="Alan",
        last_name="Turing",
    )
    desk = SupportGroupFactory(
        name="Service Desk", organisation=provider, email="desk@steward.example"
    )
    network = SupportGroupFactory(name="Network", organisation=provider)
    add_member(desk, admin)
    add_member(desk, colleague)
    add_member(network, admin)
    for i, (first, last) in enumerate(
        [("Ada", "Lovelace"), ("Charles", "Babbage"), ("Edsger", "Dijkstra"), ("Barbara", "Liskov")]
    ):
        make_person(
            "requester",
            organisation=acme if i % 2 == 0 else globex,
            username=f"{first.lower()}",
            first_name=first,
            last_name=last,
            job_title="Accountant" if i % 2 == 0 else "Engineer",
        )
    BusinessCalendarFactory(name="Office hours Amsterdam")
    Notification.objects.create(
        recipient=admin, event="incident.assigned", title="INC000042 was assigned to Service Desk"
    )
    return {"admin": admin, "colleague": colleague, "acme": acme, "desk": desk}


def test_sign_in_lands_on_my_work(browser_page, world):
    page = browser_page
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    shot(page, "login")

    sign_in(page, "grace")

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("heading", name="Directory")).to_be_visible()
    expect(nav.get_by_role("heading", name="Administration")).to_be_visible()
    expect(nav.get_by_role("link", name="People")).to_be_visible()
    expect(page.locator(".me-name")).to_have_text("Grace Hopper")
    expect(page.get_by_text("INC000042 was assigned to Service Desk")).to_be_visible()
    groups = page.locator("#my-groups")
    expect(groups.get_by_role("link", name="Service Desk")).to_be_visible()
    expect(groups.get_by_role("link", name="Alan Turing")).to_be_visible()
    shot(page, "my-work")

    page.set_viewport_size({"width": 420, "height": 860})
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    page.get_by_role("button", name="Menu").click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="People")
    ).to_be_visible()
    shot(page, "my-work-mobile")


def test_wrong_password_is_refused(browser_page, world):
    page = browser_page
    page.goto("/login/")
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page).to_have_url(re.compile(r"/login/$"))


def test_search_for_a_person(browser_page, world):
    page = browser_page
    sign_in(page, "grace")
    box = page.get_by_role("searchbox", name="Search Steward")
    box.fill("lovelace")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=lovelace$"))
    results = page.get_by_role("region", name=re.compile("People"))
    expect(results.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    shot(page, "search")
    results.get_by_role("link", name="Ada Lovelace").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ada Lovelace")


def test_people_list_sorts_and_filters(browser_page, world):
    page = browser_page
    sign_in(page, "grace")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    rows = page.locator("#list-results tbody tr")
    expect(rows).to_have_count(6)
    # Default order: by last name.
    expect(rows.first.locator("td").first).to_have_text("Charles Babbage")

    page.get_by_role("link", name=re.compile("^Username")).click()
    expect(page).to_have_url(re.compile(r"sort=username"))
    expect(rows.first.locator("td").first).to_have_text("Ada Lovelace")  # "ada"
    page.get_by_role("link", name=re.compile("^Username")).click()
    expect(page).to_have_url(re.compile(r"sort=-username"))
    expect(rows.first.locator("td").first).to_have_text("Grace Hopper")

    page.locator("form.filters").get_by_label("Organisation").select_option(label="Acme Bank")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"organisation=\d+"))
    expect(page).to_have_url(re.compile(r"sort=-username"))  # the sort survives filtering

    page.locator("#id_q").fill("ada")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").first).to_have_text("Ada Lovelace")
    shot(page, "people-list")


def test_record_page_shows_the_timeline_and_takes_a_note(browser_page, world):
    page = browser_page
    admin = world["admin"]
    journal.created(world["acme"], actor=admin)
    sign_in(page, "grace")
    page.goto(world["acme"].get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_contain_text("Acme Bank")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Grace Hopper created this organisation")

    page.get_by_label("Note").fill("Called their IT manager about the renewal.")
    page.get_by_role("button", name="Add note").click()
    expect(timeline.locator(".tl-entry").first).to_contain_text("added a work note")
    expect(timeline.locator(".tl-entry").first).to_contain_text("Called their IT manager")
    expect(page.get_by_label("Note")).to_have_value("")
    people = page.get_by_role("region", name=re.compile("^People"))
    expect(people.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    shot(page, "organisation-detail")


def test_directory_and_calendar_pages_look_right(browser_page, world):
    """Screenshots of the other page patterns (form, group, calendar with the due-time box)."""
    page = browser_page
    sign_in(page, "grace")
    page.goto(world["desk"].get_absolute_url())
    expect(page.get_by_role("heading", name=re.compile("Members"))).to_be_visible()
    shot(page, "group-detail")

    page.goto(world["admin"].get_absolute_url())
    expect(page.get_by_role("heading", name=re.compile("^Roles"))).to_be_visible()
    shot(page, "person-detail")

    page.goto("/people/new/")
    page.get_by_role("button", name="Create person").click()
    expect(page.locator(".field-error").first).to_be_visible()
    shot(page, "person-create-errors")

    page.goto("/organisations/")
    expect(page.locator("#list-results tbody tr")).to_have_count(3)
    shot(page, "organisation-list")

    page.goto("/me/")
    page.get_by_label("Name").fill("monitoring")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#new-key")).to_contain_text("stw_")
    shot(page, "profile-token")

    page.goto("/notifications/")
    expect(page.locator("#list-results tbody tr")).to_have_count(1)
    shot(page, "notifications")

    page.goto("/calendars/")
    page.get_by_role("link", name="Office hours Amsterdam").click()
    page.get_by_role("spinbutton", name=re.compile("^Hours")).fill("10")
    page.get_by_role("button", name="Calculate").click()
    expect(page.locator("#due-result .due-answer")).to_be_visible()
    shot(page, "calendar-detail")
