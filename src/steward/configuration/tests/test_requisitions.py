"""CI Requisition (seed 003 ch. 4 proc. 1): the flow branch by branch, filling out and
submitting, quotes and approval, who may do each step, who is told and who sees what."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from steward.configuration.choices import Decision
from steward.configuration.choices import RequisitionStatus as R
from steward.configuration.queries import requisitions as queries
from steward.configuration.services import deliveries
from steward.configuration.services import requisitions as svc
from steward.configuration.tests.requisition_flow import APPROVED, line, statuses, told
from steward.core.errors import DomainError, InvalidTransition
from steward.core.models import JournalEntry, Notification
from steward.core.tests.factories import OrganisationFactory, PersonFactory, give_role, make_person

BRANCHES = [
    pytest.param(
        [*APPROVED, "deliver_complete", "register"],
        ["pricing", "in_approval", "approved", "ordered", "delivered", "registered"],
        id="approved-ordered-delivered-registered",
    ),
    pytest.param(
        ["submit", "quote", "ask", "approve_fin", "reject_ctrl"],
        ["pricing", "in_approval", "rejected"],
        id="rejected",
    ),
    pytest.param(
        ["submit", "quote", "ask", "reject_ctrl"],
        ["pricing", "in_approval", "rejected"],
        id="rejected-by-the-first-approver",
    ),
    *[
        pytest.param(
            [*APPROVED, f"deliver_{problem}", "deliver_rest", "register"],
            [
                "pricing",
                "in_approval",
                "approved",
                "ordered",
                "delivery_incomplete",
                "delivered",
                "registered",
            ],
            id=f"delivery-{problem}-then-delivered",
        )
        for problem in ("damaged", "missing", "wrong")
    ],
    pytest.param(
        [*APPROVED, "deliver_damaged", "deliver_damaged", "deliver_rest"],
        [
            "pricing",
            "in_approval",
            "approved",
            "ordered",
            "delivery_incomplete",
            "delivery_incomplete",
            "delivered",
        ],
        id="delivery-incomplete-twice",
    ),
    pytest.param(["cancel"], ["cancelled"], id="cancelled-draft"),
    pytest.param(["submit", "cancel"], ["pricing", "cancelled"], id="cancelled-while-pricing"),
    pytest.param(
        ["submit", "quote", "ask", "approve_fin", "approve_ctrl", "cancel"],
        ["pricing", "in_approval", "approved", "cancelled"],
        id="cancelled-after-approval",
    ),
]


@pytest.mark.parametrize(("steps", "path"), BRANCHES)
def test_the_requisition_follows_the_seed_branch_by_branch(flow, steps, path):
    for step in steps:
        getattr(flow, step)()
    flow.r.refresh_from_db()
    assert statuses(flow.r) == path
    assert flow.r.status == path[-1]


NOT_FROM = [
    pytest.param([], "order", id="a draft cannot be ordered"),
    pytest.param(["submit", "quote", "ask", "reject_ctrl"], "order", id="rejected is final"),
    pytest.param(["submit", "quote", "ask"], "cancel", id="no cancel during approval"),
    pytest.param(APPROVED, "cancel", id="an order is not cancelled here"),
    pytest.param(APPROVED, "register", id="nothing to register before the delivery check"),
    pytest.param([*APPROVED, "deliver_complete"], "deliver_complete", id="checked once"),
]


@pytest.mark.parametrize(("steps", "refused"), NOT_FROM)
def test_steps_out_of_order_are_refused_and_change_nothing(flow, steps, refused):
    for step in steps:
        getattr(flow, step)()
    before = statuses(flow.r)
    with pytest.raises((InvalidTransition, DomainError)):
        getattr(flow, refused)()
    assert statuses(flow.r) == before


# --- Filling out and submitting ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"description": "Laptop", "quantity": 0}, "Line 1: Order at least 1."),
        ({"description": "  ", "quantity": 1}, "Line 1: Say what to buy."),
        ({"description": "Laptop", "colour": "red"}, "Line 1: This field cannot be set here."),
    ],
)
def test_line_items_need_a_description_and_a_quantity_of_at_least_one(config_admin, spec, message):
    with pytest.raises(ValidationError) as exc:
        svc.requisition_create(actor=config_admin, title="Laptops", lines=[spec])
    assert exc.value.message_dict == {"lines": [message]}


def test_a_requisition_needs_line_items(config_admin):
    with pytest.raises(ValidationError) as exc:
        svc.requisition_create(actor=config_admin, title="Nothing", lines=[])
    assert "lines" in exc.value.message_dict


def test_a_draft_can_be_adjusted_and_its_lines_added_and_removed(requisition, config_admin, hp):
    svc.requisition_update(
        actor=config_admin,
        requisition_id=requisition.pk,
        data={"title": "Three servers", "suppliers": [hp]},
    )
    added = svc.line_add(
        actor=config_admin, requisition_id=requisition.pk, description="Cables", quantity=4
    )
    assert added.position == 3
    svc.line_remove(actor=config_admin, requisition_id=requisition.pk, line_id=added.pk)
    requisition.refresh_from_db()
    assert requisition.title == "Three servers"
    assert list(requisition.suppliers.all()) == [hp]
    assert [str(item) for item in requisition.lines.all()] == [
        "2 x PowerEdge R760",
        "1 x Rack rails",
    ]


def test_a_submitted_requisition_can_no_longer_be_changed(flow, config_admin):
    flow.submit()
    with pytest.raises(DomainError):
        svc.line_add(actor=config_admin, requisition_id=flow.r.pk, description="More")


def test_submitting_needs_suppliers_with_contact_details(
    requisition, config_admin, silent_supplier
):
    svc.requisition_update(
        actor=config_admin, requisition_id=requisition.pk, data={"suppliers": [silent_supplier]}
    )
    with pytest.raises(ValidationError) as exc:
        svc.requisition_submit(actor=config_admin, requisition_id=requisition.pk)
    (message,) = exc.value.message_dict["suppliers"]
    assert "Nobody Ltd" in message and "procedure 2" in message
    requisition.refresh_from_db()
    assert requisition.status == R.DRAFT


def test_a_supplier_contact_person_counts_as_contact_details(
    requisition, config_admin, silent_supplier
):
    PersonFactory(username="sales", organisations=[silent_supplier], email="sales@nobody.example")
    svc.requisition_update(
        actor=config_admin, requisition_id=requisition.pk, data={"suppliers": [silent_supplier]}
    )
    assert (
        svc.requisition_submit(actor=config_admin, requisition_id=requisition.pk).status
        == R.PRICING
    )


def test_submitting_needs_suppliers_and_the_change_coordinator(config_admin, server):
    bare = svc.requisition_create(
        actor=config_admin, title="Disk", lines=[{"description": "SSD", "quantity": 1}]
    )
    with pytest.raises(ValidationError) as exc:
        svc.requisition_submit(actor=config_admin, requisition_id=bare.pk)
    assert set(exc.value.message_dict) == {"suppliers", "change_coordinator"}


def test_suppliers_must_be_suppliers(config_admin, customer_org):
    with pytest.raises(ValidationError) as exc:
        svc.requisition_create(
            actor=config_admin, title="X", suppliers=[customer_org], lines=[{"description": "A"}]
        )
    assert exc.value.message_dict == {"suppliers": ["Not an active supplier: Acme Bank."]}


# --- Quotes and approval ----------------------------------------------------------------------


def test_a_quote_from_a_supplier_not_asked_adds_the_supplier(flow, agent):
    flow.submit()
    other = OrganisationFactory(kind="supplier", name="Lenovo", code="lenovo", email="a@b.example")
    svc.quote_record(actor=agent, requisition_id=flow.r.pk, supplier=other, amount=Decimal("9"))
    assert flow.r.suppliers.filter(pk=other.pk).exists()
    flow.r.refresh_from_db()
    assert flow.r.purchasing_agent == agent


def test_selecting_a_quote_unselects_the_others(flow, agent, hp):
    flow.submit()
    flow.quote()
    second = svc.quote_record(
        actor=agent, requisition_id=flow.r.pk, supplier=hp, amount=Decimal("16000"), selected=True
    )
    assert list(flow.r.quotes.filter(selected=True)) == [second]


@pytest.mark.parametrize(
    ("quote", "approvers", "fields"),
    [
        pytest.param(False, ["fin"], {"quotes"}, id="no quote"),
        pytest.param(True, [], {"approvers"}, id="no approver"),
        pytest.param(True, ["agent"], {"approvers"}, id="approver without the right"),
        pytest.param(True, ["coordinator"], {"approvers"}, id="coordinator is no approver"),
    ],
)
def test_approval_needs_a_selected_quote_and_named_approvers(
    flow, agent, fin, coordinator, quote, approvers, fields
):
    people = {"fin": fin, "agent": agent, "coordinator": coordinator}
    flow.submit()
    if quote:
        flow.quote()
    with pytest.raises(ValidationError) as exc:
        svc.approval_request(
            actor=agent, requisition_id=flow.r.pk, approvers=[people[p] for p in approvers]
        )
    assert set(exc.value.message_dict) == fields
    assert not flow.r.approvals.exists()


def test_approval_needs_the_quote_to_be_selected(flow, agent, fin, dell):
    flow.submit()
    quote = svc.quote_record(
        actor=agent, requisition_id=flow.r.pk, supplier=dell, amount=Decimal(1)
    )
    with pytest.raises(ValidationError) as exc:
        svc.approval_request(actor=agent, requisition_id=flow.r.pk, approvers=[fin])
    assert set(exc.value.message_dict) == {"quote"}
    svc.approval_request(actor=agent, requisition_id=flow.r.pk, approvers=[fin], quote_id=quote.pk)
    quote.refresh_from_db()
    assert quote.selected


def test_approval_request_opens_a_round_for_the_named_approvers(flow, fin, controller):
    flow.submit()
    flow.quote()
    flow.ask()
    rows = list(flow.r.approvals.values_list("round", "approver__username", "decision"))
    assert rows == [(1, "fin", "pending"), (1, "ctrl", "pending")]


def test_a_rejection_needs_a_reason_and_records_it(flow, fin):
    for step in ("submit", "quote", "ask"):
        getattr(flow, step)()
    with pytest.raises(ValidationError) as exc:
        svc.requisition_decide(actor=fin, requisition_id=flow.r.pk, decision=Decision.REJECTED)
    assert set(exc.value.message_dict) == {"comment"}
    flow.reject_ctrl()
    flow.r.refresh_from_db()
    assert flow.r.decision_reason == "Not in this year's budget."
    assert flow.r.decided_at is not None


def test_one_approval_of_two_keeps_it_in_approval_and_an_approver_decides_once(flow, fin):
    for step in ("submit", "quote", "ask", "approve_fin"):
        getattr(flow, step)()
    flow.r.refresh_from_db()
    assert flow.r.status == R.IN_APPROVAL
    with pytest.raises(DomainError):
        flow.approve_fin()


def test_ordering_uses_the_selected_quotes_supplier(flow, dell):
    for step in APPROVED:
        getattr(flow, step)()
    flow.r.refresh_from_db()
    assert (flow.r.ordered_from, flow.r.order_reference) == (dell, "PO-1")
    assert flow.r.ordered_at is not None


# --- Who may do what --------------------------------------------------------------------------


def _denied(fn, **kwargs):
    with pytest.raises(PermissionDenied):
        fn(**kwargs)


def test_each_step_is_refused_to_the_wrong_role(flow, agent, fin, director, coordinator, dell):
    r = flow.r.pk
    # Only configuration administrators fill out and submit.
    _denied(svc.requisition_create, actor=agent, title="X", lines=[{"description": "A"}])
    _denied(svc.requisition_submit, actor=agent, requisition_id=r)
    _denied(svc.requisition_submit, actor=coordinator, requisition_id=r)
    flow.submit()
    # Only purchasing records quotes and asks for approval.
    _denied(svc.quote_record, actor=flow.admin, requisition_id=r, supplier=dell, amount=Decimal(1))
    flow.quote()
    _denied(svc.approval_request, actor=flow.admin, requisition_id=r, approvers=[fin])
    flow.ask()
    # A purchasing agent cannot approve; an approver not named cannot decide.
    _denied(svc.requisition_decide, actor=agent, requisition_id=r, decision="approved")
    _denied(svc.requisition_decide, actor=director, requisition_id=r, decision="approved")
    flow.approve_fin()
    flow.approve_ctrl()
    # Approvers do not order; configuration administrators neither.
    _denied(svc.requisition_order, actor=fin, requisition_id=r, order_reference="PO")
    _denied(svc.requisition_order, actor=flow.admin, requisition_id=r, order_reference="PO")
    flow.order()
    # The delivery is checked by a configuration administrator.
    _denied(deliveries.delivery_check, actor=agent, requisition_id=r, lines=[])
    flow.deliver_complete()
    # Approvers do not register the delivered CIs.
    _denied(deliveries.requisition_register_cis, actor=fin, requisition_id=r)
    flow.r.refresh_from_db()
    assert flow.r.status == R.DELIVERED


def test_the_purchasing_agent_registers_the_delivered_cis(flow, agent):
    """Seed 003 ch. 4 proc. 3: told the delivery is whole, the purchasing agent updates
    the purchase line item so that the CIs are registered in the CMDB; the agent holds
    no general right to change CIs, the requisition's right covers this registration."""
    from steward.core import permissions as perms

    assert not perms.has(agent, "configuration.ci.change")
    for step in (*APPROVED, "deliver_complete"):
        getattr(flow, step)()
    flow.register(actor=agent)
    flow.r.refresh_from_db()
    assert flow.r.status == R.REGISTERED
    registered = [ci for item in flow.r.lines.all() for ci in item.registered_cis.all()]
    assert registered and all(ci.changes.filter(actor=agent).exists() for ci in registered)


