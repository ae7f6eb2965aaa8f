"""/api/v1/purchase-requisitions/: the requisition flow over the API, its 400s with field
messages, 403/404 for the wrong people and 409 for a step out of order."""

import datetime as dt

import pytest
from django.utils import timezone

from steward.configuration.models import PurchaseRequisition
from steward.core.models import Notification
from steward.core.tests.api import error_detail, field_errors

BASE = "/api/v1/purchase-requisitions/"


def url(pk=None, verb=None):
    if pk is None:
        return BASE
    return f"{BASE}{pk}/" + (f"{verb}/" if verb else "")


@pytest.fixture
def payload(coordinator, dell, server):
    return {
        "title": "Two database servers",
        "task_reference": "CHG000042",
        "change_coordinator": coordinator.pk,
        "suppliers": [dell.pk],
        "lines": [
            {"description": "PowerEdge R760", "quantity": 2, "ci_class": server.pk},
            {"description": "Rack rails", "unit_price": "80.00"},
        ],
    }


@pytest.fixture
def created(api, config_admin, payload):
    response = api.as_(config_admin).post(url(), payload, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_configuration_administrator_fills_out_a_requisition_with_lines(created, config_admin):
    assert created["number"].startswith("PR")
    assert created["status"] == "draft"
    assert created["requested_by"] == config_admin.pk
    assert [
        (line["position"], line["description"], line["quantity"]) for line in created["lines"]
    ] == [
        (1, "PowerEdge R760", 2),
        (2, "Rack rails", 1),
    ]
    assert created["lines"][1]["unit_price"] == "80.00"
    assert created["quotes"] == [] and created["approvals"] == []


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        pytest.param({"title": ""}, {"title": ["This field may not be blank."]}, id="title"),
        pytest.param(
            {"lines": []},
            {"lines": ["This list may not be empty."]},
            id="no lines",
        ),
        pytest.param(
            {"lines": [{"description": "Laptop", "quantity": 0}]},
            {"lines.0.quantity": ["Ensure this value is greater than or equal to 1."]},
            id="quantity 0",
        ),
        pytest.param(
            {"lines": [{"quantity": 1}]},
            {"lines.0.description": ["This field is required."]},
            id="no description",
        ),
        pytest.param(
            {"suppliers": [999999]},
            {"suppliers": ['Invalid pk "999999" - object does not exist.']},
            id="unknown supplier",
        ),
    ],
)
def test_bad_input_is_a_400_with_field_messages(api, config_admin, payload, change, errors):
    response = api.as_(config_admin).post(url(), {**payload, **change}, format="json")
    assert response.status_code == 400
    assert field_errors(response) == errors
    assert not PurchaseRequisition.objects.exists()


