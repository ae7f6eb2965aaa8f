"""Requests from the catalog in a real browser (issue 13), as ruben.northwind: signing in
lands on the portal; the catalog marks the services Northwind has and offers their
request types; the form shows the response promise; the request shows the answers; and
"This solved it" on a suggested solution ends a request before it is registered."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from steward.core import numbering
from steward.core.tests.browser.conftest import browser_page, shot, sign_in  # noqa: F401
from steward.core.tests.factories import OrganisationFactory, SupportGroupFactory, make_person
from steward.incidents.models import Deflection, IncidentRequest, RoutingRule, Solution
from steward.service_level.models import Agreement, CatalogItem, Service, ServiceLevelTarget
from steward.service_level.services.request_types import request_type_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _published(service: Service, name: str) -> CatalogItem:
    item = CatalogItem(
        service=service, name=name, status="published", category="Workplace",
        summary=service.description,
    )  # fmt: skip
    numbering.assign(item)
    item.save()
    return item


@pytest.fixture
def northwind(transactional_db):
    provider = OrganisationFactory(kind="provider", name="Steward IT", code="steward-it")
    northwind = OrganisationFactory(kind="customer", name="Northwind", code="northwind")
    desk = SupportGroupFactory(name="Service Desk", organisation=provider)
    RoutingRule.objects.create(order=100, name="Everything else", support_group=desk)
    lena = make_person("service_level_manager", organisation=provider, username="lena.sla")
    make_person(
        "requester", organisation=northwind, username="ruben.northwind",
        first_name="Ruben", last_name="Northwind",
    )  # fmt: skip
    workplace = Service.objects.create(
        name="Workplace Support", status="active", provider=provider, number="SVC000001",
        description="Laptops, phones, printers, software requests.",
    )  # fmt: skip
    workplace.customers.add(northwind)
    fleet = Service.objects.create(
        name="Fleet Tracking", status="active", provider=provider, number="SVC000002",
        description="Vehicle positions and routes.",
    )  # fmt: skip
    sla = Agreement(
        kind="sla", name="Workplace for Northwind", service=workplace, customer=northwind,
        status="active", term_start=date(2020, 1, 1),
        signed_at=timezone.now() - timedelta(days=30),
    )  # fmt: skip
    numbering.assign(sla, prefix="SLA")
    sla.save()
    ServiceLevelTarget.objects.create(
        agreement=sla, kind="response", priority="4", target_seconds=4 * 3600
    )
    _published(fleet, "Fleet Tracking - Standard")
    laptop = request_type_create(
        actor=lena,
        catalog_item=_published(workplace, "Workplace Support - Standard"),
        name="New laptop",
        description="A new or replacement laptop, set up with your usual software.",
        fields=[
            {"label": "Model", "kind": "choice", "required": True,
             "options": ["Standard 14 inch", "Performance 16 inch"]},
            {"label": "Needed by", "kind": "date", "required": True},
            {"label": "Replaces an existing laptop", "kind": "yes_no", "required": True},
            {"label": "Anything else we should know", "kind": "long_text"},
        ],
    )  # fmt: skip
    solution = Solution(
        title="Reset your password yourself",
        symptoms="You forgot your password.",
        body="Open https://password.example and follow the steps.",
        status="active",
    )
    numbering.assign(solution)
    solution.save()
    return {"laptop": laptop, "solution": solution}


def test_ruben_requests_a_laptop_from_the_catalog(browser_page, northwind):  # noqa: F811
    page = browser_page

    # 1. Signing in lands on the portal, not on the agent shell.
    sign_in(page, "ruben.northwind", fresh=True)
    page.wait_for_url("**/portal/")
    expect(page.get_by_role("heading", name="My requests")).to_be_visible()
    shot(page, "catalog-requests-1-portal-home")

    # 2. The catalog marks what Northwind has; the rest keeps the hint.
    page.get_by_role("link", name="Request something").click()
    workplace = page.locator(".catalog-card", has_text="Workplace Support - Standard")
    expect(workplace).to_contain_text("Your organisation has this")
    fleet = page.locator(".catalog-card", has_text="Fleet Tracking - Standard")
    expect(fleet).to_contain_text("Not subscribed: ask your customer representative.")
    shot(page, "catalog-requests-2-catalog")

    # 3. The request type's form, with the response promise.
    workplace.get_by_role("link", name="New laptop").click()
    expect(page.get_by_role("heading", name="New laptop")).to_be_visible()
    expect(page.locator(".response-promise")).to_have_text(
        "We aim to respond within 4 business hours."
    )
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator(".field-error").first).to_contain_text("This field is required.")
    page.get_by_label("Model").select_option("Performance 16 inch")
    page.get_by_label("Needed by").fill("2026-12-21")
    page.get_by_label("Yes").check()
    page.get_by_label("Anything else we should know").fill("Please include a docking station.")
    shot(page, "catalog-requests-3-form")
    page.get_by_role("button", name="Send the request").click()

    # 4. The request, with the answers and the promise.
    answers = page.locator(".request-answers")
    expect(answers).to_contain_text("What you asked for: New laptop")
    expect(answers).to_contain_text("Performance 16 inch")
    expect(answers).to_contain_text("Please include a docking station.")
    expect(answers).to_contain_text("We aim to respond within 4 business hours.")
    expect(page.get_by_role("status").first).to_contain_text("is registered")
    shot(page, "catalog-requests-4-request")
    incident = IncidentRequest.objects.get()
    assert incident.service_type == "user_service_request"
    assert incident.submission.answers[2]["value"] is True


def test_this_solved_it_ends_the_request_before_it_is_registered(browser_page, northwind):  # noqa: F811
    page = browser_page
    sign_in(page, "ruben.northwind", fresh=True)
    page.get_by_role("link", name="Ask for help", exact=True).click()
    page.get_by_label("What is the problem, in a few words?").fill("I forgot my password")
    suggestion = page.locator(".suggestion-list li", has_text="Reset your password yourself")
    expect(suggestion).to_be_visible()
    suggestion.locator("summary").click()
    shot(page, "catalog-requests-5-suggestion")
    suggestion.get_by_role("button", name="This solved it").click()
    expect(
        page.get_by_text("Glad it helped. Nothing was sent to the service desk.")
    ).to_be_visible()
    shot(page, "catalog-requests-6-solved")
    [deflection] = Deflection.objects.all()
    assert deflection.solution == northwind["solution"]
    assert deflection.text == "I forgot my password"
    assert not IncidentRequest.objects.exists()