def test_the_requester_and_the_agent_cannot_approve_their_own_requisition(flow, agent, fin):
    admin_and_approver = flow.admin
    give_role(admin_and_approver, "financial_manager")
    flow.submit()
    flow.quote()
    with pytest.raises(ValidationError) as exc:
        svc.approval_request(
            actor=agent, requisition_id=flow.r.pk, approvers=[fin, admin_and_approver]
        )
    assert "cannot approve their own" in exc.value.message_dict["approvers"][0]


# --- Who is told ---------------------------------------------------------------------------------


def test_the_right_people_are_told_at_each_step(
    flow, config_admin, agent, fin, controller, director, coordinator
):
    other_agent = make_person("purchasing_agent", username="agent2")
    flow.submit()
    # No purchasing agent took it yet: all of them are asked for pricing.
    assert len(told(agent, "configuration.requisition.pricing_requested")) == 1
    assert len(told(other_agent, "configuration.requisition.pricing_requested")) == 1
    flow.quote()
    flow.ask()
    assert told(fin, "configuration.requisition.approval_requested")
    assert told(controller, "configuration.requisition.approval_requested")
    assert not told(director, "configuration.requisition.approval_requested")
    flow.approve_fin()
    assert not told(config_admin, "configuration.requisition.approved")
    flow.approve_ctrl()
    assert told(config_admin, "configuration.requisition.approved")
    assert told(agent, "configuration.requisition.approved")
    assert not told(other_agent, "configuration.requisition.approved")
    flow.order()
    assert told(config_admin, "configuration.requisition.ordered")
    flow.deliver_missing()
    (delay,) = told(coordinator, "configuration.requisition.delivery_delayed")
    assert "line 1 (PowerEdge R760): missing items" in delay.body
    assert not told(agent, "configuration.requisition.delivered")
    flow.deliver_rest()
    assert told(agent, "configuration.requisition.delivered")
    flow.register()
    assert told(coordinator, "configuration.requisition.registered")


