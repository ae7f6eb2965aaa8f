"""CI Requisition (seed 003 ch. 4 proc. 1) and the delivery part of CI Registration
(proc. 3): the flow branch by branch, who may do each step, who is told, and the pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from steward.configuration.choices import CIStatus, Decision, DeliveryStatus
from steward.configuration.choices import RequisitionStatus as R
from steward.configuration.models import CIChange, ConfigurationItem, Relationship
from steward.configuration.queries import requisitions as queries
from steward.configuration.services import cis, deliveries
from steward.configuration.services import requisitions as svc
from steward.core.choices import JournalKind
from steward.core.errors import DomainError, InvalidTransition
from steward.core.models import JournalEntry, Notification
from steward.core.tests.factories import OrganisationFactory, PersonFactory, give_role, make_person

# --- People, suppliers and a requisition ----------------------------------------------------


@pytest.fixture
def agent(db, provider):
    return make_person("purchasing_agent", organisation=provider, username="agent")


@pytest.fixture
def fin(db, provider):
    return make_person("financial_manager", organisation=provider, username="fin")


@pytest.fixture
def controller(db, provider):
    return make_person("it_controller", organisation=provider, username="ctrl")


@pytest.fixture
def director(db, provider):
    return make_person("it_director", organisation=provider, username="director")


@pytest.fixture
def coordinator(db, provider):
    return make_person("change_coordinator", organisation=provider, username="coord")


@pytest.fixture
def dell(db):
    return OrganisationFactory(
        kind="supplier", name="Dell", code="dell", email="sales@dell.example"
    )


@pytest.fixture
def hp(db):
    return OrganisationFactory(kind="supplier", name="HP", code="hp", phone="+31 20 555 0101")


@pytest.fixture
def silent_supplier(db):
    """A supplier without any registered contact details."""
    return OrganisationFactory(kind="supplier", name="Nobody Ltd", code="nobody")


@pytest.fixture
def requisition(config_admin, coordinator, dell, hp, server):
    return svc.requisition_create(
        actor=config_admin,
        title="Two database servers",
        task_reference="CHG000042",
        change_coordinator=coordinator,
        suppliers=[dell, hp],
        needed_by=dt.date.today() + dt.timedelta(days=30),
        lines=[
            {"description": "PowerEdge R760", "quantity": 2, "ci_class": server},
            {"description": "Rack rails", "quantity": 1, "unit_price": Decimal("80.00")},
        ],
    )


def statuses(record):
    """The status path of the record's journal."""
    ct = ContentType.objects.get_for_model(record)
    entries = JournalEntry.objects.filter(
        record_type=ct, record_id=record.pk, kind=JournalKind.TRANSITION
    ).order_by("id")
    return [e.new_value for e in entries]


def told(person, event):
    return list(Notification.objects.filter(recipient=person, event=event))


def line(requisition, position):
    return requisition.lines.get(position=position)


# --- Steps of the flow, by name ----------------------------------------------------------------


