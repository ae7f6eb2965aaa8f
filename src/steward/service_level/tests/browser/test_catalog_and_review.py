"""Service Level Management in a real browser: a customer person browses the web catalog
and opens an item; the service level manager opens an SLA review report whose figures
were computed from the records (outages) by ``review_compute``."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from steward.core.tests.browser.conftest import browser_page, shot, sign_in  # noqa: F401
from steward.core.tests.factories import (
    BusinessCalendarFactory,
    OrganisationFactory,
    give_role,
    make_person,
)
from steward.service_level.services import agreements as agreement_svc
from steward.service_level.services import catalog as catalog_svc
from steward.service_level.services import reviews as review_svc
from steward.service_level.services import services as service_svc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UTC = dt.UTC
TARGETS = [
    {"kind": "response", "priority": "1", "seconds": 30 * 60},
    {"kind": "resolution", "priority": "1", "seconds": 4 * 3600},
    {"kind": "resolution", "priority": "2", "seconds": 8 * 3600},
    {"kind": "availability", "percent": "99.5"},
    {"kind": "max_outages", "count": 1},
]


@pytest.fixture
def world(transactional_db):
    """A provider with two services in its catalog, two customers and an active SLA."""
    provider = OrganisationFactory(kind="provider", name="Steward IT", code="steward-it")
    acme = OrganisationFactory(kind="customer", name="Acme Bank", code="acme")
    globex = OrganisationFactory(kind="customer", name="Globex", code="globex")
    admin = make_person(
        "service_level_administrator", organisation=provider, username="sam",
        first_name="Sam", last_name="Admin",
    )  # fmt: skip
    owner = make_person(
        organisation=provider, username="olga", first_name="Olga", last_name="Owner"
    )
    slm = make_person(
        "service_level_manager", organisation=provider, username="mona",
        first_name="Mona", last_name="Manager",
    )  # fmt: skip
    finance = make_person("financial_manager", organisation=provider, username="fred")
    customer = make_person(
        "requester", organisation=acme, username="ada", first_name="Ada", last_name="Lovelace"
    )
    rep = make_person(
        "customer_representative", organisation=acme, scope=acme, username="rita",
        first_name="Rita", last_name="Rep",
    )  # fmt: skip
    hours = BusinessCalendarFactory(name="Office hours Amsterdam")
    email = service_svc.service_create(
        actor=admin, name="Email", owner=owner, provider=provider, service_hours=hours,
        description="Mailboxes, calendars and shared contacts.",
    )  # fmt: skip
    give_role(owner, "service_owner", email)
    workplace = service_svc.service_create(
        actor=admin, name="Workplace", owner=owner, provider=provider, service_hours=hours
    )

    def publish(service, name, category, summary, charge, customer=None, **extra):
        item = catalog_svc.catalog_item_create(
            actor=admin, service=service, name=name, category=category, summary=summary,
            charge=charge, charge_unit="per user per month",
            visibility="private" if customer else "public", customer=customer,
            targets=TARGETS, **extra,
        )  # fmt: skip
        catalog_svc.catalog_item_submit(actor=admin, item_id=item.pk)
        for person in (owner, slm, finance):
            if item.approvals.filter(approver=person, decision="pending").exists():
                catalog_svc.catalog_item_decide(actor=person, item_id=item.pk, decision="approved")
        return catalog_svc.catalog_item_publish(actor=admin, item_id=item.pk)

    mailbox = publish(
        email, "Mailbox Standard", "Communication",
        "A 50 GB mailbox with calendar, on every device.", "4.50",
        description="Every user gets a 50 GB mailbox, a calendar and shared contacts.\n\n"
        "Mail is filtered for spam and viruses before it reaches you.",
        request_instructions="Your customer representative asks the service desk; "
        "new mailboxes are ready the next business day.",
    )  # fmt: skip
    publish(email, "Mail archive", "Communication", "Ten years of mail, searchable.", "1.25",
            customer=acme)  # fmt: skip
    publish(email, "Journaling", "Communication", "Copies of all mail for auditors.", "2.00",
            customer=globex)  # fmt: skip
    publish(workplace, "Laptop", "Workplace", "A managed laptop, replaced every 4 years.",
            "39.00")  # fmt: skip
    publish(workplace, "Printing", "Workplace", "Follow-me printing on every floor.", None)

    sla = agreement_svc.agreement_create(
        actor=admin, kind="sla", service=email, name="Email for Acme Bank", customer=acme,
        catalog_item=mailbox, term_start=dt.date(2025, 1, 1), evaluation_months=3,
    )  # fmt: skip
    agreement_svc.agreement_sign(
        actor=rep, agreement_id=sla.pk, role="customer_representative", signed=True
    )
    agreement_svc.agreement_sign(
        actor=owner, agreement_id=sla.pk, role="service_owner", signed=True
    )
    # Two unplanned outages in the term: the availability and outage-count targets are missed.
    for day, hours_down in ((4, 3), (18, 2)):
        agreement_svc.outage_record(
            actor=admin, service_id=email.pk,
            started_at=dt.datetime(2025, 2, day, 9, tzinfo=UTC),
            ended_at=dt.datetime(2025, 2, day, 9 + hours_down, tzinfo=UTC),
            description="Mail store unavailable", source_reference=f"INC0000{day}",
        )  # fmt: skip
    review = review_svc.review_schedule(
        actor=slm, customer_id=acme.pk, term_start=dt.date(2025, 1, 1),
        term_end=dt.date(2025, 3, 31),
    )  # fmt: skip
    review = review_svc.review_compute(actor=slm, review_id=review.pk)
    return {"customer": customer, "slm": slm, "review": review, "mailbox": mailbox}


def test_customer_browses_the_catalog_and_opens_an_item(browser_page, world):  # noqa: F811
    page = browser_page
    sign_in(page, "ada")
    page.get_by_role("link", name="Service catalog").click()
    expect(page).to_have_url(re.compile(r"/catalog/$"))
    expect(page.get_by_role("heading", name="Service catalog", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Mailbox Standard")).to_be_visible()
    expect(page.get_by_role("link", name="Mail archive")).to_be_visible()
    expect(page.get_by_text("Only for Acme Bank")).to_be_visible()
    expect(page.get_by_role("link", name="Journaling")).to_have_count(0)  # Globex's one-off
    shot(page, "sl-catalog")

    # Search narrows the cards as one types (htmx).
    page.get_by_label("Search the catalog").fill("laptop")
    expect(page.get_by_role("link", name="Mailbox Standard")).to_have_count(0)
    expect(page.get_by_role("link", name="Laptop")).to_be_visible()
    page.get_by_label("Search the catalog").fill("")
    page.get_by_role("link", name="Communication").click()
    expect(page.get_by_role("link", name="Laptop")).to_have_count(0)

    page.get_by_role("link", name="Mailbox Standard").click()
    expect(page.get_by_role("heading", name="Mailbox Standard", level=1)).to_be_visible()
    expect(page.get_by_text("Critical incidents resolved within 4 business hours")).to_be_visible()
    expect(page.get_by_text("Available 99.5 % of the service hours")).to_be_visible()
    expect(page.get_by_text("4.50 per user per month")).to_be_visible()
    expect(page.get_by_text("Mon\u2013Fri 08:00\u201317:00")).to_be_visible()
    expect(page.get_by_role("heading", name="How to request")).to_be_visible()
    shot(page, "sl-catalog-item")


def test_service_level_manager_opens_the_review_report(browser_page, world):  # noqa: F811
    review = world["review"]
    figures = review.figures
    targets = [t for a in figures["agreements"] for t in a["targets"]]
    availability = next(t for t in targets if t["kind"] == "availability")
    outages = next(t for t in targets if t["kind"] == "max_outages")
    # The figures came from the records: two outages, availability below 99.5 %.
    assert outages["status"] == "violated" and availability["status"] == "violated"
    assert figures["summary"]["violated"] >= 2

    page = browser_page
    sign_in(page, "mona")
    page.get_by_role("link", name="SLA reviews").click()
    page.get_by_role("link", name=review.number).first.click()
    expect(page).to_have_url(re.compile(rf"/reviews/{review.pk}/$"))
    main = page.locator("main")
    expect(main).to_contain_text("Acme Bank")
    expect(main).to_contain_text(availability["actual"])
    expect(main).to_contain_text(outages["actual"])
    expect(main).to_contain_text("Email for Acme Bank")
    shot(page, "sl-review-report")
    # Issue 13: the "How the figures are computed" card took the 10 px legend swatch's
    # width, one word per line, and the page grew to 6,583 px.
    method = page.get_by_role("region", name="How the figures are computed")
    expect(method).to_be_visible()
    box = method.bounding_box()
    assert box is not None and box["width"] > 400, box
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 4000, height