def test_a_rejection_sends_the_requester_on_to_ci_update(flow, config_admin):
    for step in ("submit", "quote", "ask", "reject_ctrl"):
        getattr(flow, step)()
    (note,) = told(config_admin, "configuration.requisition.rejected")
    assert "Not in this year's budget." in note.body
    assert "procedure 4 (CI Update)" in note.body


def test_an_incomplete_delivery_records_that_the_supplier_was_informed(flow):
    for step in [*APPROVED, "deliver_damaged"]:
        getattr(flow, step)()
    ct = ContentType.objects.get_for_model(flow.r)
    bodies = list(
        JournalEntry.objects.filter(record_type=ct, record_id=flow.r.pk).values_list(
            "body", flat=True
        )
    )
    assert any(b.startswith("Supplier informed") and "Dell" in b for b in bodies)
    first = line(flow.r, 1)
    assert (first.delivery_status, first.received_quantity, first.delivery_note) == (
        "damaged",
        1,
        "Box crushed",
    )
    assert first.expected_on == timezone.localdate() + dt.timedelta(days=7)


def test_nothing_is_told_when_a_step_fails(flow, agent):
    flow.submit()
    before = Notification.objects.count()
    with pytest.raises(ValidationError):
        svc.approval_request(actor=agent, requisition_id=flow.r.pk, approvers=[])
    assert Notification.objects.count() == before


