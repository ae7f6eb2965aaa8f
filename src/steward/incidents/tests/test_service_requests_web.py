"""Requests from the catalog through the API and the pages (issue 13): request types per
catalog item, submitting one with answers (400 naming the answer), the catalog marking the
services the customer has, the form showing the response promise, the answers on the
request page for staff and requester, "This solved it", and landing on the portal."""

import pytest
from django.urls import reverse
from django.utils import timezone

from steward.core.tests.api import field_errors
from steward.incidents.models import Deflection, IncidentRequest
from steward.incidents.services.requests import service_request_submit
from steward.incidents.tests.conftest import catalog_item
from steward.incidents.tests.test_service_requests import GOOD

# --- API -------------------------------------------------------------------------------


def test_the_api_lists_the_request_types_of_a_catalog_item(api, laptop, requester, other_requester):
    url = f"/api/v1/catalog-items/{laptop.catalog_item_id}/request-types/"
    [found] = api.as_(requester).get(url).json()
    assert found["name"] == "New laptop"
    assert found["requestable"] is True
    assert [(f["key"], f["kind"], f["required"]) for f in found["fields"]][:2] == [
        ("model", "choice", True),
        ("needed_by", "date", True),
    ]
    assert found["fields"][0]["options"] == ["14 inch", "16 inch"]
    # Globex sees the public item but does not have the service.
    [theirs] = api.as_(other_requester).get(url).json()
    assert theirs["requestable"] is False