def test_a_draft_is_adjusted_with_patch(api, config_admin, created):
    response = api.as_(config_admin).patch(
        url(created["id"]),
        {"title": "Three servers", "lines": [{"description": "R760", "quantity": 3}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["title"] == "Three servers"
    assert [(line["description"], line["quantity"]) for line in body["lines"]] == [("R760", 3)]


def test_the_whole_flow_over_the_api(api, created, config_admin, agent, fin, controller, dell):
    pk = created["id"]
    assert api.as_(config_admin).post(url(pk, "submit")).json()["status"] == "pricing"
    response = api.as_(agent).post(
        url(pk, "quotes"), {"supplier": dell.pk, "amount": "17000.00", "selected": True}
    )
    assert response.status_code == 201
    assert response.json()["quotes"][0]["selected"] is True
    response = api.as_(agent).post(
        url(pk, "request-approval"), {"approvers": [fin.pk, controller.pk]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert [a["decision"] for a in response.json()["approvals"]] == ["pending", "pending"]
    api.as_(fin).post(url(pk, "decide"), {"decision": "approved"})
    body = api.as_(controller).post(url(pk, "decide"), {"decision": "approved"}).json()
    assert body["status"] == "approved"
    body = api.as_(agent).post(url(pk, "order"), {"order_reference": "PO-1"}).json()
    assert (body["status"], body["ordered_from"], body["order_reference"]) == (
        "ordered",
        dell.pk,
        "PO-1",
    )
    first, second = (line["id"] for line in body["lines"])
    later = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    response = api.as_(config_admin).post(
        url(pk, "delivery-check"),
        {
            "lines": [
                {
                    "line": first,
                    "delivery_status": "wrong",
                    "received_quantity": 0,
                    "expected_on": later,
                    "note": "Got R660s",
                },
                {"line": second, "delivery_status": "complete"},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "delivery_incomplete"
    assert body["lines"][0]["expected_on"] == later
    response = api.as_(config_admin).post(
        url(pk, "delivery-check"),
        {"lines": [{"line": first, "delivery_status": "complete"}]},
        format="json",
    )
    assert response.json()["status"] == "delivered"
    response = api.as_(config_admin).post(
        url(pk, "register-cis"),
        {
            "lines": [
                {"line": first, "serial_numbers": ["A1", "A2"], "attributes": {"ram_gb": 64}},
                {
                    "line": second,
                    "ci_class": created["lines"][0]["ci_class"],
                    "attributes": {"ram_gb": 0},
                },
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "registered"
    assert [len(line["registered_cis"]) for line in body["lines"]] == [2, 1]


def test_a_rejection_over_the_api_needs_a_comment(api, created, config_admin, agent, fin, dell):
    pk = created["id"]
    api.as_(config_admin).post(url(pk, "submit"))
    api.as_(agent).post(url(pk, "quotes"), {"supplier": dell.pk, "amount": "1", "selected": True})
    api.as_(agent).post(url(pk, "request-approval"), {"approvers": [fin.pk]}, format="json")
    response = api.as_(fin).post(url(pk, "decide"), {"decision": "rejected"})
    assert response.status_code == 400
    assert field_errors(response) == {"comment": ["Say why you reject the purchase requisition."]}
    response = api.as_(fin).post(url(pk, "decide"), {"decision": "rejected", "comment": "Too dear"})
    assert response.json()["status"] == "rejected"
    assert response.json()["decision_reason"] == "Too dear"


def test_submitting_without_supplier_contact_details_is_a_400_naming_the_supplier(
    api, created, config_admin, silent_supplier
):
    pk = created["id"]
    api.as_(config_admin).patch(url(pk), {"suppliers": [silent_supplier.pk]}, format="json")
    response = api.as_(config_admin).post(url(pk, "submit"))
    assert response.status_code == 400
    assert "Nobody Ltd" in field_errors(response)["suppliers"][0]


def test_roles_are_refused_each_step(
    api, created, config_admin, agent, fin, director, requester, analyst, dell
):
    pk = created["id"]
    # Customer people and roles without the view right see nothing.
    assert api.as_(requester).get(url()).status_code == 403
    assert api.as_(requester).get(url(pk)).status_code == 403
    assert api.as_(analyst).get(url(pk)).status_code == 403
    # A purchasing agent does not fill out or submit.
    assert api.as_(agent).post(url(), {"title": "x"}, format="json").status_code == 403
    assert api.as_(agent).post(url(pk, "submit")).status_code == 403
    api.as_(config_admin).post(url(pk, "submit"))
    # A configuration administrator does not record quotes.
    response = api.as_(config_admin).post(url(pk, "quotes"), {"supplier": dell.pk, "amount": "1"})
    assert response.status_code == 403
    api.as_(agent).post(url(pk, "quotes"), {"supplier": dell.pk, "amount": "1", "selected": True})
    api.as_(agent).post(url(pk, "request-approval"), {"approvers": [fin.pk]}, format="json")
    before = Notification.objects.count()
    # A purchasing agent cannot approve; an approver who is not named cannot decide.
    assert api.as_(agent).post(url(pk, "decide"), {"decision": "approved"}).status_code == 403
    assert api.as_(director).post(url(pk, "decide"), {"decision": "approved"}).status_code == 403
    assert Notification.objects.count() == before
    assert api.as_(config_admin).get(url(pk)).json()["status"] == "in_approval"


def test_a_step_out_of_order_is_a_409(api, created, agent):
    response = api.as_(agent).post(url(created["id"], "order"), {"order_reference": "PO"})
    assert response.status_code == 409
    assert "cannot go from 'draft' to 'ordered'" in error_detail(response)


def test_the_list_filters_by_status_and_mine(api, created, config_admin, agent):
    api.as_(config_admin).post(url(created["id"], "submit"))
    assert [
        r["number"] for r in api.as_(agent).get(url() + "?status=pricing").json()["results"]
    ] == [created["number"]]
    assert api.as_(agent).get(url() + "?status=draft").json()["results"] == []
    mine = api.as_(agent).get(url() + "?mine=purchasing").json()["results"]
    assert [r["number"] for r in mine] == [created["number"]]