# --- Who sees what ----------------------------------------------------------------------------


def test_who_sees_which_requisitions(requisition, config_admin, agent, fin, requester, analyst):
    assert list(queries.requisitions_for(config_admin)) == [requisition]
    assert list(queries.requisitions_for(agent)) == [requisition]
    assert list(queries.requisitions_for(fin)) == [requisition]
    assert list(queries.requisitions_for(requester)) == []
    assert list(queries.requisitions_for(analyst)) == []


def test_a_named_approver_without_the_view_role_sees_the_ones_they_are_named_on(flow, fin):
    for step in ("submit", "quote", "ask"):
        getattr(flow, step)()
    # ``fin`` gives up the financial manager role but stays an analyst.
    fin.role_assignments.all().delete()
    give_role(fin, "service_desk_analyst")
    assert list(queries.requisitions_for(fin)) == [flow.r]
    assert list(queries.awaiting_my_approval(fin)) == []


def test_my_work_lists_what_waits_for_each_role(flow, fin, agent):
    flow.submit()
    assert list(queries.purchasing_work(agent)) == [flow.r]
    flow.quote()
    flow.ask()
    assert list(queries.awaiting_my_approval(fin)) == [flow.r]
    assert list(queries.purchasing_work(agent)) == []
    flow.approve_fin()
    assert list(queries.awaiting_my_approval(fin)) == []