def test_the_api_submits_a_request_with_its_answers(api, laptop, requester):
    response = api.as_(requester).post(
        "/api/v1/service-requests/",
        {"request_type": laptop.pk, "answers": {**GOOD, "docking_station": True}},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["request_type_name"] == "New laptop"
    assert body["expected_response"] == "We aim to respond within 8 business hours."
    assert {a["key"]: a["value"] for a in body["answers"]} == {
        "model": "14 inch",
        "needed_by": "2026-12-20",
        "docking_station": True,
    }
    listed = api.as_(requester).get("/api/v1/service-requests/").json()
    assert [r["number"] for r in listed["results"]] == [body["number"]]


@pytest.mark.parametrize(
    ("answers", "attr"),
    [
        ({"model": "17 inch", "needed_by": "2026-12-20"}, "answers.model"),
        ({"model": "14 inch"}, "answers.needed_by"),
        ({**GOOD, "screens": "many"}, "answers.screens"),
        ({**GOOD, "colour": "red"}, "answers.colour"),
        ("not an object", "answers"),
    ],
)
def test_the_api_names_the_answer_it_refuses(api, laptop, requester, answers, attr):
    response = api.as_(requester).post(
        "/api/v1/service-requests/",
        {"request_type": laptop.pk, "answers": answers},
        format="json",
    )
    assert response.status_code == 400
    assert attr in field_errors(response)
    assert not IncidentRequest.objects.exists()


def test_the_api_refuses_a_service_the_organisation_does_not_have(api, laptop, other_requester):
    response = api.as_(other_requester).post(
        "/api/v1/service-requests/", {"request_type": laptop.pk, "answers": GOOD}, format="json"
    )
    assert response.status_code == 403
    missing = api.as_(other_requester).post(
        "/api/v1/service-requests/", {"request_type": 999999, "answers": {}}, format="json"
    )
    assert missing.status_code == 400
    assert "request_type" in field_errors(missing)


def test_the_api_refuses_fields_a_request_does_not_take(api, laptop, requester):
    response = api.as_(requester).post(
        "/api/v1/service-requests/",
        {"request_type": laptop.pk, "answers": GOOD, "priority": "1"},
        format="json",
    )
    assert response.status_code == 400
    assert "priority" in field_errors(response)


# --- Pages -----------------------------------------------------------------------------


def test_a_requester_lands_on_the_portal_and_staff_on_my_work(client, requester, analyst):
    requester.set_password("s3cret-portal")
    requester.save()
    response = client.post(
        reverse("login"), {"username": requester.username, "password": "s3cret-portal"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("incidents:portal-home")
    assert client.get("/").url == reverse("incidents:portal-home")
    client.force_login(analyst)
    page = client.get("/")
    assert page.status_code == 200
    assert "My work" in page.content.decode()


def test_the_catalog_marks_the_services_the_customer_has(
    client, laptop, requester, other_requester, other_service
):
    catalog_item(other_service, "Payroll - Standard")
    client.force_login(requester)
    page = client.get(reverse("service_level:catalog")).content.decode()
    assert page.count("Your organisation has this") == 1
    assert reverse("incidents:portal-request", args=[laptop.pk]) in page
    assert "Not subscribed: ask your customer representative." in page
    client.force_login(other_requester)
    page = client.get(reverse("service_level:catalog")).content.decode()
    assert "Your organisation has this" not in page
    assert reverse("incidents:portal-request", args=[laptop.pk]) not in page


def test_the_request_form_shows_the_response_promise_and_submits(client, laptop, requester):
    client.force_login(requester)
    url = reverse("incidents:portal-request", args=[laptop.pk])
    page = client.get(url).content.decode()
    assert "We aim to respond within 8 business hours." in page
    assert 'type="date"' in page
    refused = client.post(url, {"model": "14 inch", "needed_by": "someday"})
    assert refused.status_code == 400
    assert "Enter a date as YYYY-MM-DD." in refused.content.decode()
    response = client.post(
        url, {"model": "16 inch", "needed_by": "2026-12-21", "docking_station": "yes"}
    )
    incident = IncidentRequest.objects.get()
    assert response.url == reverse("incidents:portal-detail", args=[incident.pk])
    detail = client.get(response.url).content.decode()
    assert "What you asked for: New laptop" in detail
    assert "16 inch" in detail and "Docking station" in detail
    assert "We aim to respond within 8 business hours." in detail


def test_staff_read_the_answers_on_the_request_page(client, laptop, requester, desk_analyst):
    incident = service_request_submit(actor=requester, request_type=laptop, answers=GOOD)
    client.force_login(desk_analyst)
    page = client.get(reverse("incidents:incident-detail", args=[incident.pk])).content.decode()
    assert "Requested from the catalog: New laptop" in page
    assert "14 inch" in page


def test_another_organisation_gets_the_hint_not_the_form(client, laptop, other_requester):
    client.force_login(other_requester)
    url = reverse("incidents:portal-request", args=[laptop.pk])
    page = client.get(url).content.decode()
    assert "ask your customer representative to subscribe" in page
    assert "Send the request" not in page
    assert client.post(url, GOOD).status_code == 403
    assert not IncidentRequest.objects.exists()


def test_this_solved_it_ends_the_request_before_it_is_registered(
    client, requester, suggested_solution
):
    client.force_login(requester)
    suggestions = client.get(
        reverse("incidents:solution-suggest"), {"title": "password", "portal": "1"}
    ).content.decode()
    assert "This solved it" in suggestions
    response = client.post(
        reverse("incidents:portal-solved"),
        {
            "solved_solution": suggested_solution.pk,
            "title": "Forgot my password",
            "description": "",
        },
    )
    assert response.url == reverse("incidents:portal-home")
    [deflection] = Deflection.objects.all()
    assert deflection.text == "Forgot my password"
    assert not IncidentRequest.objects.exists()


def test_staff_see_the_deflections_on_the_solution_and_in_the_reports(
    client,
    requester,
    suggested_solution,
    desk_analyst,
):
    client.force_login(requester)
    client.post(
        reverse("incidents:portal-solved"),
        {"solved_solution": suggested_solution.pk, "title": "pw"},
    )
    customer_view = client.get(reverse("incidents:solution-detail", args=[suggested_solution.pk]))
    assert "Solved before registering" not in customer_view.content.decode()
    client.force_login(desk_analyst)
    page = client.get(
        reverse("incidents:solution-detail", args=[suggested_solution.pk])
    ).content.decode()
    assert "Solved before registering" in page
    this_week = timezone.localdate().isoformat()
    csv = client.get(reverse("incidents:reports"), {"format": "csv", "week": this_week})
    csv = csv.content.decode()
    assert "deflections,,1," in csv


def test_the_api_shows_requests_only_to_who_may_see_them(
    api, laptop, requester, colleague, representative, other_requester
):
    service_request_submit(actor=requester, request_type=laptop, answers=GOOD)
    seen = {
        who: len(api.as_(person).get("/api/v1/service-requests/").json()["results"])
        for who, person in {
            "requester": requester,
            "colleague": colleague,
            "representative": representative,
            "other organisation": other_requester,
        }.items()
    }
    assert seen == {"requester": 1, "colleague": 0, "representative": 1, "other organisation": 0}
