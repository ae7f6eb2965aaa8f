"""The purchase requisition pages: the flow through the pages, form errors, who may open
which page, My work and the global search."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from steward.configuration.choices import RequisitionStatus as R
from steward.configuration.queries import requisitions as queries
from steward.configuration.services import requisitions as svc
from steward.configuration.tests.requisition_flow import line

# --- Pages ---------------------------------------------------------------------------------------


def test_the_pages_follow_the_flow(
    client, flow, config_admin, agent, fin, controller, dell, server
):
    r = flow.r
    detail = reverse("configuration:requisition-detail", args=[r.pk])
    client.force_login(config_admin)
    page = client.get(reverse("configuration:requisition-list"))
    assert page.status_code == 200 and r.number in page.content.decode()
    page = client.get(detail)
    assert page.status_code == 200
    assert "Submit for pricing" in page.content.decode()
    assert client.post(reverse("configuration:requisition-submit", args=[r.pk])).status_code == 302

    client.force_login(agent)
    page = client.get(detail)
    assert "Record quote" in page.content.decode()
    response = client.post(
        reverse("configuration:requisition-quote", args=[r.pk]),
        {"supplier": dell.pk, "amount": "17000", "selected": "on"},
    )
    assert response.status_code == 302
    quote = r.quotes.get()
    response = client.post(
        reverse("configuration:requisition-request-approval", args=[r.pk]),
        {"quote": quote.pk, "approvers": [fin.pk, controller.pk]},
    )
    assert response.status_code == 302, response.content.decode()

    client.force_login(fin)
    page = client.get(detail)
    assert "Your decision is needed" in page.content.decode()
    response = client.post(
        reverse("configuration:requisition-decide", args=[r.pk]), {"decision": "rejected"}
    )
    assert response.status_code == 400
    assert "Say why you reject" in response.content.decode()
    response = client.post(
        reverse("configuration:requisition-decide", args=[r.pk]), {"decision": "approved"}
    )
    assert response.status_code == 302
    client.force_login(controller)
    client.post(reverse("configuration:requisition-decide", args=[r.pk]), {"decision": "approved"})

    client.force_login(agent)
    response = client.post(
        reverse("configuration:requisition-order", args=[r.pk]), {"order_reference": "PO-9"}
    )
    assert response.status_code == 302

    client.force_login(config_admin)
    check = reverse("configuration:requisition-delivery-check", args=[r.pk])
    first, second = line(r, 1), line(r, 2)
    page = client.get(check)
    assert page.status_code == 200 and "PowerEdge R760" in page.content.decode()
    response = client.post(
        check,
        {
            f"line-{first.pk}-status": "damaged",
            f"line-{first.pk}-received": "1",
            f"line-{second.pk}-status": "complete",
        },
    )
    assert response.status_code == 400
    assert "say when the rest is now expected" in response.content.decode()
    later = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client.post(
        check,
        {
            f"line-{first.pk}-status": "damaged",
            f"line-{first.pk}-received": "1",
            f"line-{first.pk}-expected": later,
            f"line-{second.pk}-status": "complete",
        },
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.status == R.DELIVERY_INCOMPLETE
    response = client.post(check, {f"line-{first.pk}-status": "complete"})
    assert response.status_code == 302
    register = reverse("configuration:requisition-register", args=[r.pk])
    assert client.get(register).status_code == 200
    response = client.post(
        register,
        {
            f"line-{first.pk}-serials": "SN-1\nSN-2",
            f"line-{first.pk}-attributes": "ram_gb=256",
            f"line-{second.pk}-class": server.pk,
            f"line-{second.pk}-attributes": "ram_gb 0",
        },
    )
    assert response.status_code == 400
    assert "key=value" in response.content.decode()
    response = client.post(
        register,
        {
            f"line-{first.pk}-serials": "SN-1\nSN-2",
            f"line-{first.pk}-attributes": "ram_gb=256",
            f"line-{second.pk}-class": server.pk,
            f"line-{second.pk}-attributes": "ram_gb=0",
        },
    )
    assert response.status_code == 302, response.content.decode()
    r.refresh_from_db()
    assert r.status == R.REGISTERED
    numbers = [ci.number for ci in line(r, 1).registered_cis.all()]
    assert len(numbers) == 2
    text = client.get(detail).content.decode()
    assert all(number in text for number in numbers)


def test_the_create_page_shows_line_errors_on_the_form(client, config_admin, coordinator, dell):
    client.force_login(config_admin)
    url = reverse("configuration:requisition-create")
    assert client.get(url).status_code == 200
    data = {
        "title": "Laptops",
        "change_coordinator": coordinator.pk,
        "suppliers": [dell.pk],
        "currency": "EUR",
        "lines": "0 | Laptop\n2 | Docking station | no-such-class",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Row 1: the quantity is a whole number of at least 1." in text
    assert "Row 2: there is no CI class with code" in text
    data["lines"] = "3 | Laptop | | 1200.00\n3 | Docking station"
    response = client.post(url, data)
    assert response.status_code == 302
    created = queries.requisitions_for(config_admin).get(title="Laptops")
    assert response["Location"] == created.get_absolute_url()
    assert [(i.quantity, i.description, i.unit_price) for i in created.lines.all()] == [
        (3, "Laptop", Decimal("1200.00")),
        (3, "Docking station", None),
    ]


@pytest.mark.parametrize("quantity", ["²", "99999999999999999999", "9" * 5000, "3.5"])
def test_a_quantity_no_line_can_have_is_a_line_error(
    client, config_admin, coordinator, dell, quantity
):
    client.force_login(config_admin)
    data = {"title": "Laptops", "change_coordinator": coordinator.pk, "suppliers": [dell.pk],
            "currency": "EUR", "lines": f"{quantity} | Laptop"}  # fmt: skip

    response = client.post(reverse("configuration:requisition-create"), data)

    assert response.status_code == 400
    assert "Row 1: the quantity is a whole number of at least 1." in response.content.decode()
    assert not queries.requisitions_for(config_admin).filter(title="Laptops").exists()


def test_the_edit_page_keeps_the_lines(client, requisition, config_admin):
    client.force_login(config_admin)
    url = reverse("configuration:requisition-edit", args=[requisition.pk])
    page = client.get(url)
    assert "2 | PowerEdge R760 | server" in page.content.decode()


def test_pages_refuse_the_wrong_roles(client, flow, requester, agent, fin, director):
    r = flow.r
    client.force_login(requester)
    assert client.get(reverse("configuration:requisition-list")).status_code == 403
    assert client.get(reverse("configuration:requisition-detail", args=[r.pk])).status_code == 403
    client.force_login(agent)
    assert client.get(reverse("configuration:requisition-create")).status_code == 403
    assert client.post(reverse("configuration:requisition-submit", args=[r.pk])).status_code == 403
    assert (
        client.get(reverse("configuration:requisition-delivery-check", args=[r.pk])).status_code
        == 403
    )
    client.force_login(fin)
    assert client.get(reverse("configuration:requisition-order", args=[r.pk])).status_code == 403
    for step in ("submit", "quote", "ask"):
        getattr(flow, step)()
    client.force_login(director)
    response = client.post(
        reverse("configuration:requisition-decide", args=[r.pk]), {"decision": "approved"}
    )
    assert response.status_code == 403
    assert (
        "Your decision is needed"
        not in client.get(reverse("configuration:requisition-detail", args=[r.pk])).content.decode()
    )


def test_a_step_in_the_wrong_state_answers_409_on_the_pages(client, flow, agent):
    client.force_login(agent)
    response = client.post(
        reverse("configuration:requisition-order", args=[flow.r.pk]), {"order_reference": "PO"}
    )
    assert response.status_code == 409


def test_my_work_shows_the_approvals_waiting(client, flow, fin):
    for step in ("submit", "quote", "ask"):
        getattr(flow, step)()
    client.force_login(fin)
    page = client.get(reverse("core:my-work"))
    text = page.content.decode()
    assert "Purchase requisitions to approve" in text and flow.r.number in text


def test_requisitions_are_found_by_number_title_or_task(requisition, config_admin, requester):
    from steward.configuration.registrations import search_requisitions

    hits = search_requisitions(config_admin, "CHG000042")
    assert [(h.number, h.title) for h in hits] == [(requisition.number, "Two database servers")]
    assert search_requisitions(config_admin, "database servers")[0].url == (
        requisition.get_absolute_url()
    )
    assert search_requisitions(requester, "database") == []


def test_the_remove_button_removes_a_draft_line_but_never_the_last(
    client, requisition, config_admin
):
    client.force_login(config_admin)
    remove = "configuration:requisition-line-remove"
    first, second = line(requisition, 1), line(requisition, 2)

    response = client.post(reverse(remove, args=[requisition.pk, first.pk]), follow=True)

    assert response.redirect_chain[-1][0].endswith(f"/requisitions/{requisition.pk}/#lines")
    assert [m.message for m in response.context["messages"]] == ["Line item removed."]
    assert list(requisition.lines.all()) == [second]

    response = client.post(reverse(remove, args=[requisition.pk, second.pk]), follow=True)

    assert [m.message for m in response.context["messages"]] == [
        "A requisition keeps at least one line item."
    ]
    assert list(requisition.lines.all()) == [second]


def test_a_refused_submit_shows_each_missing_piece_as_its_own_message(client, config_admin):
    bare = svc.requisition_create(
        actor=config_admin, title="Disk", lines=[{"description": "SSD", "quantity": 1}]
    )
    client.force_login(config_admin)

    response = client.post(reverse("configuration:requisition-submit", args=[bare.pk]), follow=True)

    assert sorted(m.message for m in response.context["messages"]) == [
        "Name the change coordinator whose task this is: they are told of delays.",
        "Name the suppliers to ask for quotes.",
    ]
    bare.refresh_from_db()
    assert bare.status == R.DRAFT