class Flow:
    def __init__(self, requisition, config_admin, agent, fin, controller, dell, server):
        self.r, self.admin, self.agent = requisition, config_admin, agent
        self.fin, self.controller, self.dell, self.server = fin, controller, dell, server

    def submit(self):
        svc.requisition_submit(actor=self.admin, requisition_id=self.r.pk)

    def quote(self):
        svc.quote_record(
            actor=self.agent,
            requisition_id=self.r.pk,
            supplier=self.dell,
            amount=Decimal("17000.00"),
            selected=True,
        )

    def ask(self):
        svc.approval_request(
            actor=self.agent, requisition_id=self.r.pk, approvers=[self.fin, self.controller]
        )

    def approve_fin(self):
        svc.requisition_decide(actor=self.fin, requisition_id=self.r.pk, decision=Decision.APPROVED)

    def approve_ctrl(self):
        svc.requisition_decide(
            actor=self.controller, requisition_id=self.r.pk, decision=Decision.APPROVED
        )

    def reject_ctrl(self):
        svc.requisition_decide(
            actor=self.controller,
            requisition_id=self.r.pk,
            decision=Decision.REJECTED,
            comment="Not in this year's budget.",
        )

    def order(self):
        svc.requisition_order(actor=self.agent, requisition_id=self.r.pk, order_reference="PO-1")

    def _check(self, first_status, received):
        expected = timezone.localdate() + dt.timedelta(days=7)
        deliveries.delivery_check(
            actor=self.admin,
            requisition_id=self.r.pk,
            lines=[
                {
                    "line": line(self.r, 1).pk,
                    "delivery_status": first_status,
                    "received_quantity": received,
                    "expected_on": None if first_status == DeliveryStatus.COMPLETE else expected,
                    "note": "" if first_status == DeliveryStatus.COMPLETE else "Box crushed",
                },
                {"line": line(self.r, 2).pk, "delivery_status": DeliveryStatus.COMPLETE},
            ],
        )

    def deliver_complete(self):
        self._check(DeliveryStatus.COMPLETE, 2)

    def deliver_damaged(self):
        self._check(DeliveryStatus.DAMAGED, 1)

    def deliver_missing(self):
        self._check(DeliveryStatus.MISSING, 0)

    def deliver_wrong(self):
        self._check(DeliveryStatus.WRONG, 0)

    def deliver_rest(self):
        # Only the line still short needs checking again.
        deliveries.delivery_check(
            actor=self.admin,
            requisition_id=self.r.pk,
            lines=[{"line": line(self.r, 1).pk, "delivery_status": DeliveryStatus.COMPLETE}],
        )

    def register(self, actor=None):
        deliveries.requisition_register_cis(
            actor=actor or self.admin,
            requisition_id=self.r.pk,
            lines=[
                {
                    "line": line(self.r, 1).pk,
                    "serial_numbers": ["SN-1", "SN-2"],
                    "attributes": {"ram_gb": 512},
                },
                {
                    "line": line(self.r, 2).pk,
                    "ci_class": self.server,
                    "attributes": {"ram_gb": 0},
                },
            ],
        )

    def cancel(self):
        svc.requisition_cancel(
            actor=self.admin, requisition_id=self.r.pk, reason="The change was withdrawn."
        )


@pytest.fixture
def flow(requisition, config_admin, agent, fin, controller, dell, server):
    return Flow(requisition, config_admin, agent, fin, controller, dell, server)


APPROVED = ["submit", "quote", "ask", "approve_fin", "approve_ctrl", "order"]

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


# --- Delivery check input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "message"),
    [
        pytest.param(
            {"delivery_status": "complete", "received_quantity": 1},
            "Line 1: complete means all 2 arrived undamaged.",
            id="complete but short",
        ),
        pytest.param(
            {"delivery_status": "damaged", "received_quantity": 0},
            "Line 1: say when the rest is now expected (ask the supplier).",
            id="no new date",
        ),
        pytest.param(
            {"delivery_status": "missing", "received_quantity": 2, "expected_on": "2999-01-01"},
            "Line 1: between 0 and 1 can have arrived in good condition.",
            id="missing yet all received",
        ),
        pytest.param(
            {"delivery_status": "missing", "expected_on": "2000-01-01"},
            "Line 1: the rest cannot be expected in the past.",
            id="expected in the past",
        ),
        pytest.param(
            {"delivery_status": "pending"},
            "Line 1: choose one of complete, damaged, missing, wrong.",
            id="not checked",
        ),
    ],
)
def test_delivery_check_input_is_checked_per_line(flow, check, message):
    for step in APPROVED:
        getattr(flow, step)()
    with pytest.raises(ValidationError) as exc:
        deliveries.delivery_check(
            actor=flow.admin,
            requisition_id=flow.r.pk,
            lines=[
                {"line": line(flow.r, 1).pk, **check},
                {"line": line(flow.r, 2).pk, "delivery_status": "complete"},
            ],
        )
    assert exc.value.message_dict == {"lines": [message]}
    assert line(flow.r, 1).delivery_status == DeliveryStatus.PENDING


def test_every_line_not_yet_complete_must_be_checked(flow, requisition, config_admin):
    for step in APPROVED:
        getattr(flow, step)()
    other = svc.requisition_create(
        actor=config_admin, title="Other", lines=[{"description": "Mouse"}]
    )
    with pytest.raises(ValidationError) as exc:
        deliveries.delivery_check(
            actor=config_admin,
            requisition_id=flow.r.pk,
            lines=[{"line": other.lines.get().pk, "delivery_status": "complete"}],
        )
    messages = exc.value.message_dict["lines"]
    assert messages[0].startswith(f"Line item {other.lines.get().pk} is not")
    assert messages[1] == "Check every line not yet complete (line 1, 2)."


# --- Registration in the CMDB -------------------------------------------------------------------


def test_registering_creates_the_cis_in_stock_linked_to_their_lines(flow, server, runs_on):
    rack = cis.ci_create(actor=flow.admin, ci_class=server, name="Rack 7", attributes={"ram_gb": 0})
    for step in [*APPROVED, "deliver_complete"]:
        getattr(flow, step)()
    deliveries.requisition_register_cis(
        actor=flow.admin,
        requisition_id=flow.r.pk,
        lines=[
            {
                "line": line(flow.r, 1).pk,
                "serial_numbers": ["SN-1", "SN-2"],
                "names": ["db-01", "db-02"],
                "attributes": {"ram_gb": "512"},
                "relationships": [{"type": runs_on, "target": rack}],
            },
            {"line": line(flow.r, 2).pk, "ci_class": server, "attributes": {"ram_gb": 0}},
        ],
    )
    first = line(flow.r, 1)
    made = list(first.registered_cis.order_by("name"))
    assert [(c.name, c.serial_number, c.status, c.attributes) for c in made] == [
        ("db-01", "SN-1", CIStatus.IN_STOCK, {"ram_gb": 512}),
        ("db-02", "SN-2", CIStatus.IN_STOCK, {"ram_gb": 512}),
    ]
    assert [c.name for c in line(flow.r, 2).registered_cis.all()] == ["Rack rails"]
    assert set(CIChange.objects.filter(ci__in=made).values_list("cause", flat=True)) == {
        flow.r.number
    }
    assert Relationship.objects.filter(source__in=made, target=rack, type=runs_on).count() == 2
    flow.r.refresh_from_db()
    assert flow.r.status == R.REGISTERED


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param(
            {"serial_numbers": ["SN-1"]}, "Line 1: Give 2 serial numbers, one per CI.", id="count"
        ),
        pytest.param(
            {"serial_numbers": ["SN-1", "SN-1"]},
            "Line 1: A serial number is given twice.",
            id="twice",
        ),
        pytest.param({}, "Line 1: RAM is required.", id="mandatory"),
    ],
)
def test_registration_is_all_or_nothing(flow, server, spec, message):
    for step in [*APPROVED, "deliver_complete"]:
        getattr(flow, step)()
    before = ConfigurationItem.objects.count()
    with pytest.raises(ValidationError) as exc:
        deliveries.requisition_register_cis(
            actor=flow.admin,
            requisition_id=flow.r.pk,
            lines=[{"line": line(flow.r, 1).pk, **spec}],
        )
    assert exc.value.message_dict == {"lines": [message]}
    assert ConfigurationItem.objects.count() == before
    flow.r.refresh_from_db()
    assert flow.r.status == R.DELIVERED


def test_a_line_without_a_ci_class_needs_one_to_be_registered(flow):
    for step in [*APPROVED, "deliver_complete"]:
        getattr(flow, step)()
    with pytest.raises(ValidationError) as exc:
        deliveries.requisition_register_cis(
            actor=flow.admin,
            requisition_id=flow.r.pk,
            lines=[{"line": line(flow.r, 1).pk, "attributes": {"ram_gb": 1}}],
        )
    assert exc.value.message_dict == {"lines": ["Line 2: Choose the CI class of these CIs."]}


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
    from steward.configuration.registry_purchasing import search_requisitions

    hits = search_requisitions(config_admin, "CHG000042")
    assert [(h.number, h.title) for h in hits] == [(requisition.number, "Two database servers")]
    assert search_requisitions(config_admin, "database servers")[0].url == (
        requisition.get_absolute_url()
    )
    assert search_requisitions(requester, "database") == []
